"""Failures an executor tells apart: worth another attempt, or final."""

from __future__ import annotations


class TransientError(Exception):
    """Raised by a task for a failure worth another attempt (in a new process, maybe on another machine).

    Its message is one line for the user. Any other exception a task raises is final: it is not retried.
    """


class WorkerDied(Exception):
    """The process running a task died (killed, out of memory, its machine lost) on every attempt it was given."""


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, for summaries and logs."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
