"""Job statuses for the event streams: one query serves every stream open, instead of one query per stream."""

from __future__ import annotations

import asyncio
import time

from personavlog.web.store import JobStore

JobStatusLine = dict[str, str]


class StatusBoard:
    """Every job's status, read in one query at most once per `interval_s`; the streams of the event loop share it."""

    def __init__(self, store: JobStore, interval_s: float):
        self.store = store
        self.interval_s = interval_s
        self._statuses: dict[str, JobStatusLine] = {}
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def status(self, job_id: str, read_after: float) -> JobStatusLine | None:
        """The job's id, status and error, as read after `read_after` (a monotonic time); None when it is deleted.

        A stream asks for a reading newer than its own start: one from before would miss a redo queued since.
        """
        async with self._lock:
            if self._read_at < max(read_after, time.monotonic() - self.interval_s):
                began = time.monotonic()
                self._statuses = await asyncio.to_thread(self.store.statuses)
                self._read_at = began
        return self._statuses.get(job_id)
