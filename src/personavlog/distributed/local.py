"""Run each task in its own child process, N at a time; a child that dies is replaced and the task retried.

`concurrent.futures.ProcessPoolExecutor` breaks every pending task when one worker is killed; here a killed
child costs only its own attempt. Children die with this process (Linux), so an interrupted run leaves no
orphan rendering into a directory that the next run wants to lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future, ThreadPoolExecutor
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from personavlog.distributed.errors import TransientError, WorkerDied, one_line

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def _child(conn: Connection, fn: Callable[..., Any], args: tuple, kwargs: dict, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    try:
        message: tuple[bool, Any] = (True, fn(*args, **kwargs))
    except BaseException as exc:
        message = (False, exc)
    try:
        conn.send(message)
    except Exception as exc:  # an unpicklable result or exception still reaches the parent as one line
        conn.send((False, TransientError(f"cannot return the result: {one_line(exc)}")))
    finally:
        conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode} without a result"


class ProcessExecutor(Executor):
    """`submit(fn, *args)` runs `fn` in a fresh child process; at most `workers` children run at once.

    A task is tried up to `max_attempts` times when its process dies or it raises `TransientError`; any other
    exception is its final result. `fn`, its arguments and its result must be picklable.
    """

    def __init__(self, workers: int = 1, max_attempts: int = 3):
        if workers < 1 or max_attempts < 1:
            raise ValueError("workers and max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self._context = multiprocessing.get_context("spawn")
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="personavlog-task")
        self._children: set[BaseProcess] = set()
        self._lock = threading.Lock()
        self._closing = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._threads.submit(self._supervise, fn, args, kwargs)

    def _supervise(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        failure: BaseException | None = None
        for _attempt in range(self.max_attempts):
            if self._closing:
                raise CancelledError()
            ok, value = self._attempt(fn, args, kwargs)
            if ok:
                return value
            if self._closing:
                raise CancelledError()
            if not isinstance(value, TransientError | WorkerDied):
                raise value
            failure = value
        assert failure is not None
        if isinstance(failure, WorkerDied):
            raise WorkerDied(f"{failure} ({self.max_attempts} attempts)")
        raise failure

    def _attempt(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[bool, Any]:
        receive, send = self._context.Pipe(duplex=False)
        child = self._context.Process(target=_child, args=(send, fn, args, kwargs, os.getpid()))
        with self._lock:
            if self._closing:
                return False, CancelledError()
            child.start()
            self._children.add(child)
        send.close()
        message: tuple[bool, Any] | None = None
        try:
            wait([receive, child.sentinel])
            if receive.poll():
                with contextlib.suppress(EOFError):
                    message = receive.recv()
            child.join()
        finally:
            receive.close()
            with self._lock:
                self._children.discard(child)
        if message is None:
            return False, WorkerDied(f"worker process {child.pid} {_death(child.exitcode)}")
        return message

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                self._closing = True
                children = list(self._children)
            for child in children:
                child.terminate()
        self._threads.shutdown(wait=wait, cancel_futures=cancel_futures)
