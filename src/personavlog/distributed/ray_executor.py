"""Tasks on a Ray cluster behind the `concurrent.futures.Executor` interface.

A task whose worker process dies is retried by Ray on another worker; one that raises `TransientError` is
retried too; both within `max_attempts` in all. Futures resolve to the task's value, or raise the task's own
exception, `TransientError` or `WorkerDied`, exactly as `ProcessExecutor`'s do.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any

from personavlog.distributed.errors import TransientError, WorkerDied, one_line
from personavlog.errors import InputError

INSTALL_HINT = "Ray is not installed: pip install 'personavlog[ray]' (or run without --ray)"
# A cluster this process starts itself keeps results in a small object store: they are paths and summaries.
_LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return ray


def connect(address: str) -> bool:
    """Join the Ray cluster at `address` ("auto": a running one, else start one here; "local": start one here).

    Returns whether this call connected (False: this process was already connected, e.g. inside a Ray task).
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    quiet: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": False}
    local: dict[str, Any] = {"include_dashboard": False, "object_store_memory": _LOCAL_OBJECT_STORE_BYTES}
    try:
        if address == "local":
            ray.init(address="local", **quiet, **local)
        elif address == "auto":
            try:
                ray.init(address="auto", **quiet)
            except ConnectionError:
                ray.init(address="local", **quiet, **local)
        else:
            ray.init(address=address, **quiet)
    except ConnectionError as exc:
        raise InputError(f"cannot reach the Ray cluster at {address!r}: {one_line(exc)}") from None
    return True


def _translate(error: BaseException, attempts: int) -> BaseException:
    """Ray's wrappers back to what the task raised, or `WorkerDied` when its process kept dying."""
    ray = import_ray()
    exceptions = ray.exceptions
    if isinstance(error, exceptions.TaskCancelledError):
        return CancelledError()
    if isinstance(error, exceptions.RayTaskError):
        cause = getattr(error, "cause", None)
        return cause if isinstance(cause, BaseException) else TransientError(one_line(error).splitlines()[0])
    if isinstance(error, exceptions.RayError):
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return WorkerDied(f"{type(error).__name__}: {first} ({attempts} attempts)")
    return error


class RayExecutor(Executor):
    """`submit(fn, *args)` runs `fn` as a Ray task using `num_cpus` CPUs, tried at most `max_attempts` times."""

    def __init__(self, address: str = "auto", max_attempts: int = 3, num_cpus: float = 1.0):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._ray = import_ray()
        self._connected = connect(address)
        self.max_attempts = max_attempts
        self.num_cpus = num_cpus
        self._remote: dict[Callable[..., Any], Any] = {}
        self._refs: list[Any] = []
        self._lock = threading.Lock()

    def _remote_of(self, fn: Callable[..., Any]) -> Any:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(fn).options(
                num_cpus=self.num_cpus,
                max_retries=self.max_attempts - 1,
                retry_exceptions=[TransientError],
            )
        return self._remote[fn]

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._lock:
            ref = self._remote_of(fn).remote(*args, **kwargs)
            self._refs.append(ref)
        outer: Future = Future()
        inner = ref.future()

        def settle(done: Future) -> None:
            if done.cancelled():
                outer.cancel()
                outer.set_running_or_notify_cancel()
                return
            error = done.exception()
            if outer.set_running_or_notify_cancel():
                if error is None:
                    outer.set_result(done.result())
                else:
                    outer.set_exception(_translate(error, self.max_attempts))

        inner.add_done_callback(settle)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                refs, self._refs = self._refs, []
            for ref in refs:
                try:
                    self._ray.cancel(ref, force=True)
                except Exception:  # already finished, or the cluster is gone: nothing left to stop
                    continue
        if self._connected and self._ray.is_initialized():
            self._ray.shutdown()
