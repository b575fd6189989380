"""Running work elsewhere: child processes on this machine, or tasks and GPU actors on a Ray cluster.

Everything here speaks `concurrent.futures.Executor` (`submit(fn, *args) -> Future`), so a caller chooses where
work runs without changing how it waits for results. Ray is optional and imported only by `ray_executor` and
`shots` when a Ray address is given.
"""

from personavlog.distributed.errors import TransientError, WorkerDied

__all__ = ["TransientError", "WorkerDied"]
