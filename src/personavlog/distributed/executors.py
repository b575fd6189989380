"""Pick where tasks run: child processes here, or a Ray cluster."""

from __future__ import annotations

from concurrent.futures import Executor


def make_executor(ray_address: str | None, workers: int = 1, max_attempts: int = 3) -> Executor:
    """A `RayExecutor` when `ray_address` is given ("auto", "local" or host:port), else a `ProcessExecutor`."""
    if ray_address:
        from personavlog.distributed.ray_executor import RayExecutor

        return RayExecutor(ray_address, max_attempts=max_attempts)
    from personavlog.distributed.local import ProcessExecutor

    return ProcessExecutor(workers=workers, max_attempts=max_attempts)
