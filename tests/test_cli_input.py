"""Bad input: exit status 2, exactly one line on stderr, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli


def _assert_one_line_error(result, needle: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert needle in lines[0]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--theme", "   "], "theme"),
        (["--duration", "5"], "--duration"),
        (["--duration", "500"], "--duration"),
        (["--aspect", "4:3"], "aspect"),
        (["--resolution", "4k"], "resolution"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path: Path, astronaut: Path, extra: list[str], needle: str) -> None:
    out = tmp_path / "run"
    args = ["make", "--theme", "a day at the beach", "--reference", astronaut, "--out", out]
    result = run_cli(*args, *extra)
    _assert_one_line_error(result, needle)
    assert not out.exists()


def test_missing_reference(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_cli("make", "--theme", "a day", "--reference", tmp_path / "nope.jpg", "--out", out)
    _assert_one_line_error(result, "not found")
    assert not out.exists()


def test_non_image_reference(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is not a picture")
    out = tmp_path / "run"
    result = run_cli("plan", "--theme", "a day", "--reference", fake, "--out", out)
    _assert_one_line_error(result, "not an image")
    assert not out.exists()


def test_truncated_image_reference(tmp_path: Path, astronaut: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(astronaut.read_bytes()[:300])
    result = run_cli("make", "--theme", "a day", "--reference", broken, "--out", tmp_path / "run")
    _assert_one_line_error(result, "reference")


def test_resume_of_a_directory_without_manifest(tmp_path: Path) -> None:
    result = run_cli("resume", tmp_path)
    _assert_one_line_error(result, "not a PersonaVlog run directory")


def test_unknown_command_is_one_line() -> None:
    result = run_cli("render")
    _assert_one_line_error(result, "invalid choice")


def test_a_language_the_voice_cannot_speak_fails_before_anything_is_written(tmp_path: Path, astronaut: Path) -> None:
    out = tmp_path / "run"
    result = run_cli("make", "--theme", "a day", "--reference", astronaut, "--language", "fr", "--out", out)
    _assert_one_line_error(result, "speaks en only")
    assert not out.exists()
