"""The service under load: concurrent submissions, many event-stream clients, the server killed mid-render.

    python bench/web_load.py --jobs 20 --clients 50 --restarts 1 --out bench/results/web_load.json

A real `personavlog serve` on a loopback port renders short 360p vlogs with the embedded pipeline. `--jobs`
submissions arrive at once (one thread each, released together); `--clients` event-stream clients follow them
(client i follows job i mod jobs) from the first event on, and `--dropouts` more read their job's stream for a
moment and hang up. When some jobs are done (the k-th of n kills after k/(2n) of them) and a render is under
way (a stage of it finished), the server is killed with SIGKILL, its renders must exit by themselves, and a new
server starts on the same data directory and port; that happens `--restarts` times. Every client whose stream
was cut reconnects with Last-Event-ID. It checks:

- none lost: every accepted job finishes `done` (with `--cancel`: is still queued or running after the restarts,
  and then cancelled), and the server lists every one;
- none rendered twice: in each job's events.jsonl (every attempt of its render appends to it) no stage finished
  twice (feedback is off, so each stage finishes once), and no stage started again once the render had finished;
- every client saw its job's terminal `status` event, and, across reconnections, exactly the events in the job's
  events.jsonl, in order, each once;
- a cut stream ends at once (the client sees the end, not a hang) and the client reconnects;
- the server stops a stream by itself when its client goes: once the dropouts hung up, the server has no more
  event streams open (GET /api/server) than clients still following, and when every client is done it has
  none, and no connection to its port is left open;
- no render of a killed server is left running.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
THEME = "a morning at the farmers market"
JOB_FIELDS = {
    "theme": THEME,
    "duration": "10",
    "resolution": "360p",
    "aspect": "1:1",
    "fps": "12",
    "no_feedback": "true",
}
SERVER_ENV = {"PERSONAVLOG_CANDIDATES": "1", "OMP_WAIT_POLICY": "PASSIVE"}
TERMINAL = ("done", "failed", "cancelled")
RENDER_PROCESS_EXIT_S = 5.0
STREAM_RELEASE_S = 5.0
TCP_STATES = {"01": "established", "08": "close_wait"}


# ---- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """`personavlog serve` on one loopback port, started again on the same port and data after a kill."""

    data: Path
    port: int
    workers: int
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self, timeout_s: float = 120.0) -> float:
        """Start it and wait until it answers; returns the seconds that took."""
        began = time.monotonic()
        self.starts += 1
        log_path = self.data.parent / f"serve-{self.starts}.log"
        command = [sys.executable, "-m", "personavlog.cli", "serve", "--port", str(self.port), "--data", str(self.data)]
        command += ["--workers", str(self.workers), "--log-level", "warning"]
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **SERVER_ENV}
            )
        while time.monotonic() - began < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: {log_path.read_text()[-2000:]}")
            try:
                if self.request("GET", "/api/jobs", timeout=5)[0] == 200:
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not answer in {timeout_s:.0f} s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def streams(self) -> int:
        """The event streams the server has open (GET /api/server)."""
        status, body = self.request("GET", "/api/server")
        if status != 200:
            raise RuntimeError(f"GET /api/server answered {status}")
        return int(json.loads(body)["event_streams"])

    def jobs(self) -> dict[str, dict[str, Any]]:
        status, body = self.request("GET", "/api/jobs")
        if status != 200:
            raise RuntimeError(f"GET /api/jobs answered {status}")
        return {job["id"]: job for job in json.loads(body)["jobs"]}


def multipart(fields: dict[str, str], reference: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="reference"; filename="{reference.name}"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
    )
    out.write(reference.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def submit_all(server: Server, reference: Path, jobs: int, seed: int) -> tuple[list[str], list[float], list[str]]:
    """`jobs` submissions released at once; returns the accepted ids, each request's seconds, and refusals."""
    ids: list[str | None] = [None] * jobs
    seconds = [0.0] * jobs
    refusals: list[str] = []
    gate = threading.Barrier(jobs)

    def submit(index: int) -> None:
        body, content_type = multipart({**JOB_FIELDS, "seed": str(seed)}, reference)
        gate.wait()
        began = time.monotonic()
        status, answer = server.request("POST", "/api/jobs", body, {"Content-Type": content_type}, timeout=120)
        seconds[index] = time.monotonic() - began
        if status == 201:
            ids[index] = json.loads(answer)["id"]
        else:
            refusals.append(f"submission {index}: {status} {answer[:200]!r}")

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [job_id for job_id in ids if job_id is not None], seconds, refusals


# ---- event-stream clients -----------------------------------------------------------------------


@dataclass
class Follower:
    """One client following one job's events, reconnecting with Last-Event-ID when its stream is cut."""

    job_id: str
    ids: list[int] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    status: dict[str, Any] | None = None
    connections: int = 0
    cuts: list[float] = field(default_factory=list)
    """When (monotonic) each stream that ended without the status event ended."""
    refused: int = 0
    problems: list[str] = field(default_factory=list)


def _read_stream(response: http.client.HTTPResponse, follower: Follower, hang_up_after: int | None) -> bool:
    """Read server-sent events until the status event (True) or the end of the stream (False)."""
    kind, data, event_id = "message", [], None
    while True:
        line = response.readline()
        if not line:
            return False
        text = line.decode("utf-8").rstrip("\n")
        if text.startswith("id: "):
            event_id = int(text[4:])
        elif text.startswith("event: "):
            kind = text[7:]
        elif text.startswith("data: "):
            data.append(text[6:])
        elif text == "" and data:
            payload = json.loads("\n".join(data))
            if kind == "status":
                follower.status = payload
                return True
            if event_id is not None:
                follower.ids.append(event_id)
            follower.events.append(payload)
            kind, data, event_id = "message", [], None
            if hang_up_after is not None and len(follower.events) >= hang_up_after:
                return True
        elif text == "" and hang_up_after == 0:
            return True  # a dropout of a queued job: it hangs up after the stream's first line


def follow(port: int, follower: Follower, deadline: float, hang_up_after: int | None = None) -> None:
    while time.monotonic() < deadline:
        last = follower.ids[-1] if follower.ids else 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", f"/api/jobs/{follower.job_id}/events", headers={"Last-Event-ID": str(last)})
            response = connection.getresponse()
            if response.status != 200:
                follower.problems.append(f"events answered {response.status}")
                return
            follower.connections += 1
            if _read_stream(response, follower, hang_up_after):
                return
            follower.cuts.append(time.monotonic())
        except ConnectionRefusedError:
            follower.refused += 1  # between a kill and the restart
        except (http.client.HTTPException, OSError) as exc:
            follower.cuts.append(time.monotonic())
            if isinstance(exc, TimeoutError):
                follower.problems.append("the stream went silent for 60 s")
        finally:
            connection.close()
        time.sleep(0.5)
    follower.problems.append("no status event before the deadline")


def start_followers(
    port: int, followers: list[Follower], deadline: float, hang_up_after: int | None = None
) -> list[threading.Thread]:
    threads = [threading.Thread(target=follow, args=(port, f, deadline, hang_up_after), daemon=True) for f in followers]
    for thread in threads:
        thread.start()
    return threads


# ---- what the server holds, seen from outside --------------------------------------------------


def server_sockets(port: int) -> Counter[str]:
    """The server side of connections to `port`, by TCP state (established, close_wait)."""
    states: Counter[str] = Counter()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local_port = int(parts[1].rsplit(":", 1)[1], 16)
            if local_port == port and parts[3] in TCP_STATES:
                states[TCP_STATES[parts[3]]] += 1
    return states


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def renders_of(data: Path) -> list[int]:
    """Processes rendering a job of this data directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"personavlog.web.render_job" in command and any(str(data).encode() in part for part in command):
            found.append(int(entry.name))
    return found


def wait_for(predicate: Any, timeout_s: float, poll_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return bool(predicate())


# ---- the events on disk -------------------------------------------------------------------------


def events_on_disk(data: Path, job_id: str) -> list[tuple[int, dict[str, Any]]]:
    """Each complete event line of the job with the byte offset just past it (the stream's event id)."""
    try:
        raw = (data / "jobs" / job_id / "events.jsonl").read_bytes()
    except FileNotFoundError:
        return []  # a job that never started
    out: list[tuple[int, dict[str, Any]]] = []
    position = 0
    for line in raw.splitlines(keepends=True):
        position += len(line)
        if line.endswith(b"\n"):
            try:
                out.append((position, json.loads(line)))
            except ValueError:
                continue
    return out


def renders_started(events: list[dict[str, Any]]) -> int:
    return sum(1 for event in events if event.get("kind") == "run_start")


def worked_after_done(events: list[dict[str, Any]]) -> bool:
    """Whether a stage started after the render had finished (run_done): a resume only continues an unfinished one.

    (A render that ends just before the kill, before the server saw it end, is started again and finds every stage
    done: that is no work.)
    """
    kinds = [e.get("kind") for e in events]
    return "run_done" in kinds and "stage_start" in kinds[kinds.index("run_done") :]


def stages_finished_twice(events: list[dict[str, Any]]) -> list[str]:
    finished = Counter(str(e.get("stage")) for e in events if e.get("kind") == "stage_done")
    return sorted(stage for stage, count in finished.items() if count > 1)


# ---- the experiment -----------------------------------------------------------------------------


@dataclass
class Kill:
    at_s: float
    running: list[str]
    done_before: int
    renders_exited_s: float | None
    restart_s: float
    server_cpu_s: float
    server_threads: int


def mid_render(jobs: dict[str, dict[str, Any]]) -> list[str]:
    """Running jobs with at least one stage of the current attempt finished."""
    return [
        job_id
        for job_id, job in jobs.items()
        if job["status"] == "running" and any(s["state"] == "done" for s in job["progress"]["stages"].values())
    ]


def run_load(
    work: Path,
    reference: Path,
    jobs: int = 20,
    clients: int = 50,
    restarts: int = 1,
    dropouts: int = 10,
    workers: int = 2,
    seed: int = 3,
    cancel: bool = False,
    timeout_s: float = 3600.0,
) -> dict[str, Any]:
    """The experiment; returns its summary (`held` is true when every check held)."""
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data = work / "data"
    server = Server(data, free_port(), workers)
    began = time.monotonic()
    deadline = began + timeout_s
    problems: list[str] = []
    server.start()
    baseline_threads = threads_of(server.pid)
    try:
        ids, submit_s, refusals = submit_all(server, reference, jobs, seed)
        problems += refusals
        followers = [Follower(ids[i % len(ids)]) for i in range(clients)] if ids else []
        threads = start_followers(server.port, followers, deadline)

        # Dropouts follow the jobs submitted last, still queued: only the client's going can end their streams.
        quitters = [Follower(ids[-1 - i % len(ids)]) for i in range(dropouts)] if ids else []
        for thread in start_followers(server.port, quitters, deadline, hang_up_after=0):
            thread.join(timeout=60)
        # Every stream open is a follower's: the dropouts' ended when they hung up.

        def following() -> int:
            return sum(1 for f in followers if f.status is None)

        released = wait_for(lambda: server.streams() <= following(), STREAM_RELEASE_S)
        after_dropouts = {"event_streams": server.streams(), "clients_following": following()}
        if not released:
            problems.append(f"streams of clients that hung up still open: {after_dropouts}")
        peak_threads = threads_of(server.pid)

        kills: list[Kill] = []
        cpu_total = 0.0
        for restart in range(restarts):
            # Some jobs finished first (they must not render again), the rest still to come.
            wanted_done = 0 if cancel else ((restart + 1) * len(ids)) // (2 * (restarts + 1))
            running: list[str] = []
            listing: dict[str, dict[str, Any]] = {}
            while time.monotonic() < deadline:
                listing = server.jobs()
                done = sum(1 for job in listing.values() if job["status"] in TERMINAL)
                if mid_render(listing) and done >= wanted_done:
                    running = [job_id for job_id, job in listing.items() if job["status"] == "running"]
                    break
                time.sleep(0.5)
            cpu = cpu_seconds(server.pid)
            threads_now = threads_of(server.pid)
            peak_threads = max(peak_threads, threads_now)
            killed_at = time.monotonic()
            server.kill()
            cpu_total += cpu
            exited = wait_for(lambda: not renders_of(data), RENDER_PROCESS_EXIT_S)
            renders_exited_s = time.monotonic() - killed_at if exited else None
            if not exited:
                problems.append(f"kill {restart + 1}: renders still running: {renders_of(data)}")
            restart_s = server.start()
            baseline_threads = max(baseline_threads, threads_of(server.pid))
            kills.append(
                Kill(
                    at_s=round(killed_at - began, 2),
                    running=running,
                    done_before=sum(1 for job in listing.values() if job["status"] in TERMINAL),
                    renders_exited_s=None if renders_exited_s is None else round(renders_exited_s, 2),
                    restart_s=round(restart_s, 2),
                    server_cpu_s=round(cpu, 2),
                    server_threads=threads_now,
                )
            )
            after = server.jobs()
            lost = sorted(set(ids) - set(after))
            if lost:
                problems.append(f"kill {restart + 1}: jobs gone after the restart: {lost}")
            stranded = [j for j in running if after.get(j, {}).get("status") not in ("queued", "running")]
            if stranded:
                problems.append(f"kill {restart + 1}: jobs running at the kill not re-queued: {stranded}")

        if cancel:
            listing = server.jobs()
            unfinished = [j for j in ids if listing.get(j, {}).get("status") not in ("queued", "running")]
            if unfinished:
                problems.append(f"jobs neither queued nor running after the restarts: {unfinished}")

            def cancel_one(job_id: str) -> None:
                status, answer = server.request("POST", f"/api/jobs/{job_id}/cancel")
                if status != 200:
                    problems.append(f"cancel {job_id}: {status} {answer[:200]!r}")

            cancellers = [threading.Thread(target=cancel_one, args=(j,)) for j in ids]
            for thread in cancellers:
                thread.start()
            for thread in cancellers:
                thread.join()

        while time.monotonic() < deadline and any(t.is_alive() for t in threads):
            peak_threads = max(peak_threads, threads_of(server.pid))
            time.sleep(1.0)
        wall_s = time.monotonic() - began
        closed = wait_for(lambda: server.streams() == 0 and not server_sockets(server.port), STREAM_RELEASE_S)
        if not closed:
            left = {"event_streams": server.streams(), **server_sockets(server.port)}
            problems.append(f"streams or connections left open when every client was done: {left}")
        final = server.jobs()
        cpu_total += cpu_seconds(server.pid)
        final_threads = threads_of(server.pid)
    finally:
        server.stop()

    expected = "cancelled" if cancel else "done"
    lost = sorted(set(ids) - set(final))
    not_finished = sorted(j for j in ids if j in final and final[j]["status"] != expected)
    problems += [f"job lost: {j}" for j in lost]
    problems += [f"job {j} ended {final[j]['status']}: {final[j]['error']}" for j in not_finished]
    rendered_twice: dict[str, list[str]] = {}
    started: dict[str, int] = {}
    for job_id in ids:
        on_disk = [event for _, event in events_on_disk(data, job_id)]
        started[job_id] = renders_started(on_disk)
        twice = stages_finished_twice(on_disk)
        if twice:
            rendered_twice[job_id] = twice
        if worked_after_done(on_disk):
            problems.append(f"job {job_id}: a stage started again after its render had finished")
    problems += [f"job {j}: stages finished twice: {s}" for j, s in rendered_twice.items()]

    cut_followers = 0
    for follower in followers:
        problems += [f"client of {follower.job_id}: {p}" for p in follower.problems]
        if follower.status is None or follower.status.get("status") != expected:
            problems.append(f"client of {follower.job_id} saw status {follower.status}")
        on_disk = events_on_disk(data, follower.job_id)
        if follower.ids != [position for position, _ in on_disk] or follower.events != [e for _, e in on_disk]:
            problems.append(f"client of {follower.job_id}: events differ from events.jsonl (missed or repeated)")
        if follower.cuts:
            cut_followers += 1
    for kill in kills:
        # A stream cut by a kill ends at once: the kernel closes the dead server's sockets.
        noticed = [c - (began + kill.at_s) for f in followers for c in f.cuts if c >= began + kill.at_s - 1]
        if noticed and max(noticed) > 10:
            problems.append(f"a cut stream took {max(noticed):.1f} s to end")
    if restarts and not cancel and not cut_followers:
        problems.append("no client's stream was cut by the kill: the kill came too late to test reconnection")

    render_s = [
        final[j]["finished"] - final[j]["started"]
        for j in ids
        if final.get(j, {}).get("finished") and final[j]["started"]
    ]
    return {
        "jobs": jobs,
        "accepted": len(ids),
        "clients": clients,
        "dropouts": dropouts,
        "workers": workers,
        "restarts": len(kills),
        "lost": len(lost) + len(not_finished),
        "rendered_twice": len(rendered_twice),
        "clients_saw_terminal": sum(1 for f in followers if f.status and f.status.get("status") in TERMINAL),
        "clients_cut_and_reconnected": sum(1 for f in followers if f.cuts and f.status is not None),
        "reconnections": sum(f.connections - 1 for f in followers),
        "events_delivered": sum(len(f.events) for f in followers),
        "jobs_resumed": sum(1 for n in started.values() if n > 1),
        "submit_s_max": round(max(submit_s, default=0.0), 3),
        "submit_s_median": round(sorted(submit_s)[len(submit_s) // 2], 3) if submit_s else 0.0,
        "last_attempt_render_s_median": round(sorted(render_s)[len(render_s) // 2], 1) if render_s else None,
        "server_cpu_s": round(cpu_total, 1),
        "server_threads": {"baseline": baseline_threads, "peak": peak_threads, "final": final_threads},
        "streams_after_dropouts": after_dropouts,
        "kills": [asdict(k) for k in kills],
        "wall_s": round(wall_s, 1),
        "cancel": cancel,
        "problems": problems,
        "held": not problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--restarts", type=int, default=1)
    parser.add_argument("--dropouts", type=int, default=10, help="clients that hang up early")
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers")
    parser.add_argument("--seed", type=int, default=3, help="every job's seed (3: one the embedded writer finishes)")
    parser.add_argument("--cancel", action="store_true", help="cancel every job after the restarts (quick)")
    parser.add_argument("--reference", type=Path, default=ROOT / "examples" / "astronaut.jpg")
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "web-load")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "web_load.json")
    args = parser.parse_args()
    for name in ("jobs", "clients", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.restarts < 0 or args.dropouts < 0:
        parser.error("--restarts and --dropouts must be at least 0")
    if not args.reference.is_file():
        parser.error(f"--reference: no file {args.reference}")
    summary = run_load(
        args.work,
        args.reference,
        args.jobs,
        args.clients,
        args.restarts,
        args.dropouts,
        args.workers,
        args.seed,
        cancel=args.cancel,
    )
    from personavlog.fsutil import atomic_write_json

    atomic_write_json(args.out, summary)
    print(json.dumps({k: v for k, v in summary.items() if k != "kills"}, indent=2))
    sys.exit(0 if summary["held"] else 1)


if __name__ == "__main__":
    main()
