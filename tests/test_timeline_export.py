"""vlog.otio: every render writes the cut as an OpenTimelineIO timeline; `personavlog export` rewrites it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import unquote

import opentimelineio as otio
import pytest

from personavlog.api import make_vlog, resume_vlog
from personavlog.cli import main
from personavlog.compose.video import shot_frame_ranges
from personavlog.manifest import Manifest
from personavlog.measure.sync import read_srt
from personavlog.schema import Transition, VlogRequest


@pytest.fixture(scope="module")
def rendered(astronaut: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("otio") / "run"
    request = VlogRequest(
        theme="a quiet morning at a lakeside cabin",
        reference=astronaut,
        duration_s=10,
        resolution="360p",
        aspect="1:1",
        fps=12,
        seed=5,
        feedback=False,
    )
    return root, make_vlog(request, root)


def _read(path: Path) -> otio.schema.Timeline:
    timeline = otio.adapters.read_from_file(str(path))
    assert isinstance(timeline, otio.schema.Timeline)
    return timeline


def _track(timeline: otio.schema.Timeline, name: str) -> otio.schema.Track:
    return next(track for track in timeline.tracks if track.name == name)


def test_every_render_writes_the_cut_as_otio(rendered: tuple[Path, Manifest]) -> None:
    root, manifest = rendered
    timeline = manifest.timeline
    assert timeline is not None
    fps = timeline.fps
    result = _read(root / "vlog.otio")

    video = _track(result, "shots")
    clips = [item for item in video if isinstance(item, otio.schema.Clip)]
    assert len(clips) == len(timeline.shots) == len(manifest.planned_shots())
    for clip, shot, (first, end) in zip(clips, timeline.shots, shot_frame_ranges(timeline), strict=True):
        assert clip.source_range.start_time == otio.opentime.RationalTime(0, fps)
        assert clip.source_range.duration == otio.opentime.RationalTime(end - first, fps)
        placed = video.range_of_child(clip)
        assert placed.start_time.to_frames() == first
        assert placed.start_time.to_seconds() == pytest.approx(shot.start_s, abs=0.5 / fps)
        target = (root / unquote(clip.media_reference.target_url)).resolve()
        assert target == (root / "shots" / f"{shot.shot_id:02d}" / "clip.mp4").resolve()
        assert clip.media_reference.available_range.duration.to_seconds() >= clip.duration().to_seconds()
    transitions = [item for item in video if isinstance(item, otio.schema.Transition)]
    assert [t.name for t in transitions] == [shot.transition_in.value for shot in timeline.shots[1:]]
    for transition in transitions:
        assert transition.in_offset.value == 0
        assert transition.out_offset == otio.opentime.RationalTime(round(timeline.crossfade_s * fps), fps)
        dissolve = transition.name == Transition.CROSSFADE.value
        assert (transition.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve) == dissolve
    assert video.duration().to_seconds() == pytest.approx(timeline.total_s, abs=0.5 / fps)

    voice = _track(result, "voice")
    assert voice.kind == otio.schema.TrackKind.Audio
    lines = [item for item in voice if isinstance(item, otio.schema.Clip)]
    assert len(lines) == len(timeline.shots)
    for line, shot in zip(lines, timeline.shots, strict=True):
        start = voice.range_of_child(line).start_time.to_seconds()
        assert start == pytest.approx(shot.start_s + shot.voice_offset_s, abs=1e-6)
        assert line.duration().to_seconds() == pytest.approx(shot.voice_duration_s, abs=1e-3)
        assert unquote(line.media_reference.target_url) == f"shots/{shot.shot_id:02d}/voice.wav"

    music = _track(result, "music")
    (bed,) = list(music)
    assert bed.duration().to_seconds() == pytest.approx(timeline.total_s, abs=0.05)
    keys = bed.effects[0].metadata["personavlog"]["keyframes"]
    assert bed.effects[0].effect_name == "AudioVolume"
    assert min(key["gain_db"] for key in keys) < -6.0  # the music dips under the voice
    assert max(key["gain_db"] for key in keys) == pytest.approx(0.0, abs=0.5)

    cues = read_srt(root / "vlog.srt")
    assert [marker.name for marker in video.markers] == [cue.text for cue in cues]
    for marker, cue in zip(video.markers, cues, strict=True):
        assert marker.marked_range.start_time.to_seconds() == pytest.approx(cue.start_s, abs=1e-3)
    spoken = " ".join(shot.caption for shot in timeline.shots).split()
    assert " ".join(marker.name for marker in video.markers).split() == spoken


def test_export_round_trips_and_refuses_bad_input(
    rendered: tuple[Path, Manifest], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _manifest = rendered
    out = tmp_path / "elsewhere" / "cut.otio"
    assert main(["export", str(root), "--format", "otio", "--out", str(out)]) == 0
    exported, original = _read(out), _read(root / "vlog.otio")
    assert exported.duration() == original.duration()
    first = next(iter(exported.find_clips()))
    assert (out.parent / unquote(first.media_reference.target_url)).resolve() == (root / "shots/01/clip.mp4").resolve()
    assert json.loads(out.read_text())["OTIO_SCHEMA"].startswith("Timeline")
    bundle = tmp_path / "cut.otioz"
    assert main(["export", str(root), "--format", "otioz", "--out", str(bundle)]) == 0
    with zipfile.ZipFile(bundle) as packed:
        names = set(packed.namelist())
    assert {f"media/{shot:02d}_clip.mp4" for shot in range(1, len(original.tracks[0].find_clips()) + 1)} <= names
    assert "media/music.wav" in names
    assert not list(root.glob(".otio-media-*"))
    capsys.readouterr()

    for argv in (["export", str(root), "--format", "edl-of-nowhere"], ["export", str(tmp_path), "--format", "otio"]):
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert len(error.strip().splitlines()) == 1, error
    assert not (tmp_path / "vlog.otio").exists()


def test_a_resume_rewrites_the_timeline(rendered: tuple[Path, Manifest]) -> None:
    root, _manifest = rendered
    written = (root / "vlog.otio").read_bytes()
    (root / "vlog.otio").unlink()
    resume_vlog(root)
    assert (root / "vlog.otio").read_bytes() == written
