"""The stage graph: each stage runs only when the hash of its inputs changed (cache, resume, edits, rollback).

A rollback is nothing more than: add feedback (or a retake adjustment) to a stage's inputs, which changes its
input hash, and run the graph again; only that stage and what depends on it are redone.
"""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from personavlog import timing
from personavlog.config import Settings
from personavlog.engines import registry
from personavlog.errors import InputError, StageError
from personavlog.feedback import policy
from personavlog.feedback.notes import note_overrides
from personavlog.fsutil import sha256_file, sha256_json
from personavlog.inputs import check_reference_image
from personavlog.media import wav_duration_s
from personavlog.progress import FrameThrottle, ProgressCallback, ProgressEvent, ignore
from personavlog.project import LLMCall, Manifest, RunDir, StageRecord, document_hash
from personavlog.schema import Critique, Framing, Rollback, Shot, Story, VlogRequest

# Bump when a stage's code changes what it produces, so cached results from older versions are redone.
STAGE_VERSIONS = {
    "persona": 1,
    "story": 1,
    "storyboard": 1,
    "visual": 1,
    "monologue": 1,
    "music_brief": 1,
    "voice": 1,
    "clip": 1,
    "music": 1,
    "compose": 1,
    "single_pass": 1,
}
_ROLE_OF_STAGE = {"clip": "visual", "voice": "speech", "music": "music", "compose": "compose"}
# Fields a rejected retake puts back as they were (critiques, rollbacks and LLM calls stay: they are the trace).
_TAKE_FIELDS = ("story", "storyboard", "music_brief", "timeline", "assets", "stages", "feedback", "adjustments")


class Pipeline:
    """Runs one vlog in one run directory. `plan` stops after the agents; `make` renders everything."""

    def __init__(
        self,
        run: RunDir,
        settings: Settings,
        on_event: ProgressCallback | None = None,
        allow_no_face: bool = False,
    ):
        self.run = run
        self.settings = settings
        self.emit = on_event or ignore
        self.allow_no_face = allow_no_face
        self._llm: Any = None
        self._judge: Any = None
        self._engines: dict[str, Any] = {}
        self._story_to_beat: Story | None = None
        self._written: set[str] = set()
        """Stages whose compute ran in this invocation: only what was just generated is rolled back."""
        """Set by a rollback of the story for its theme: the rewrite must be more on theme than this story."""

    # ---- entry points -------------------------------------------------------------------------

    def _check_request(self, request: VlogRequest) -> None:
        check_reference_image(request.reference)
        speech = self.settings.speech.backend
        languages = getattr(registry.backend_class("speech", speech), "languages", None)
        if languages is not None and request.language.split("-")[0].lower() not in languages:
            raise InputError(
                f"the {speech} voice speaks {', '.join(languages)} only, not {request.language!r}; "
                "choose --language en or configure a speech backend that speaks it"
            )

    def plan(self, request: VlogRequest) -> Manifest:
        self._check_request(request)
        with self.run.locked():
            manifest = self._planned(request)
            if manifest.status in ("new", "planning"):
                manifest.status = "planned"
            self._finish(manifest)
            return manifest

    def make(self, request: VlogRequest) -> Manifest:
        self._check_request(request)
        with self.run.locked():
            return self._rendered(self._planned(request))

    def redo(self, shot_id: int, note: str | None = None) -> Manifest:
        """Regenerate one shot (its documents with `note` as feedback, then its assets) and re-cut the vlog."""
        with self.run.locked():
            manifest = self.run.load()
            check_reference_image(manifest.request.reference)
            board = manifest.shots()
            if board is None or shot_id not in {s.id for s in board.shots}:
                known = ", ".join(str(s.id) for s in board.shots) if board else "none"
                raise InputError(f"no shot {shot_id} in {self.run.root} (shots: {known})")
            self._open(manifest.request, manifest)
            self._rewrite_shot(manifest, shot_id, note)
            return self._rendered(manifest)

    def _planned(self, request: VlogRequest) -> Manifest:
        manifest = self._open(request)
        self._plan_stages(manifest)
        if manifest.request.feedback:
            self._review_script(manifest)
        return manifest

    def _rendered(self, manifest: Manifest) -> Manifest:
        manifest.status = "rendering"
        self.run.save(manifest)
        self._render_stages(manifest)
        manifest.status = "done"
        self._finish(manifest)
        return manifest

    # ---- bookkeeping ----------------------------------------------------------------------------

    def _open(self, request: VlogRequest, manifest: Manifest | None = None) -> Manifest:
        self.emit(ProgressEvent(kind="run_start", message=str(self.run.root)))
        reference_sha = sha256_file(request.reference)
        if manifest is None and self.run.exists():
            manifest = self.run.load()
        if manifest is None:
            manifest = Manifest(request=request, reference_sha256=reference_sha, status="planning")
        manifest.request = request
        manifest.reference_sha256 = reference_sha
        manifest.backends = self._backends()
        shutil.rmtree(self._takes_dir, ignore_errors=True)
        self.run.save(manifest)
        return manifest

    def _finish(self, manifest: Manifest) -> None:
        self.run.save(manifest)
        self.emit(ProgressEvent(kind="run_done", message=manifest.status, seconds=sum(manifest.timings.values())))

    def _backends(self) -> dict[str, dict[str, str]]:
        llm = self.settings.llm
        llm_model = str(llm.model_path or "gemma-3-270m-q4_k_m") if llm.backend == "llamacpp" else llm.model
        return {
            "llm": {"name": llm.backend, "model": llm_model},
            "visual": registry.describe("visual", self.settings),
            "speech": registry.describe("speech", self.settings),
            "music": registry.describe("music", self.settings),
        }

    def _input_hash(self, stage: str, manifest: Manifest, **inputs: Any) -> str:
        family = stage.split("/")[0]
        role = _ROLE_OF_STAGE.get(family, "llm")
        return sha256_json(
            {
                "version": STAGE_VERSIONS[family],
                "backend": manifest.backends.get(role, {}),
                "feedback": manifest.feedback.get(stage, []),
                "adjust": manifest.adjustments.get(stage, {}),
                **inputs,
            }
        )

    def _run_stage(
        self,
        manifest: Manifest,
        stage: str,
        input_hash: str,
        compute: Callable[[], Any],
        current_output: Callable[[], Any],
        outputs_intact: Callable[[], bool] = lambda: True,
        shot: int | None = None,
    ) -> bool:
        """Run `compute` unless the recorded inputs are unchanged and the outputs are still there.

        A document whose hash differs from what the stage last wrote was edited by the user: the edit is
        kept as long as the stage's own inputs are unchanged. Returns whether the stage ran.
        """
        record = manifest.stages.get(stage)
        output = current_output()
        if record is not None and record.input_hash == input_hash and output is not None and outputs_intact():
            edited = self._edited_by_user(manifest, stage, current_output)
            message = "edited by user, kept" if edited else ""
            self.emit(ProgressEvent(kind="stage_cached", stage=stage, shot=shot, message=message))
            return False
        self.emit(ProgressEvent(kind="stage_start", stage=stage, shot=shot))
        started = time.perf_counter()
        compute()
        self._written.add(stage)
        seconds = time.perf_counter() - started
        manifest.stages[stage] = StageRecord(
            input_hash=input_hash, output_hash=document_hash(current_output()), seconds=round(seconds, 3)
        )
        family = stage.split("/")[0]
        manifest.timings[family] = round(
            sum(r.seconds for k, r in manifest.stages.items() if k.split("/")[0] == family), 3
        )
        self.run.save(manifest)
        self.emit(ProgressEvent(kind="stage_done", stage=stage, shot=shot, seconds=seconds))
        return True

    def _forget_removed_shots(self, manifest: Manifest, shot_ids: set[int]) -> None:
        """A new storyboard may have fewer shots: drop the old shots' files and records."""
        keep = {f"{shot_id:02d}" for shot_id in shot_ids}
        for key in [k for k in manifest.stages if "/" in k and k.split("/")[1] not in keep]:
            del manifest.stages[key]
        for path in [p for p in manifest.assets if p.startswith("shots/") and p.split("/")[1] not in keep]:
            del manifest.assets[path]
        shots_root = self.run.root / "shots"
        if shots_root.is_dir():
            for folder in shots_root.iterdir():
                if folder.is_dir() and folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)

    # ---- backends -------------------------------------------------------------------------------

    def llm(self) -> Any:
        if self._llm is None:
            from personavlog.llm.registry import make_llm

            self._llm = make_llm(self.settings.llm)
        return self._llm

    def judge(self) -> Any:
        """The configured vision model that judges keyframes, or None."""
        if self._judge is None and self.settings.judge is not None:
            from personavlog.llm.registry import make_llm

            self._judge = make_llm(self.settings.judge)
        return self._judge

    def engine(self, role: str) -> Any:
        if role not in self._engines:
            self._engines[role] = registry.from_settings(role, self.settings)
        return self._engines[role]

    def _call_agent(self, manifest: Manifest, writer: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        from personavlog.agents import AgentCallLog

        log = AgentCallLog()
        try:
            return writer(self.llm(), manifest.request, *args, candidates=self.settings.candidates, log=log, **kwargs)
        finally:
            manifest.llm_calls.extend(LLMCall.model_validate(c.model_dump()) for c in log.calls)

    # ---- the agents -----------------------------------------------------------------------------

    def _plan_inputs(self, manifest: Manifest, stage: str) -> str:
        """The input hash of an agent stage, from the documents upstream of it."""
        request = manifest.request
        common = {"theme": request.theme, "style": request.style, "language": request.language, "seed": request.seed}
        if stage == "persona":
            return self._input_hash(
                stage,
                manifest,
                reference=manifest.reference_sha256,
                no_face=self.allow_no_face,
                persona_text=request.persona,
            )
        persona = document_hash(manifest.persona)
        if stage == "story":
            return self._input_hash(stage, manifest, persona=persona, **common)
        story = document_hash(manifest.story)
        if stage == "storyboard":
            return self._input_hash(
                stage, manifest, persona=persona, story=story, duration=request.duration_s, **common
            )
        board = document_hash(manifest.shots())
        if stage == "visual":
            return self._input_hash(stage, manifest, persona=persona, storyboard=board, **common)
        if stage == "monologue":
            return self._input_hash(stage, manifest, persona=persona, story=story, storyboard=board, **common)
        return self._input_hash(stage, manifest, story=story, storyboard=board, **common)

    @staticmethod
    def _edited_by_user(manifest: Manifest, stage: str, current_output: Callable[[], Any]) -> bool:
        """Whether the stage's document differs from what the stage last wrote (see `_run_stage`)."""
        record = manifest.stages.get(stage)
        return (
            record is not None
            and record.output_hash is not None
            and record.output_hash != document_hash(current_output())
        )

    @staticmethod
    def _theme_focus(manifest: Manifest, stage: str) -> bool:
        """Set by a rollback for theme relevance: the agent's rewrites aim at the theme from then on."""
        return bool(manifest.adjustments.get(stage, {}).get("theme_focus", False))

    def _plan_stages(self, manifest: Manifest) -> None:
        from personavlog import agents

        request = manifest.request
        notes = manifest.feedback

        def persona() -> None:
            from personavlog.vision.analysis import analyze_reference

            analysis = analyze_reference(request.reference, self.run.cutout, allow_no_face=self.allow_no_face)
            self.run.record_asset(manifest, self.run.cutout, "persona")
            manifest.observations = analysis.observations()
            manifest.persona = self._call_agent(
                manifest,
                agents.write_persona,
                manifest.observations,
                analysis.face_box,
                analysis.palette,
                self.run.relative(self.run.cutout),
                notes.get("persona", []),
            )
            if request.persona:
                manifest.persona = manifest.persona.model_copy(
                    update={"description": " ".join(request.persona.split())}
                )

        self._run_stage(
            manifest,
            "persona",
            self._plan_inputs(manifest, "persona"),
            persona,
            lambda: manifest.persona,
            lambda: self.run.asset_intact(manifest, self.run.cutout),
        )

        if request.planner == "single-pass":
            self._plan_single_pass(manifest)
            return

        def story() -> None:
            manifest.story = self._call_agent(
                manifest,
                agents.write_story,
                manifest.persona,
                notes.get("story", []),
                theme_focus=self._theme_focus(manifest, "story"),
                current=self._story_to_beat,
            )
            self._story_to_beat = None

        self._run_stage(manifest, "story", self._plan_inputs(manifest, "story"), story, lambda: manifest.story)

        def storyboard() -> None:
            board = self._call_agent(
                manifest, agents.write_storyboard, manifest.persona, manifest.story, notes.get("storyboard", [])
            )
            manifest.set_storyboard(board)

        self._run_stage(manifest, "storyboard", self._plan_inputs(manifest, "storyboard"), storyboard, manifest.shots)
        board = manifest.shots()
        assert board is not None
        self._forget_removed_shots(manifest, {shot.id for shot in board.shots})

        def visual() -> None:
            manifest.set_visuals(
                self._call_agent(manifest, agents.write_visuals, manifest.persona, board, notes.get("visual", []))
            )

        self._run_stage(manifest, "visual", self._plan_inputs(manifest, "visual"), visual, manifest.visuals)

        def monologue() -> None:
            lines = self._call_agent(
                manifest,
                agents.write_monologue,
                manifest.persona,
                manifest.story,
                board,
                notes.get("monologue", []),
                theme_focus=self._theme_focus(manifest, "monologue"),
            )
            manifest.set_monologue(lines)

        self._run_stage(manifest, "monologue", self._plan_inputs(manifest, "monologue"), monologue, manifest.monologue)

        def music_brief() -> None:
            manifest.music_brief = self._call_agent(
                manifest, agents.write_music_brief, manifest.story, board, notes.get("music_brief", [])
            )

        self._run_stage(
            manifest,
            "music_brief",
            self._plan_inputs(manifest, "music_brief"),
            music_brief,
            lambda: manifest.music_brief,
        )

    def _plan_single_pass(self, manifest: Manifest) -> None:
        """The baseline planner: one LLM call writes story, storyboard, visuals, monologue and music brief."""
        from personavlog.agents.single_pass import write_plan

        request = manifest.request

        def plan() -> None:
            written = self._call_agent(manifest, write_plan, manifest.persona, manifest.feedback.get("single_pass", []))
            manifest.story = written.story
            manifest.set_storyboard(written.storyboard)
            manifest.set_visuals(written.visuals)
            manifest.set_monologue(written.monologue)
            manifest.music_brief = written.music_brief

        common = {"theme": request.theme, "style": request.style, "language": request.language, "seed": request.seed}
        self._run_stage(
            manifest,
            "single_pass",
            self._input_hash(
                "single_pass",
                manifest,
                persona=document_hash(manifest.persona),
                duration=request.duration_s,
                **common,
            ),
            plan,
            lambda: (
                [manifest.story, manifest.shots(), manifest.visuals(), manifest.monologue(), manifest.music_brief]
                if manifest.music_brief is not None
                else None
            ),
        )
        board = manifest.shots()
        assert board is not None
        self._forget_removed_shots(manifest, {shot.id for shot in board.shots})

    def _settle_plan_record(self, manifest: Manifest, stage: str, getter: Callable[[], Any]) -> None:
        """After a partial rewrite (one shot), record the stage as having produced what the manifest now holds."""
        previous = manifest.stages.get(stage)
        manifest.stages[stage] = StageRecord(
            input_hash=self._plan_inputs(manifest, stage),
            output_hash=document_hash(getter()),
            seconds=previous.seconds if previous else 0.0,
        )

    def _rewrite_shot(self, manifest: Manifest, shot_id: int, note: str | None) -> None:
        """User-driven rollback: the storyboard, visual and monologue agents redo one shot, with the note."""
        from personavlog import agents

        assert manifest.storyboard is not None and manifest.persona is not None and manifest.story is not None
        index = next(i for i, s in enumerate(manifest.storyboard.shots) if s.id == shot_id)
        message = f"Shot {shot_id}: {note}" if note else f"Shot {shot_id}: show this moment differently."
        for stage in ("storyboard", "visual", "monologue"):
            manifest.feedback.setdefault(stage, []).append(message)
        self._next_retake(manifest, f"clip/{shot_id:02d}")
        notes = manifest.feedback

        self.emit(ProgressEvent(kind="stage_start", stage="storyboard", shot=shot_id))
        board = self._call_agent(
            manifest,
            agents.write_storyboard,
            manifest.persona,
            manifest.story,
            notes.get("storyboard", []),
            shot_ids=[shot_id],
            current=manifest.shots(),
        )
        fresh = next(s for s in board.shots if s.id == shot_id)
        planned = manifest.storyboard.shots[index]
        for field in Shot.model_fields:
            if field not in ("id", "duration_s"):
                setattr(planned, field, getattr(fresh, field))
        for field, value in note_overrides(note or "").items():
            setattr(planned, field, value)
        self._settle_plan_record(manifest, "storyboard", manifest.shots)
        self.emit(ProgressEvent(kind="stage_done", stage="storyboard", shot=shot_id))

        current = manifest.shots()
        assert current is not None
        self.emit(ProgressEvent(kind="stage_start", stage="visual", shot=shot_id))
        visuals = self._call_agent(
            manifest, agents.write_visuals, manifest.persona, current, notes.get("visual", []), shot_ids=[shot_id]
        )
        mine = next(v for v in visuals if v.shot_id == shot_id)
        planned.keyframe_prompt, planned.motion_prompt = mine.keyframe_prompt, mine.motion_prompt
        planned.negative_prompt = mine.negative_prompt
        self._settle_plan_record(manifest, "visual", manifest.visuals)
        self.emit(ProgressEvent(kind="stage_done", stage="visual", shot=shot_id))

        self.emit(ProgressEvent(kind="stage_start", stage="monologue", shot=shot_id))
        lines = self._call_agent(
            manifest,
            agents.write_monologue,
            manifest.persona,
            manifest.story,
            current,
            notes.get("monologue", []),
            shot_ids=[shot_id],
            current=manifest.monologue(),
        )
        planned.monologue = next(line.text for line in lines if line.shot_id == shot_id)
        self._settle_plan_record(manifest, "monologue", manifest.monologue)
        self.emit(ProgressEvent(kind="stage_done", stage="monologue", shot=shot_id))
        # The music brief keeps its energy curve: one shot changed, the arc of the vlog did not.
        self._settle_plan_record(manifest, "music_brief", lambda: manifest.music_brief)
        self.run.save(manifest)

    # ---- critiques and rollbacks ----------------------------------------------------------------

    @property
    def _takes_dir(self) -> Path:
        return self.run.root / ".takes"

    @staticmethod
    def _next_retake(manifest: Manifest, stage: str) -> dict[str, Any]:
        """Count one more retake of an engine stage; its seed moves with the count. Returns the stage's settings."""
        adjust = manifest.adjustments.setdefault(stage, {})
        adjust["retake"] = int(adjust.get("retake", 0)) + 1
        return adjust

    @staticmethod
    def _retake_seed(manifest: Manifest, stage: str) -> int:
        retake = int(manifest.adjustments.get(stage, {}).get("retake", 0))
        return manifest.request.seed + policy.RETAKE_SEED_STEP * retake

    def _record(self, manifest: Manifest, critiques: list[Critique]) -> list[int]:
        """Append critiques to the manifest, tell the progress listener, return their indexes."""
        indexes = []
        for critique in critiques:
            manifest.critiques.append(critique)
            indexes.append(len(manifest.critiques) - 1)
            verdict = "passed" if critique.passed else "FAILED"
            self.emit(
                ProgressEvent(
                    kind="critique",
                    stage=critique.stage,
                    message=f"{critique.target} {verdict} ({critique.score:g} vs {critique.threshold:g})",
                )
            )
        return indexes

    def _rollback(self, manifest: Manifest, index: int, stage: str, round_: int) -> None:
        critique = manifest.critiques[index]
        manifest.rollbacks.append(Rollback(from_critique=index, stage=stage, target=critique.target, round=round_))
        self.emit(ProgressEvent(kind="critique", stage=stage, message=f"rollback to {stage}: {critique.feedback}"))

    def _snapshot(self, manifest: Manifest, files: list[Path]) -> tuple[Manifest, dict[Path, Path]]:
        self._takes_dir.mkdir(parents=True, exist_ok=True)
        backups = {}
        for path in files:
            if path.is_file():
                backup = self._takes_dir / self.run.relative(path).replace("/", "__")
                shutil.copy2(path, backup)
                backups[path] = backup
        return manifest.model_copy(deep=True), backups

    def _restore(self, manifest: Manifest, snapshot: Manifest, backups: dict[Path, Path]) -> None:
        for field in _TAKE_FIELDS:
            setattr(manifest, field, getattr(snapshot, field))
        for path, backup in backups.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            backup.replace(path)
        self.run.save(manifest)

    def _review(
        self,
        manifest: Manifest,
        key: str,
        state: Callable[[], str],
        critic: Callable[[int], list[Critique]],
        roll_back: Callable[[list[tuple[int, Critique]], int], bool],
        redo: Callable[[], None],
        files: Callable[[], list[Path]],
        guards: Callable[[int], list[Critique]] = lambda _round: [],
    ) -> None:
        """Critique, roll back what failed, redo, and keep the best take; at most request.max_rounds rounds.

        `guards` are checks a retake must not lose although this review does not route them (e.g. the theme
        relevance of a monologue whose lines the voice review rewrites): they count when takes are compared.
        The review is remembered by the state it concluded on, so a re-run with nothing changed skips it.
        """
        if manifest.reviews.get(key) == state():
            return
        critiques = critic(0)
        guarded = guards(0)
        indexes = self._record(manifest, critiques)
        for round_ in range(1, manifest.request.max_rounds + 1):
            failed = [(i, c) for i, c in zip(indexes, critiques, strict=True) if not c.passed]
            if not failed:
                break
            snapshot, backups = self._snapshot(manifest, files())
            first_rollback = len(manifest.rollbacks)
            if not roll_back(failed, round_):
                break
            redo()
            retake = critic(round_)
            guarded_retake = guards(round_)
            indexes_retake = self._record(manifest, retake)
            worse = policy.take_quality(retake + guarded_retake) < policy.take_quality(critiques + guarded)
            for rollback in manifest.rollbacks[first_rollback:]:
                rollback.kept = not worse
            if worse:
                self.emit(
                    ProgressEvent(
                        kind="critique", stage=key, message=f"round {round_} was worse: kept the earlier take"
                    )
                )
                self._restore(manifest, snapshot, backups)
                break
            critiques, indexes, guarded = retake, indexes_retake, guarded_retake
        shutil.rmtree(self._takes_dir, ignore_errors=True)
        manifest.reviews[key] = state()
        self.run.save(manifest)

    def _review_script(self, manifest: Manifest) -> None:
        from personavlog.feedback.critics.script import critique_script

        def state() -> str:
            return sha256_json(
                [
                    document_hash(manifest.story),
                    document_hash(manifest.shots()),
                    document_hash(manifest.monologue()),
                    manifest.feedback,
                ]
            )

        def critic(round_: int) -> list[Critique]:
            board, lines = manifest.shots(), manifest.monologue()
            assert manifest.story is not None and board is not None and lines is not None
            return critique_script(manifest.request.theme, manifest.story, board, lines, round_)

        def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
            # A script the user edited, or one a redo touched for a single shot, is checked but not rewritten:
            # only documents the agents wrote in this invocation go back to them.
            written = self._written | (set(policy.AGENT_STAGES) if "single_pass" in self._written else set())
            kept = sorted({c.stage for _, c in failed if c.stage not in written})
            if kept:
                self.emit(ProgressEvent(kind="critique", stage="script", message=f"kept as written: {', '.join(kept)}"))
            failed = [(index, critique) for index, critique in failed if critique.stage in written]
            for index, critique in failed:
                manifest.feedback.setdefault(critique.stage, []).append(critique.feedback)
                self._rollback(manifest, index, critique.stage, round_)
            for stage in policy.theme_focus_stages(c for _, c in failed):
                manifest.adjustments.setdefault(stage, {})["theme_focus"] = True
                if stage == "story":
                    self._story_to_beat = manifest.story
            return bool(failed)

        self._review(manifest, "script", state, critic, roll_back, lambda: self._plan_stages(manifest), lambda: [])
        self._story_to_beat = None

    # ---- the engines and the cut ----------------------------------------------------------------

    def _voice(self, manifest: Manifest, shot_id: int) -> None:
        lines = {line.shot_id: line.text for line in manifest.monologue() or []}
        wav = self.run.voice(shot_id)
        stage = f"voice/{shot_id:02d}"

        def speak() -> None:
            self.engine("speech").synthesize(lines[shot_id], wav)
            self.run.record_asset(manifest, wav, stage)

        self._run_stage(
            manifest,
            stage,
            self._input_hash(stage, manifest, text=lines[shot_id], voice=manifest.request.voice),
            speak,
            lambda: manifest.assets.get(self.run.relative(wav)),
            lambda: self.run.asset_intact(manifest, wav),
            shot=shot_id,
        )

    def _review_voices(self, manifest: Manifest) -> None:
        """Lines that overrun their shot or that a recogniser cannot follow go back to the monologue agent."""
        from personavlog import agents
        from personavlog.feedback.critics.script import critique_monologue_relevance
        from personavlog.feedback.critics.voice import critique_voice

        board = manifest.shots()
        assert board is not None
        # Only lines whose voice changed since they were last reviewed: a redo must not touch the other shots.
        planned = {
            s.id: s.duration_s
            for s in board.shots
            if manifest.reviews.get(f"voice/{s.id:02d}") != manifest.stages[f"voice/{s.id:02d}"].input_hash
        }
        if not planned:
            return

        def state() -> str:
            return sha256_json([manifest.stages[f"voice/{s.id:02d}"].input_hash for s in board.shots])

        def critic(round_: int) -> list[Critique]:
            lines = {line.shot_id: line.text for line in manifest.monologue() or []}
            found = []
            for shot_id, duration in planned.items():
                found += critique_voice(shot_id, lines[shot_id], self.run.voice(shot_id), duration, round_)
            return found

        def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
            if self._edited_by_user(manifest, "monologue", manifest.monologue):
                self.emit(ProgressEvent(kind="critique", stage="voices", message="kept the user's lines as written"))
                return False
            shots = sorted({int(c.target.split()[1]) for _, c in failed if c.stage == "monologue"} & set(planned))
            for index, critique in failed:
                if policy.is_agent_stage(critique.stage):
                    manifest.feedback.setdefault(critique.stage, []).append(critique.feedback)
                    self._rollback(manifest, index, critique.stage, round_)
            if not shots:
                return False
            lines = self._call_agent(
                manifest,
                agents.write_monologue,
                manifest.persona,
                manifest.story,
                manifest.shots(),
                manifest.feedback.get("monologue", []),
                shot_ids=shots,
                current=manifest.monologue(),
                theme_focus=True,  # a shorter or clearer line is chosen among several by the theme it keeps
            )
            rewritten = {line.shot_id: line.text for line in lines}
            assert manifest.storyboard is not None
            for shot in manifest.storyboard.shots:
                if shot.id in shots:
                    shot.monologue = rewritten[shot.id]
            self._settle_plan_record(manifest, "monologue", manifest.monologue)
            return True

        def redo() -> None:
            for shot in board.shots:
                self._voice(manifest, shot.id)

        def keeps_theme(round_: int) -> list[Critique]:
            lines = manifest.monologue()
            assert lines is not None
            return [critique_monologue_relevance(manifest.request.theme, lines, round_)]

        self._review(
            manifest,
            "voices",
            state,
            critic,
            roll_back,
            redo,
            lambda: [self.run.voice(s.id) for s in board.shots],
            guards=keeps_theme,
        )
        for shot in board.shots:
            manifest.reviews[f"voice/{shot.id:02d}"] = manifest.stages[f"voice/{shot.id:02d}"].input_hash
        self.run.save(manifest)

    def _shot_spec(self, manifest: Manifest, index: int) -> Any:
        from personavlog.engines.visual.base import ShotRenderSpec

        request = manifest.request
        board, visuals, timeline = manifest.shots(), manifest.visuals(), manifest.timeline
        assert board is not None and visuals is not None and timeline is not None and manifest.persona is not None
        shot = board.shots[index]
        adjust = manifest.adjustments.get(f"clip/{shot.id:02d}", {})
        if "framing" in adjust:
            shot = shot.model_copy(update={"framing": Framing(adjust["framing"])})
        width, height = request.frame_size()
        return ShotRenderSpec(
            shot=shot,
            visual=next(v for v in visuals if v.shot_id == shot.id),
            persona=manifest.persona,
            style=request.style,
            width=width,
            height=height,
            fps=request.fps,
            duration_s=timing.clip_duration(timeline, index),
            seed=self._retake_seed(manifest, f"clip/{shot.id:02d}"),
            shot_index=index,
            shot_count=len(board.shots),
        )

    @functools.cached_property
    def shot_renderer(self) -> Any:
        """Where keyframes and clips render: this process's visual engine, or GPU actors on a Ray cluster."""
        from personavlog.distributed.shots import shot_renderer

        return shot_renderer(self.settings, lambda: self.engine("visual"))

    def _clip_inputs(self, manifest: Manifest, index: int) -> tuple[Any, str, str]:
        """The shot's render spec, its stage name and the stage's input hash."""
        spec = self._shot_spec(manifest, index)
        stage = f"clip/{spec.shot.id:02d}"
        cutout_sha = manifest.assets[self.run.relative(self.run.cutout)].sha256
        return spec, stage, self._input_hash(stage, manifest, spec=spec.model_dump(mode="json"), cutout=cutout_sha)

    def _prefetch_clips(self, manifest: Manifest, count: int) -> None:
        """Hand every shot whose clip must be (re)made to a parallel renderer at once; `_clip` then collects each."""
        if not self.shot_renderer.parallel:
            return
        stale = []
        for index in range(count):
            spec, stage, input_hash = self._clip_inputs(manifest, index)
            record = manifest.stages.get(stage)
            keyframe, clip = self.run.keyframe(spec.shot.id), self.run.clip(spec.shot.id)
            intact = self.run.asset_intact(manifest, keyframe) and self.run.asset_intact(manifest, clip)
            if record is None or record.input_hash != input_hash or not intact:
                stale.append((spec, self.run.cutout))
        self.shot_renderer.prefetch(stale)

    def _clip(self, manifest: Manifest, index: int) -> None:
        spec, stage, input_hash = self._clip_inputs(manifest, index)
        shot_id = spec.shot.id
        keyframe, clip = self.run.keyframe(shot_id), self.run.clip(shot_id)

        def render() -> None:
            self.shot_renderer.render_shot(
                spec, self.run.cutout, keyframe, clip, on_frame=FrameThrottle(self.emit, stage, shot_id)
            )
            self.run.record_asset(manifest, keyframe, stage)
            self.run.record_asset(manifest, clip, stage)

        self._run_stage(
            manifest,
            stage,
            input_hash,
            render,
            lambda: manifest.assets.get(self.run.relative(clip)),
            lambda: self.run.asset_intact(manifest, keyframe) and self.run.asset_intact(manifest, clip),
            shot=shot_id,
        )

    def _review_clip(self, manifest: Manifest, index: int) -> None:
        """Keyframe and clip failures go back to the visual engine: a retake with a new seed, closer if needed."""
        from personavlog.feedback.critics.visual import critique_clip, critique_keyframe

        board = manifest.shots()
        assert board is not None
        shot = board.shots[index]
        stage = f"clip/{shot.id:02d}"

        def critic(round_: int) -> list[Critique]:
            framing = self._shot_spec(manifest, index).shot.framing
            keyframe, clip = self.run.keyframe(shot.id), self.run.clip(shot.id)
            critiques = critique_keyframe(shot.id, manifest.request.reference, keyframe, framing, round_)
            critiques += self._judge_keyframe(manifest, index, round_)
            return critiques + critique_clip(shot.id, clip, round_)

        def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
            adjust = self._next_retake(manifest, stage)
            if policy.wants_closer(c for _, c in failed):
                adjust["framing"] = policy.tighter(self._shot_spec(manifest, index).shot.framing).value
            for critique_index, _critique in failed:
                self._rollback(manifest, critique_index, stage, round_)
            return True

        self._review(
            manifest,
            stage,
            lambda: manifest.stages[stage].input_hash,
            critic,
            roll_back,
            lambda: self._clip(manifest, index),
            lambda: [self.run.keyframe(shot.id), self.run.clip(shot.id)],
        )

    def _judge_keyframe(self, manifest: Manifest, index: int, round_: int) -> list[Critique]:
        """The vision model's 1-5 judgement of the keyframe against its prompt, when a judge is configured."""
        from personavlog.feedback.critics.keyframe_judge import JudgeUnavailable, judge_keyframe

        judge = self.judge()
        board = manifest.storyboard
        if judge is None or board is None:
            return []
        planned = board.shots[index]
        try:
            critique = judge_keyframe(
                judge,
                planned.id,
                self.run.keyframe(planned.id),
                planned.keyframe_prompt,
                manifest.request.style,
                round_,
                seed=manifest.request.seed,
            )
        except JudgeUnavailable as exc:
            self.emit(ProgressEvent(kind="critique", stage=f"clip/{planned.id:02d}", message=f"no judgement: {exc}"))
            return []
        return [critique]

    def _music(self, manifest: Manifest) -> None:
        timeline, brief = manifest.timeline, manifest.music_brief
        assert timeline is not None and brief is not None
        spans = [(s.start_s, s.duration_s) for s in timeline.shots]
        seed = self._retake_seed(manifest, "music")

        def music() -> None:
            self.engine("music").render(brief, spans, timeline.total_s, seed, self.run.music)
            self.run.record_asset(manifest, self.run.music, "music")

        self._run_stage(
            manifest,
            "music",
            self._input_hash("music", manifest, brief=document_hash(brief), spans=spans, seed=seed),
            music,
            lambda: manifest.assets.get("music.wav"),
            lambda: self.run.asset_intact(manifest, self.run.music),
        )

    def _review_music(self, manifest: Manifest) -> None:
        from personavlog.feedback.critics.music import critique_music

        def critic(round_: int) -> list[Critique]:
            timeline, brief = manifest.timeline, manifest.music_brief
            assert timeline is not None and brief is not None
            spans = [(s.start_s, s.duration_s) for s in timeline.shots]
            return critique_music(self.run.music, brief, spans, timeline.total_s, round_)

        def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
            self._next_retake(manifest, "music")
            for index, _critique in failed:
                self._rollback(manifest, index, "music", round_)
            return True

        self._review(
            manifest,
            "music",
            lambda: manifest.stages["music"].input_hash,
            critic,
            roll_back,
            lambda: self._music(manifest),
            lambda: [self.run.music],
        )

    def _compose(self, manifest: Manifest) -> None:
        timeline = manifest.timeline
        assert timeline is not None
        shot_ids = [s.shot_id for s in timeline.shots]
        adjust = manifest.adjustments.get("compose", {})

        def compose() -> None:
            from personavlog.compose.render import compose_vlog

            report = compose_vlog(
                timeline,
                clips={i: self.run.clip(i) for i in shot_ids},
                voices={i: self.run.voice(i) for i in shot_ids},
                music=self.run.music,
                out_mp4=self.run.video,
                out_srt=self.run.srt,
                on_progress=FrameThrottle(self.emit, "compose"),
                target_lufs=float(adjust.get("target_lufs", -16.0)),
                peak_limit_db=float(adjust.get("peak_limit_db", -1.0)),
            )
            manifest.compose_report = report.model_dump(mode="json")
            self.run.record_asset(manifest, self.run.video, "compose")
            self.run.record_asset(manifest, self.run.srt, "compose")

        used = {f"shots/{i:02d}/{name}" for i in shot_ids for name in ("clip.mp4", "voice.wav")} | {"music.wav"}
        self._run_stage(
            manifest,
            "compose",
            self._input_hash(
                "compose",
                manifest,
                timeline=document_hash(timeline),
                assets={path: manifest.assets[path].sha256 for path in sorted(used)},
            ),
            compose,
            lambda: manifest.assets.get("vlog.mp4"),
            lambda: self.run.asset_intact(manifest, self.run.video) and self.run.asset_intact(manifest, self.run.srt),
        )

    def _review_final_cut(self, manifest: Manifest) -> None:
        from personavlog.feedback.critics.final_cut import TARGET_LUFS, critique_final_cut

        def critic(round_: int) -> list[Critique]:
            report = manifest.compose_report
            assert report is not None
            return critique_final_cut(
                self.run.video,
                self.run.srt,
                float(report["integrated_lufs"]),
                float(report["true_peak_dbfs"]),
                float(report["duration_s"]),
                manifest.request.duration_s,
                round_,
            )

        def roll_back(failed: list[tuple[int, Critique]], round_: int) -> bool:
            adjust = manifest.adjustments.setdefault("compose", {})
            report = manifest.compose_report
            assert report is not None
            changed = False
            for index, critique in failed:
                if critique.target == "vlog.loudness":
                    offset = TARGET_LUFS - float(report["integrated_lufs"])
                    adjust["target_lufs"] = round(float(adjust.get("target_lufs", TARGET_LUFS)) + offset, 2)
                elif critique.target == "vlog.true_peak":
                    adjust["peak_limit_db"] = round(float(adjust.get("peak_limit_db", -1.0)) - 0.5, 2)
                else:
                    continue
                changed = True
                self._rollback(manifest, index, "compose", round_)
            return changed

        self._review(
            manifest,
            "compose",
            lambda: manifest.stages["compose"].input_hash,
            critic,
            roll_back,
            lambda: self._compose(manifest),
            lambda: [self.run.video, self.run.srt],
        )

    def _render_stages(self, manifest: Manifest) -> None:
        request = manifest.request
        board = manifest.shots()
        if board is None or manifest.monologue() is None or manifest.visuals() is None or manifest.persona is None:
            raise StageError("plan", "the plan is incomplete; run `personavlog plan` again")

        for shot in board.shots:
            self._voice(manifest, shot.id)
        if request.feedback:
            self._review_voices(manifest)

        lines = {line.shot_id: line.text for line in manifest.monologue() or []}
        durations = {s.id: wav_duration_s(self.run.voice(s.id)) for s in board.shots}
        width, height = request.frame_size()
        manifest.timeline = timing.build_timeline(board, lines, durations, width, height, request.fps)
        self.run.save(manifest)

        self._prefetch_clips(manifest, len(board.shots))
        for index in range(len(board.shots)):
            self._clip(manifest, index)
            if request.feedback:
                self._review_clip(manifest, index)

        self._music(manifest)
        if request.feedback:
            self._review_music(manifest)

        self._compose(manifest)
        if request.feedback:
            self._review_final_cut(manifest)
