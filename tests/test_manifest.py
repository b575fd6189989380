"""The typed manifest: stage and asset ids, retake settings, and a version-1 run directory that still resumes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import json_events, run_cli
from personavlog.errors import InputError
from personavlog.manifest import (
    MANIFEST_VERSION,
    AssetId,
    AssetKind,
    Manifest,
    RetakeSettings,
    StageId,
    StageName,
    migrate,
)
from personavlog.rundir import RunDir
from personavlog.schema import Framing

V1_RUN = Path(__file__).parent / "fixtures" / "v1_run"
"""A finished 10 s vlog (360p, 12 fps, feedback on) rendered by the version-1 manifest's pipeline, seed 3."""


def test_stage_and_asset_ids_round_trip_through_their_written_form() -> None:
    for stage in (StageId(StageName.STORY), StageId(StageName.CLIP, 3), StageId(StageName.VOICE, 12)):
        assert StageId.parse(str(stage)) == stage
    assert str(StageId(StageName.CLIP, 3)) == "clip/03"
    for asset in (AssetId(AssetKind.CUTOUT), AssetId(AssetKind.VOICE, 2), AssetId(AssetKind.VIDEO)):
        assert AssetId.parse(str(asset)) == asset
    assert str(AssetId(AssetKind.KEYFRAME, 7)) == "shots/07/keyframe.png"
    for bad in ("clip", "story/01", "nonsense", "clip/x"):
        with pytest.raises(ValueError):
            StageId.parse(bad)
    with pytest.raises(ValueError):
        AssetId.parse("shots/01/vlog.mp4")


def test_retake_settings_hash_only_what_a_rollback_set() -> None:
    assert RetakeSettings().hashed() == {}
    closer = RetakeSettings(retake=2, framing=Framing.CLOSE_UP)
    assert closer.hashed() == {"retake": 2, "framing": "close_up"}
    with pytest.raises(ValueError):
        RetakeSettings.model_validate({"seed_offset": 3})


def test_version_1_fields_migrate_to_typed_ones(astronaut: Path) -> None:
    v1 = {
        "version": 1,
        "request": {"theme": "a walk", "reference": str(astronaut)},
        "feedback": {"story": ["more rain"]},
        "adjustments": {"clip/02": {"retake": 1, "framing": "medium"}, "compose": {}},
        "stages": {"voice/02": {"input_hash": "h"}},
        "assets": {"shots/02/voice.wav": {"sha256": "s", "stage": "voice/02"}},
    }
    manifest = Manifest.model_validate(migrate(v1))
    assert manifest.version == MANIFEST_VERSION == 2
    assert manifest.notes == {StageId(StageName.STORY): ["more rain"]}
    assert manifest.retakes[StageId(StageName.CLIP, 2)] == RetakeSettings(retake=1, framing=Framing.MEDIUM)
    assert manifest.assets[AssetId(AssetKind.VOICE, 2)].stage == StageId(StageName.VOICE, 2)
    written = manifest.model_dump(mode="json")
    assert set(written["stages"]) == {"voice/02"} and set(written["assets"]) == {"shots/02/voice.wav"}
    with pytest.raises(ValueError, match="newer"):
        migrate({**v1, "version": MANIFEST_VERSION + 1})


def test_a_broken_manifest_is_a_one_line_error(tmp_path: Path, astronaut: Path) -> None:
    run = RunDir(tmp_path)
    run.manifest_path.write_text(
        json.dumps({"version": 2, "request": {"theme": "x", "reference": str(astronaut)}, "stages": {"clip": {}}})
    )
    with pytest.raises(InputError) as caught:
        run.load()
    assert "\n" not in str(caught.value) and "stages" in str(caught.value)


def _v1_copy(tmp_path: Path, reference: Path) -> Path:
    """The fixture run, its request pointing at this checkout's copy of the same reference photo."""
    run = tmp_path / "v1"
    shutil.copytree(V1_RUN, run)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["version"] == 1 and "adjustments" in manifest and "feedback" in manifest
    manifest["request"]["reference"] = str(reference)
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return run


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assets(run: Path) -> dict[Path, str]:
    """Every file the stages wrote (not the manifest, not vlog.otio, which every run writes, not the lock)."""
    skipped = (".json", ".otio")
    return {
        p.relative_to(run): _sha(p)
        for p in run.rglob("*")
        if p.is_file() and p.suffix not in skipped and p.name != ".lock"
    }


def test_a_version_1_run_resumes_with_every_stage_cached(tmp_path: Path, astronaut: Path) -> None:
    run = _v1_copy(tmp_path, astronaut)
    before = _assets(run)
    result = run_cli("resume", run, "--progress", "json", timeout=600)
    assert result.returncode == 0, result.stderr
    events = json_events(result.stdout)
    assert not [e["stage"] for e in events if e["kind"] == "stage_start"]
    assert {e["stage"] for e in events if e["kind"] == "stage_cached"} >= {"persona", "story", "clip/01", "compose"}
    assert _assets(run) == before
    migrated = json.loads((run / "manifest.json").read_text())
    assert migrated["version"] == 2 and "notes" in migrated and "retakes" in migrated
    assert "adjustments" not in migrated and "feedback" not in migrated and migrated["status"] == "done"


def test_a_version_1_run_redoes_one_shot(tmp_path: Path, astronaut: Path) -> None:
    run = _v1_copy(tmp_path, astronaut)
    shots = json.loads((run / "manifest.json").read_text())["storyboard"]["shots"]
    others = {
        path: _sha(run / path)
        for shot in shots[1:]
        for path in (f"shots/{shot['id']:02d}/keyframe.png", f"shots/{shot['id']:02d}/clip.mp4")
    }
    result = run_cli("redo", run, "--shot", str(shots[0]["id"]), "--note", "make it night", "--quiet", timeout=900)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["version"] == 2 and manifest["status"] == "done"
    assert manifest["storyboard"]["shots"][0]["time_of_day"] == "night"
    assert {path: _sha(run / path) for path in others} == others
    assert manifest["retakes"][f"clip/{shots[0]['id']:02d}"]["retake"] >= 1
