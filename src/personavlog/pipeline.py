"""The stage graph: each stage runs only when the hash of its inputs changed (cache, resume, edits)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from personavlog import timing
from personavlog.config import Settings
from personavlog.engines import registry
from personavlog.errors import StageError
from personavlog.fsutil import sha256_file, sha256_json
from personavlog.inputs import check_reference_image
from personavlog.progress import FrameThrottle, ProgressCallback, ProgressEvent, ignore
from personavlog.project import LLMCall, Manifest, RunDir, StageRecord, document_hash
from personavlog.schema import VlogRequest

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
}
PLAN_STAGES = ("persona", "story", "storyboard", "visual", "monologue", "music_brief")


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
        self.feedback: dict[str, list[str]] = {}
        self._llm: Any = None
        self._engines: dict[str, Any] = {}

    # ---- entry points -------------------------------------------------------------------------

    def plan(self, request: VlogRequest) -> Manifest:
        check_reference_image(request.reference)
        with self.run.locked():
            manifest = self._open(request)
            self._plan_stages(manifest)
            if manifest.status in ("new", "planning"):
                manifest.status = "planned"
            self._finish(manifest)
            return manifest

    def make(self, request: VlogRequest) -> Manifest:
        check_reference_image(request.reference)
        with self.run.locked():
            manifest = self._open(request)
            self._plan_stages(manifest)
            manifest.status = "rendering"
            self.run.save(manifest)
            self._render_stages(manifest)
            manifest.status = "done"
            self._finish(manifest)
            return manifest

    # ---- bookkeeping ----------------------------------------------------------------------------

    def _open(self, request: VlogRequest) -> Manifest:
        self.emit(ProgressEvent(kind="run_start", message=str(self.run.root)))
        reference_sha = sha256_file(request.reference)
        if self.run.exists():
            manifest = self.run.load()
            manifest.request = request
            manifest.reference_sha256 = reference_sha
        else:
            manifest = Manifest(request=request, reference_sha256=reference_sha, status="planning")
        manifest.backends = self._backends()
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
            "visual": {"name": self.settings.visual},
            "speech": {"name": self.settings.speech},
            "music": {"name": self.settings.music},
        }

    def _input_hash(self, stage: str, manifest: Manifest, **inputs: Any) -> str:
        family = stage.split("/")[0]
        role = {"visual": "llm", "clip": "visual", "voice": "speech", "music": "music"}.get(family, "llm")
        return sha256_json(
            {
                "version": STAGE_VERSIONS[family],
                "backend": manifest.backends.get(role, {}),
                "feedback": self.feedback.get(stage, []),
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
    ) -> None:
        """Run `compute` unless the recorded inputs are unchanged and the outputs are still there.

        A document whose hash differs from what the stage last wrote was edited by the user: the edit is
        kept as long as the stage's own inputs are unchanged.
        """
        record = manifest.stages.get(stage)
        output = current_output()
        if record is not None and record.input_hash == input_hash and output is not None and outputs_intact():
            if record.output_hash is not None and record.output_hash != document_hash(output):
                self.emit(ProgressEvent(kind="stage_cached", stage=stage, shot=shot, message="edited by user, kept"))
            else:
                self.emit(ProgressEvent(kind="stage_cached", stage=stage, shot=shot))
            return
        self.emit(ProgressEvent(kind="stage_start", stage=stage, shot=shot))
        started = time.perf_counter()
        compute()
        seconds = time.perf_counter() - started
        manifest.stages[stage] = StageRecord(
            input_hash=input_hash, output_hash=document_hash(current_output()), seconds=round(seconds, 3)
        )
        family = stage.split("/")[0]
        if shot is None:
            manifest.timings[family] = round(seconds, 3)
        else:
            manifest.timings[family] = round(
                sum(r.seconds for k, r in manifest.stages.items() if k.split("/")[0] == family), 3
            )
        self.run.save(manifest)
        self.emit(ProgressEvent(kind="stage_done", stage=stage, shot=shot, seconds=seconds))

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

    def engine(self, role: str) -> Any:
        if role not in self._engines:
            name = getattr(self.settings, role)
            self._engines[role] = registry.create(role, name)
        return self._engines[role]

    # ---- the agents -----------------------------------------------------------------------------

    def _plan_stages(self, manifest: Manifest) -> None:
        from personavlog import agents

        request = manifest.request

        def call(writer: Callable[..., Any], *args: Any) -> Any:
            log = agents.AgentCallLog()
            try:
                return writer(self.llm(), request, *args, candidates=self.settings.candidates, log=log)
            finally:
                manifest.llm_calls.extend(LLMCall.model_validate(c.model_dump()) for c in log.calls)

        def persona() -> None:
            from personavlog.vision.analysis import analyze_reference

            analysis = analyze_reference(request.reference, self.run.cutout, allow_no_face=self.allow_no_face)
            self.run.record_asset(manifest, self.run.cutout, "persona")
            observations = analysis.observations()
            manifest.observations = observations
            manifest.persona = call(
                agents.write_persona,
                observations,
                analysis.face_box,
                analysis.palette,
                self.run.relative(self.run.cutout),
                self.feedback.get("persona", []),
            )

        self._run_stage(
            manifest,
            "persona",
            self._input_hash("persona", manifest, reference=manifest.reference_sha256, no_face=self.allow_no_face),
            persona,
            lambda: manifest.persona,
            lambda: self.run.asset_intact(manifest, self.run.cutout),
        )
        assert manifest.persona is not None
        persona_hash = document_hash(manifest.persona)
        common = {"theme": request.theme, "style": request.style, "language": request.language, "seed": request.seed}

        def story() -> None:
            manifest.story = call(agents.write_story, manifest.persona, self.feedback.get("story", []))

        self._run_stage(
            manifest,
            "story",
            self._input_hash("story", manifest, persona=persona_hash, **common),
            story,
            lambda: manifest.story,
        )
        story_hash = document_hash(manifest.story)

        def storyboard() -> None:
            board = call(agents.write_storyboard, manifest.persona, manifest.story, self.feedback.get("storyboard", []))
            manifest.set_storyboard(board)

        self._run_stage(
            manifest,
            "storyboard",
            self._input_hash(
                "storyboard", manifest, persona=persona_hash, story=story_hash, duration=request.duration_s, **common
            ),
            storyboard,
            manifest.shots,
        )
        board = manifest.shots()
        assert board is not None
        self._forget_removed_shots(manifest, {shot.id for shot in board.shots})
        board_hash = document_hash(board)

        def visual() -> None:
            manifest.set_visuals(call(agents.write_visuals, manifest.persona, board, self.feedback.get("visual", [])))

        self._run_stage(
            manifest,
            "visual",
            self._input_hash("visual", manifest, persona=persona_hash, storyboard=board_hash, **common),
            visual,
            manifest.visuals,
        )

        def monologue() -> None:
            manifest.set_monologue(
                call(
                    agents.write_monologue, manifest.persona, manifest.story, board, self.feedback.get("monologue", [])
                )
            )

        self._run_stage(
            manifest,
            "monologue",
            self._input_hash(
                "monologue", manifest, persona=persona_hash, story=story_hash, storyboard=board_hash, **common
            ),
            monologue,
            manifest.monologue,
        )

        def music_brief() -> None:
            manifest.music_brief = call(
                agents.write_music_brief, manifest.story, board, self.feedback.get("music_brief", [])
            )

        self._run_stage(
            manifest,
            "music_brief",
            self._input_hash("music_brief", manifest, story=story_hash, storyboard=board_hash, **common),
            music_brief,
            lambda: manifest.music_brief,
        )

    # ---- the engines and the cut ----------------------------------------------------------------

    def _render_stages(self, manifest: Manifest) -> None:
        request = manifest.request
        board = manifest.shots()
        lines = manifest.monologue()
        visuals = manifest.visuals()
        if board is None or lines is None or visuals is None or manifest.persona is None:
            raise StageError("plan", "the plan is incomplete; run `personavlog plan` again")
        line_by_id = {line.shot_id: line.text for line in lines}
        visual_by_id = {v.shot_id: v for v in visuals}

        speech = None
        voice_durations: dict[int, float] = {}
        for shot in board.shots:
            wav = self.run.voice(shot.id)
            stage = f"voice/{shot.id:02d}"

            def speak(shot_id: int = shot.id, wav: Path = wav, stage: str = stage) -> None:
                nonlocal speech
                speech = speech or self.engine("speech")
                speech.synthesize(line_by_id[shot_id], wav)
                self.run.record_asset(manifest, wav, stage)

            self._run_stage(
                manifest,
                stage,
                self._input_hash(stage, manifest, text=line_by_id[shot.id], voice=request.voice),
                speak,
                lambda wav=wav: manifest.assets.get(self.run.relative(wav)),
                lambda wav=wav: self.run.asset_intact(manifest, wav),
                shot=shot.id,
            )
            from personavlog.media import wav_duration_s

            voice_durations[shot.id] = wav_duration_s(wav)

        width, height = request.frame_size()
        manifest.timeline = timing.build_timeline(board, line_by_id, voice_durations, width, height, request.fps)
        self.run.save(manifest)
        timeline = manifest.timeline
        cutout_sha = manifest.assets[self.run.relative(self.run.cutout)].sha256

        from personavlog.engines.visual.base import ShotRenderSpec

        for index, shot in enumerate(board.shots):
            stage = f"clip/{shot.id:02d}"
            spec = ShotRenderSpec(
                shot=shot,
                visual=visual_by_id[shot.id],
                persona=manifest.persona,
                style=request.style,
                width=width,
                height=height,
                fps=request.fps,
                duration_s=timing.clip_duration(timeline, index),
                seed=request.seed,
                shot_index=index,
                shot_count=len(board.shots),
            )
            keyframe, clip = self.run.keyframe(shot.id), self.run.clip(shot.id)

            def render(
                spec: ShotRenderSpec = spec, keyframe: Path = keyframe, clip: Path = clip, stage: str = stage
            ) -> None:
                self.engine("visual").render_shot(
                    spec, self.run.cutout, keyframe, clip, on_frame=FrameThrottle(self.emit, stage, spec.shot.id)
                )
                self.run.record_asset(manifest, keyframe, stage)
                self.run.record_asset(manifest, clip, stage)

            self._run_stage(
                manifest,
                stage,
                self._input_hash(stage, manifest, spec=spec.model_dump(mode="json"), cutout=cutout_sha),
                render,
                lambda clip=clip: manifest.assets.get(self.run.relative(clip)),
                lambda keyframe=keyframe, clip=clip: (
                    self.run.asset_intact(manifest, keyframe) and self.run.asset_intact(manifest, clip)
                ),
                shot=shot.id,
            )

        assert manifest.music_brief is not None
        spans = [(s.start_s, s.duration_s) for s in timeline.shots]

        def music() -> None:
            self.engine("music").render(manifest.music_brief, spans, timeline.total_s, request.seed, self.run.music)
            self.run.record_asset(manifest, self.run.music, "music")

        self._run_stage(
            manifest,
            "music",
            self._input_hash(
                "music", manifest, brief=document_hash(manifest.music_brief), spans=spans, seed=request.seed
            ),
            music,
            lambda: manifest.assets.get("music.wav"),
            lambda: self.run.asset_intact(manifest, self.run.music),
        )

        def compose() -> None:
            from personavlog.compose.render import compose_vlog

            report = compose_vlog(
                timeline,
                clips={s.id: self.run.clip(s.id) for s in board.shots},
                voices={s.id: self.run.voice(s.id) for s in board.shots},
                music=self.run.music,
                out_mp4=self.run.video,
                out_srt=self.run.srt,
                on_progress=FrameThrottle(self.emit, "compose"),
            )
            manifest.compose_report = report.model_dump(mode="json")
            self.run.record_asset(manifest, self.run.video, "compose")
            self.run.record_asset(manifest, self.run.srt, "compose")

        asset_hashes = {
            path: record.sha256
            for path, record in manifest.assets.items()
            if path.startswith("shots/") or path == "music.wav"
        }
        self._run_stage(
            manifest,
            "compose",
            self._input_hash("compose", manifest, timeline=document_hash(timeline), assets=asset_hashes),
            compose,
            lambda: manifest.assets.get("vlog.mp4"),
            lambda: self.run.asset_intact(manifest, self.run.video) and self.run.asset_intact(manifest, self.run.srt),
        )
