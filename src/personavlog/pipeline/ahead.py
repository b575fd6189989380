"""Critics that measure a finished result on a second thread while the pipeline makes the next one.

The clips render one after another on one core (the encoder's threads aside); measuring the clip just made (its
keyframe's identity and quality, its motion and flicker) needs none of the next one, so it runs meanwhile on the
other core and leaves its critiques in the review loop's memo. The review of that clip, made later in order, finds
them there. A measurement that raises is not remembered: the review measures again and reports the failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType


class MeasureAhead:
    """One background thread of measurements, each waited for by key before the review that uses it."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="critics-ahead")
        self._pending: dict[str, Future[None]] = {}

    def submit(self, key: str, measure: Callable[[], None]) -> None:
        """Start `measure` (it must read nothing the caller goes on changing, such as the manifest)."""
        self.wait(key)
        self._pending[key] = self._pool.submit(measure)

    def wait(self, key: str) -> None:
        """Until the measurement under `key` (if any) has finished; its failure is left to the review."""
        future = self._pending.pop(key, None)
        if future is not None:
            with contextlib.suppress(Exception):
                future.result()

    def close(self) -> None:
        """Drop what has not started, wait for what has (a measurement takes seconds)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> MeasureAhead:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
