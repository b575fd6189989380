"""The REST API over real HTTP: a real `personavlog serve` on a loopback port, real renders, real files."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from personavlog.progress import ProgressEvent

THEME = "a morning at the farmers market"
# Tiny renders: the API, not the picture, is under test. One LLM sample per agent call keeps them quick.
TINY = {"duration": "10", "resolution": "360p", "aspect": "1:1", "fps": "12", "seed": "3"}
SERVER_ENV = {"PERSONAVLOG_CANDIDATES": "1", "OMP_WAIT_POLICY": "PASSIVE"}
RENDER_TIMEOUT_S = 900.0


# ---- a real server and a small HTTP client ------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebServer:
    """`personavlog serve` in a subprocess; requests always go to 127.0.0.1 whatever the bind address."""

    data: Path
    host: str = "127.0.0.1"
    workers: int = 1
    extra: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> WebServer:
        self.port = free_port()
        log = open(self.data.parent / f"serve-{self.port}.log", "wb")  # noqa: SIM115 - closed with the process
        command = [sys.executable, "-m", "personavlog.cli", "serve", "--host", self.host, "--port", str(self.port)]
        command += ["--data", str(self.data), "--workers", str(self.workers), "--log-level", "warning", *self.extra]
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **SERVER_ENV, **self.env},
        )
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log()}")

    def log(self) -> str:
        path = self.data.parent / f"serve-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        req = urllib.request.Request(self.url(path), data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, dict(err.headers), err.read())

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, data: object, headers: dict[str, str] | None = None) -> Response:
        return self.request(
            "POST", path, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    def submit(
        self,
        reference: bytes | Path,
        filename: str = "me.jpg",
        headers: dict[str, str] | None = None,
        **fields: str,
    ) -> Response:
        data = reference.read_bytes() if isinstance(reference, Path) else reference
        values = {"theme": THEME, **TINY, **fields}
        body, content_type = multipart(values, ("reference", filename, data))
        return self.request("POST", "/api/jobs", body, {"Content-Type": content_type, **(headers or {})})

    def events(self, job_id: str, after: int = 0, until: str | None = None) -> tuple[list[dict], dict, int]:
        """Follow the job's server-sent events until its `status` event (or until an event of kind `until`).

        Returns the progress events, the final status (empty if stopped early) and the last event id.
        """
        req = urllib.request.Request(self.url(f"/api/jobs/{job_id}/events?after={after}"))
        events: list[dict] = []
        last_id = after
        deadline = time.monotonic() + RENDER_TIMEOUT_S
        with urllib.request.urlopen(req, timeout=120) as resp:
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            kind, data = "message", []
            while time.monotonic() < deadline:
                line = resp.readline().decode()
                if not line:
                    raise AssertionError("event stream closed before the job's status event")
                line = line.rstrip("\n")
                if line.startswith("id: "):
                    last_id = int(line[4:])
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and data:
                    payload = json.loads("\n".join(data))
                    if kind == "status":
                        return events, payload, last_id
                    events.append(payload)
                    if until is not None and payload["kind"] == until:
                        return events, {}, last_id
                    kind, data = "message", []
        raise AssertionError(f"job {job_id} did not finish in {RENDER_TIMEOUT_S:.0f} s")


def multipart(fields: dict[str, str], file: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    name, filename, data = file
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
    )
    out.write(data + b"\r\n" + f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def assert_clean_error(response: Response, status: int) -> str:
    """A refusal: the right status, a JSON body with a one-line `detail`, and no stack trace."""
    assert response.status == status, (response.status, response.body[:300])
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    assert b"Traceback" not in response.body and b'File "' not in response.body
    return detail


# ---- one job, interrupted by a server restart and finished by the next server -------------------


@dataclass
class Finished:
    server: WebServer
    job_id: str
    before_restart: list[dict]
    after_restart: list[dict]
    status: dict
    last_event: int
    stopped_status: dict


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, astronaut: Path):
    data = tmp_path_factory.mktemp("web") / "data"
    first = WebServer(data, extra=("--max-upload-mb", "2")).start()
    try:
        created = first.submit(astronaut)
        assert created.status == 201, created.body
        job_id = created.json()["id"]
        before: list[dict] = []
        last = 0
        while not any(e["kind"] == "stage_done" and e["stage"] == "story" for e in before):
            more, status, last = first.events(job_id, after=last, until="stage_done")
            before += more
            assert not status, f"the job ended before the restart: {status}"
    finally:
        # uvicorn shuts down gracefully, then exits by the signal it caught.
        assert first.stop() in (0, -signal.SIGTERM), first.log()
    second = WebServer(data, extra=("--max-upload-mb", "2")).start()
    stopped = second.get(f"/api/jobs/{job_id}").json()
    after, status, last = second.events(job_id, after=last)
    yield Finished(second, job_id, before, after, status, last, stopped)
    second.stop()


def test_a_restart_mid_job_resumes_it_to_done(finished: Finished) -> None:
    # The stopped server put the job back in the queue; the new one resumed it without redoing finished stages.
    assert finished.stopped_status["status"] in ("queued", "running")
    assert finished.status["status"] == "done", finished.status
    kinds = [e["kind"] for e in finished.after_restart]
    assert kinds.count("run_start") == 1 and kinds[-1] == "run_done"
    resumed = finished.after_restart[kinds.index("run_start") :]
    cached = {e["stage"] for e in resumed if e["kind"] == "stage_cached"}
    assert {"persona", "story"} <= cached
    redone = {e["stage"] for e in resumed if e["kind"] == "stage_start"}
    assert "story" not in redone and "compose" in redone
    # The same events as `--progress json`, with no server paths in them.
    for event in finished.before_restart + finished.after_restart:
        ProgressEvent.model_validate(event)
        assert "/jobs/" not in event["message"]


def test_job_status_has_progress_storyboard_and_links(finished: Finished) -> None:
    job = finished.server.get(f"/api/jobs/{finished.job_id}").json()
    assert job["status"] == "done" and job["error"] == ""
    assert job["request"]["theme"] == THEME and "reference" not in job["request"]
    stages = job["progress"]["stages"]
    assert stages["compose"]["state"] == "done" and stages["clip"]["state"] == "done"
    assert set(job["links"]) >= {"self", "events", "video", "subtitles", "manifest", "project"}
    board = job["storyboard"]
    assert board and all(shot["keyframe"] and shot["monologue"] for shot in board)
    assert {str(shot["id"]) for shot in board} == set(job["progress"]["shots"])
    assert any(shot["critiques"] for shot in board)
    assert all(isinstance(c["passed"], bool) for shot in board for c in shot["critiques"])
    listed = finished.server.get("/api/jobs").json()["jobs"]
    assert [j["id"] for j in listed] == [finished.job_id]


def test_downloads_support_http_ranges(finished: Finished) -> None:
    server, base = finished.server, f"/api/jobs/{finished.job_id}/files"
    full = server.get(f"{base}/vlog.mp4")
    assert full.status == 200 and full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes" and full.body[4:8] == b"ftyp"
    size = len(full.body)
    part = server.get(f"{base}/vlog.mp4", headers={"Range": "bytes=100-1099"})
    assert part.status == 206
    assert part.headers["content-range"] == f"bytes 100-1099/{size}"
    assert part.body == full.body[100:1100]
    tail = server.get(f"{base}/vlog.mp4", headers={"Range": "bytes=-500"})
    assert tail.status == 206 and tail.body == full.body[-500:]
    assert server.get(f"{base}/vlog.mp4", headers={"Range": f"bytes={size + 10}-"}).status == 416

    assert "-->" in server.get(f"{base}/vlog.srt").body.decode()
    manifest = server.get(f"{base}/manifest.json").json()
    assert manifest["status"] == "done"
    keyframe = server.get(f"{base}/shots/01/keyframe.png")
    assert keyframe.status == 200 and keyframe.body.startswith(b"\x89PNG")
    project = server.get(f"{base}/project.zip")
    assert project.status == 200 and project.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(project.body)).namelist()
    assert {"manifest.json", "vlog.mp4", "vlog.srt", "shots/01/keyframe.png"} <= set(names)
    assert not any(name.startswith(".") or "/." in name for name in names)


@pytest.mark.parametrize(
    "path",
    [
        "../job.json",
        "../../../jobs.sqlite3",
        "%2e%2e/%2e%2e/%2e%2e/jobs.sqlite3",
        "shots/..%2f..%2f..%2fjob.json",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        ".lock",
        "shots",
        "no-such-file.mp4",
    ],
)
def test_downloads_stay_inside_the_job(finished: Finished, path: str) -> None:
    response = finished.server.get(f"/api/jobs/{finished.job_id}/files/{path}")
    assert response.status in (400, 404)
    assert_clean_error(response, response.status)
    assert b"SQLite" not in response.body and b"root:" not in response.body


def test_redo_a_shot_with_a_note(finished: Finished) -> None:
    server, job_id = finished.server, finished.job_id
    before = server.get(f"/api/jobs/{job_id}").json()["storyboard"]
    target = before[-1]["id"]
    others = {s["id"]: server.get(f"/api/jobs/{job_id}/files/shots/{s['id']:02d}/keyframe.png").body for s in before}
    others.pop(target)

    assert_clean_error(server.post_json(f"/api/jobs/{job_id}/redo", {"shot": 99}), 422)
    assert_clean_error(server.post_json(f"/api/jobs/{job_id}/redo", {"shot": 0}), 422)
    assert_clean_error(server.post_json(f"/api/jobs/{job_id}/redo", {"note": "no shot"}), 422)
    accepted = server.post_json(f"/api/jobs/{job_id}/redo", {"shot": target, "note": "make it night and raining"})
    assert accepted.status == 202, accepted.body
    assert accepted.json()["status"] in ("queued", "running") and accepted.json()["redo_shot"] == target
    # One change at a time: a second redo while the first is in flight is a conflict.
    assert_clean_error(server.post_json(f"/api/jobs/{job_id}/redo", {"shot": target}), 409)

    events, status, _ = server.events(job_id, after=finished.last_event)
    assert status["status"] == "done", status
    assert any(e["kind"] == "stage_start" and e.get("shot") == target for e in events)
    after = server.get(f"/api/jobs/{job_id}").json()["storyboard"]
    redone = next(s for s in after if s["id"] == target)
    assert (redone["time_of_day"], redone["weather"]) == ("night", "rain")
    for shot_id, keyframe in others.items():
        assert server.get(f"/api/jobs/{job_id}/files/shots/{shot_id:02d}/keyframe.png").body == keyframe


def test_cancel_queued_and_running_jobs_then_delete(finished: Finished, astronaut: Path) -> None:
    server = finished.server
    running = server.submit(astronaut, filename="../../../evil name.jpg").json()["id"]
    waiting = server.submit(astronaut).json()["id"]
    server.events(running, until="stage_start")
    assert server.get(f"/api/jobs/{running}").json()["status"] == "running"
    assert server.get(f"/api/jobs/{waiting}").json()["queue_position"] == 1

    cancelled = server.request("POST", f"/api/jobs/{waiting}/cancel")
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    started = time.monotonic()
    cancelled = server.request("POST", f"/api/jobs/{running}/cancel")
    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    assert time.monotonic() - started < 10
    # The render has stopped: its events stop growing, and the stream ends with the cancelled status.
    events_file = server.data / "jobs" / running / "events.jsonl"
    size = events_file.stat().st_size
    time.sleep(2)
    assert events_file.stat().st_size == size
    _, status, _ = server.events(running)
    assert status["status"] == "cancelled"
    assert server.get(f"/api/jobs/{waiting}").json()["started"] is None

    # The user's file name never reached the disk.
    assert sorted(p.name for p in (server.data / "jobs" / running).glob("reference*")) == ["reference.jpg"]
    assert not list(server.data.parent.rglob("evil*"))

    assert_clean_error(server.request("POST", f"/api/jobs/{running}/cancel"), 409)
    assert_clean_error(server.post_json(f"/api/jobs/{running}/redo", {"shot": 1}), 409)
    for job_id in (running, waiting):
        assert server.request("DELETE", f"/api/jobs/{job_id}").status == 204
        assert_clean_error(server.get(f"/api/jobs/{job_id}"), 404)
        assert not (server.data / "jobs" / job_id).exists()
    assert_clean_error(server.request("DELETE", f"/api/jobs/{running}"), 404)


def test_unknown_jobs_are_404(finished: Finished) -> None:
    server = finished.server
    for job_id in ("0123456789abcdef", "nope", "..%2f..%2fjobs.sqlite3"):
        assert_clean_error(server.get(f"/api/jobs/{job_id}"), 404)
        assert_clean_error(server.get(f"/api/jobs/{job_id}/events"), 404)
        assert_clean_error(server.get(f"/api/jobs/{job_id}/files/vlog.mp4"), 404)
        assert_clean_error(server.post_json(f"/api/jobs/{job_id}/redo", {"shot": 1}), 404)
        assert_clean_error(server.request("POST", f"/api/jobs/{job_id}/cancel"), 404)
        assert_clean_error(server.request("DELETE", f"/api/jobs/{job_id}"), 404)


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG")
    return out.getvalue()


def test_uploads_are_checked_by_size_pixels_and_content(finished: Finished, astronaut: Path) -> None:
    server = finished.server
    count = len(server.get("/api/jobs").json()["jobs"])
    job_dirs = set((server.data / "jobs").iterdir())
    oversized = astronaut.read_bytes() + os.urandom(3 * 1024 * 1024)
    assert "larger" in assert_clean_error(server.submit(oversized), 413)
    assert "pixels" in assert_clean_error(server.submit(_png(8000, 8000, "1"), filename="me.png"), 413)
    not_image = b"#!/bin/sh\necho this is not a photo\n" * 50
    assert_clean_error(server.submit(not_image, filename="photo.png"), 415)
    gif = io.BytesIO()
    Image.new("RGB", (200, 200)).save(gif, format="GIF")
    assert_clean_error(server.submit(gif.getvalue(), filename="photo.jpg"), 415)
    assert "small" in assert_clean_error(server.submit(_png(32, 32), filename="me.png"), 422)
    assert_clean_error(server.submit(b"", filename="me.png"), 422)
    assert len(server.get("/api/jobs").json()["jobs"]) == count
    assert set((server.data / "jobs").iterdir()) == job_dirs


def test_validation_errors_are_422(finished: Finished, astronaut: Path) -> None:
    server = finished.server
    assert "theme" in assert_clean_error(server.submit(astronaut, theme="   "), 422)
    assert "duration" in assert_clean_error(server.submit(astronaut, duration="500"), 422)
    assert "duration" in assert_clean_error(server.submit(astronaut, duration="long"), 422)
    assert "aspect" in assert_clean_error(server.submit(astronaut, aspect="4:3"), 422)
    assert "resolution" in assert_clean_error(server.submit(astronaut, resolution="8k"), 422)
    body, content_type = multipart({"style": "anime"}, ("reference", "me.jpg", astronaut.read_bytes()))
    missing = server.request("POST", "/api/jobs", body, {"Content-Type": content_type})
    assert "theme" in assert_clean_error(missing, 422)
    malformed = server.request("POST", "/api/jobs", b"--x\r\nnot multipart", {"Content-Type": "multipart/form-data"})
    assert malformed.status in (400, 422)
    assert_clean_error(malformed, malformed.status)
    assert_clean_error(server.request("POST", f"/api/jobs/{finished.job_id}/redo", b"{", {}), 422)


def test_loopback_server_answers_loopback_names_only(finished: Finished) -> None:
    server = finished.server
    assert server.get("/api/jobs", headers={"Host": f"localhost:{server.port}"}).status == 200
    assert_clean_error(server.get("/api/jobs", headers={"Host": "attacker.example"}), 400)


def test_page_and_openapi_are_served(finished: Finished) -> None:
    server = finished.server
    page = server.get("/")
    assert page.status == 200 and b'id="job-form"' in page.body
    for asset in ("/static/app.js", "/static/app.css"):
        assert server.get(asset).status == 200
    assert server.get("/docs").status == 200
    paths = server.get("/openapi.json").json()["paths"]
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/api/jobs/{job_id}/redo"} <= set(paths)


# ---- the token on a non-loopback bind -----------------------------------------------------------


def test_non_loopback_bind_requires_the_token(tmp_path: Path, astronaut: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "personavlog.cli", "serve", "--host", "0.0.0.0", "--data", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PERSONAVLOG_TOKEN"},
    )
    assert refused.returncode == 2 and "PERSONAVLOG_TOKEN" in refused.stderr
    assert "Traceback" not in refused.stderr

    token = "s3cret-" + uuid.uuid4().hex
    server = WebServer(tmp_path / "data", host="0.0.0.0", env={"PERSONAVLOG_TOKEN": token}).start()
    try:
        assert_clean_error(server.get("/api/jobs"), 401)
        assert_clean_error(server.get("/api/jobs", headers={"Authorization": "Bearer wrong"}), 401)
        assert_clean_error(server.submit(astronaut), 401)
        assert_clean_error(server.get("/api/jobs/0123456789abcdef/events"), 401)
        assert server.get("/api/jobs").headers.get("www-authenticate") == "Bearer"
        assert server.get("/api/jobs", headers={"Authorization": f"Bearer {token}"}).json() == {"jobs": []}
        assert server.get("/api/jobs", headers={"Cookie": f"personavlog_token={token}"}).status == 200
        assert server.get("/").status == 200  # the page itself holds no data; it asks for the token
    finally:
        server.stop()


# ---- the settings file of the renders -----------------------------------------------------------


def test_serve_with_a_config_file_renders_with_its_settings(tmp_path: Path, astronaut: Path) -> None:
    missing = subprocess.run(
        [sys.executable, "-m", "personavlog.cli", "serve", "--config", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "nope.toml" in missing.stderr

    quick = tmp_path / "quick.toml"
    quick.write_text("candidates = 1\n")
    server = WebServer(tmp_path / "quick", extra=("--config", str(quick))).start()
    try:
        job_id = server.submit(astronaut).json()["id"]
        _, status, _ = server.events(job_id)
        assert status["status"] == "done", status
    finally:
        server.stop()

    # The file really is what the renders read: one pointing the LLM at a dead port fails every job on it.
    dead = tmp_path / "dead-llm.toml"
    dead.write_text('[llm]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\nmax_retries = 0\n')
    server = WebServer(tmp_path / "dead", extra=("--config", str(dead))).start()
    try:
        job_id = server.submit(astronaut).json()["id"]
        _, status, _ = server.events(job_id)
        assert status["status"] == "failed" and "http://127.0.0.1:9/v1" in status["error"], status
    finally:
        server.stop()
