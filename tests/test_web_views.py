"""A critique that was not measured shows as a warning with its reason: in the API's job view and on the page."""

from __future__ import annotations

import shutil
from pathlib import Path

from personavlog.pipeline.review import not_measured
from personavlog.progress import ProgressEvent
from personavlog.rundir import RunDir
from personavlog.web.jobfiles import JobFiles
from personavlog.web.store import JobStore, new_job_id
from personavlog.web.views import JobDetail, job_view
from test_web_api import WebServer
from test_web_browser import page, server  # noqa: F401 - fixtures

V1_RUN = Path(__file__).parent / "fixtures" / "v1_run"
FACE_ERROR = RuntimeError("the face model could not be loaded")


def test_the_job_view_shows_a_critique_not_measured_as_a_warning(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    job_id = new_job_id()
    files = JobFiles(tmp_path, job_id)
    shutil.copytree(V1_RUN, files.run.root)
    run = RunDir(files.run.root)
    manifest = run.load()
    manifest.critiques.append(not_measured("visual", "shot 01 keyframe.identity", FACE_ERROR, 0))
    run.save(manifest)
    warning = ProgressEvent(kind="warning", stage="visual", message="shot 01 keyframe.identity not measured: x")
    failed = ProgressEvent(kind="critique", stage="story", message="story.relevance FAILED (0.1 vs 0.6)")
    files.events.write_text(warning.json_line() + "\n" + failed.json_line() + "\n")
    job = store.add(job_id)

    view = job_view(store, files, job, detail=True)
    assert isinstance(view, JobDetail) and view.storyboard is not None
    shot = next(s for s in view.storyboard if s.id == 1)
    unmeasured = [c for c in shot.critiques if not c.measured]
    assert len(unmeasured) == 1
    assert unmeasured[0].verdict == "not measured"
    assert unmeasured[0].reason == "RuntimeError: the face model could not be loaded"
    measured = [c for c in view.critiques + [c for s in view.storyboard for c in s.critiques] if c.measured]
    assert measured and {c.verdict for c in measured} <= {"passed", "failed"}
    assert all(c.verdict == ("passed" if c.passed else "failed") for c in measured)
    progress = view.progress
    assert (progress.critiques_not_measured, progress.critiques_failed, progress.critiques_passed) == (1, 1, 0)


CRITIQUES = [
    {"target": "shot 01 keyframe.sharpness", "score": 0.9, "threshold": 0.5, "passed": True, "measured": True},
    {"target": "shot 01 keyframe.identity", "score": 0.0, "threshold": 0.0, "passed": False, "measured": False,
     "reason": "RuntimeError: the face model could not be loaded", "feedback": "not measured: RuntimeError"},
    {"target": "shot 01 keyframe.theme", "score": 0.1, "threshold": 0.3, "passed": False, "measured": True,
     "feedback": "show the market"},
]  # fmt: skip
CRITIQUE_LIST_JS = "(critiques) => critiqueList(critiques).outerHTML"


def test_the_page_shows_a_critique_not_measured_as_a_warning(server: WebServer, page) -> None:  # noqa: F811
    page.goto(server.url("/"))
    page.wait_for_function("() => typeof critiqueList === 'function'")
    html = page.evaluate(CRITIQUE_LIST_JS, CRITIQUES)
    page.set_content(f"<body>{html}</body>")
    items = page.locator("li")
    assert items.count() == 3
    warning = page.locator("li.warn")
    assert warning.count() == 1
    assert warning.get_attribute("data-measured") == "false"
    assert warning.get_attribute("data-passed") is None  # neither a pass nor a failure
    text = warning.inner_text()
    assert "keyframe.identity not measured" in text and "the face model could not be loaded" in text
    assert "0.00" not in text  # no score: nothing was judged
    assert page.locator("li.pass").count() == 1 and page.locator("li.fail").count() == 1
