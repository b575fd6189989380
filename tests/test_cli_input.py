"""Bad input: exit status 2, exactly one line on stderr, no traceback, nothing written.

Bad images, paths, themes, options and settings are the table of `test_bad_inputs.py`; these are the commands' own.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from conftest import run_cli
from personavlog.batch.jobs import JobLine, parse_line
from personavlog.cli import build_parser
from personavlog.cli.options import request_from_args
from personavlog.request_fields import REQUEST_OPTIONS, request_option


def _assert_one_line_error(result, needle: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert needle in lines[0]


def test_resume_of_a_directory_without_manifest(tmp_path: Path) -> None:
    result = run_cli("resume", tmp_path)
    _assert_one_line_error(result, "not a PersonaVlog run directory")


def test_unknown_command_is_one_line() -> None:
    result = run_cli("render")
    _assert_one_line_error(result, "invalid choice")


def test_a_language_the_voice_cannot_speak_fails_before_anything_is_written(tmp_path: Path, astronaut: Path) -> None:
    out = tmp_path / "run"
    result = run_cli("make", "--theme", "a day", "--reference", astronaut, "--language", "fr", "--out", out)
    _assert_one_line_error(result, "no installed voice speaks 'fr'")
    assert "piper: en" in result.stderr and "kokoro_ja: ja" in result.stderr
    assert not out.exists()


def test_japanese_with_a_configured_voice_that_lacks_it_is_one_line(tmp_path: Path, astronaut: Path) -> None:
    config, out = tmp_path / "piper.toml", tmp_path / "run"
    config.write_text('speech = "piper"\n')
    args = ("--theme", "桜の季節", "--reference", astronaut, "--language", "ja", "--config", config, "--out", out)
    result = run_cli("make", *args)
    _assert_one_line_error(result, "the piper voice speaks en only, not 'ja'")
    assert not out.exists()


# ---- one set of options: every command takes the shared ones; make, a jobs line and the web form the request's


COMMANDS = {
    "make": ["--theme", "t", "--reference", "me.jpg"],
    "plan": ["--theme", "t", "--reference", "me.jpg"],
    "resume": ["run"],
    "redo": ["run", "--shot", "1"],
    "eval": ["--system", "full", "--out", "eval"],
    "batch": ["jobs.jsonl", "--out", "batch"],
    "sheet": ["run"],
    "export": ["run", "--format", "otio"],
    "serve": [],
    "dry-run": [],
}


def _commands() -> dict[str, argparse.ArgumentParser]:
    (subparsers,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(subparsers.choices)


def test_the_table_of_commands_is_complete() -> None:
    assert set(_commands()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_the_shared_options(command: str) -> None:
    shared = ["--quiet", "--progress", "json", "--config", "s.toml", "--allow-no-face"]
    args = build_parser().parse_args([command, *COMMANDS[command], *shared])
    assert (args.quiet, args.progress, args.config, args.allow_no_face) == (True, "json", Path("s.toml"), True)


def test_make_a_jobs_line_and_the_web_form_take_the_options_of_a_request(tmp_path: Path, astronaut: Path) -> None:
    names = {option.name for option in REQUEST_OPTIONS}
    assert {"duration", "no_feedback", "max_rounds"} <= names and "duration_s" not in names
    make_flags = {flag for action in _commands()["make"]._actions for flag in action.option_strings}
    assert {option.flag for option in REQUEST_OPTIONS} <= make_flags
    assert set(JobLine.model_fields) == names | {"allow_no_face"}
    web = pytest.importorskip("personavlog.web.routes")
    assert set(web.SubmitForm.model_fields) == names - {"reference"} | {"allow_no_face"}

    # The same options give the same request on the command line and in a jobs file, defaults included.
    for given in ({}, {"duration": 12.0, "aspect": "1:1", "no_feedback": True, "max_rounds": 1, "style": "Anime"}):
        argv = ["make", "--theme", "a walk", "--reference", str(astronaut)]
        for name, value in given.items():
            argv += [request_option(name).flag] if value is True else [request_option(name).flag, str(value)]
        from_cli = request_from_args(build_parser().parse_args(argv))
        line = json.dumps({"theme": "a walk", "reference": str(astronaut), **given})
        assert parse_line(line, 1, tmp_path).request == from_cli
        assert from_cli.feedback is not given.get("no_feedback", False)


def test_eval_progress_follows_the_shared_options(tmp_path: Path) -> None:
    failing = ["eval", "--limit", "1", "--system", "cmd:exit 3 # {out}"]
    quiet = run_cli(*failing, "--out", tmp_path / "quiet", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and "report.html" in quiet.stdout
    as_json = run_cli(*failing, "--out", tmp_path / "json", "--progress", "json")
    assert as_json.returncode == 0 and as_json.stderr == "", as_json.stderr
    records = [json.loads(line) for line in as_json.stdout.splitlines() if line.startswith("{")]
    assert records[-1]["done"] == records[-1]["total"] == 1 and "exited 3" in records[-1]["error"]
