"""The final cut's segments encoded while the next clips render.

A segment (one shot's part of the final video, see compose/segments.py) depends on the clips it shows, the
captions and the encoder settings; the captions follow the voice lines, which are final before the first clip.
So once a shot's clip, and the previous clip its cut fades from, have passed their stage, its segment is encoded
on a background thread, into the segments folder where the compose stage then finds it. A clip that a review
later retakes only leaves a segment the compose does not use (and deletes); a segment that failed here is simply
encoded by the compose.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from personavlog.pipeline.stage import RunContext, planned
from personavlog.schema import Timeline

log = logging.getLogger(__name__)


class CutAhead:
    """Segments encoded in the background as the clip loop reports each clip (`clip_passed`)."""

    def __init__(self, timeline: Timeline, clips: dict[int, Path], voices: dict[int, Path], folder: Path):
        # Imported here: the composer (OpenCV, PyAV) loads only when a vlog is rendered, not with the settings.
        from personavlog.compose import render, segments

        self._render, self._clips_read = render, segments.clips_read
        self._timeline = timeline
        self._index = {shot.shot_id: index for index, shot in enumerate(timeline.shots)}
        self._job = (timeline, clips, voices, folder)
        self._passed: set[int] = set()
        self._made: set[int] = set()
        self._submitted: set[int] = set()
        self._pool = ThreadPoolExecutor(max_workers=segments.ENCODE_WORKERS, thread_name_prefix="cut-ahead")
        self._futures: list[Future[int]] = []

    @classmethod
    def of_run(cls, ctx: RunContext) -> CutAhead:
        """For the run's timeline, clips, voice lines and segments folder."""
        timeline = planned(ctx.manifest.timeline, "timeline")
        shot_ids = [shot.shot_id for shot in timeline.shots]
        clips = {shot_id: ctx.run.clip(shot_id) for shot_id in shot_ids}
        voices = {shot_id: ctx.run.voice(shot_id) for shot_id in shot_ids}
        return cls(timeline, clips, voices, ctx.run.segments_dir)

    def clip_passed(self, shot_id: int, made: bool) -> None:
        """The shot's clip is final for now (`made`: rendered in this run rather than found current). Every segment
        whose clips have all passed, one of them made in this run, is encoded next."""
        index = self._index[shot_id]
        self._passed.add(index)
        if made:
            self._made.add(index)
        ready = []
        for i in range(len(self._timeline.shots)):
            needs = self._clips_read(self._timeline, i)
            if i not in self._submitted and needs <= self._passed and needs & self._made:
                ready.append(i)
        if ready:
            self._submitted.update(ready)
            self._futures.append(self._pool.submit(self._render.encode_segments_ahead, *self._job, ready))

    def close(self, wait: bool = True) -> None:
        """Wait for the segments under way (or, with `wait` false, drop those not started); an error is left to
        the compose, which encodes whatever is missing."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        for future in self._futures if wait else ():
            error = future.exception()
            if error is not None:
                log.warning("a segment encoded ahead failed (the compose encodes it): %s", error)
        self._futures.clear()

    def __enter__(self) -> CutAhead:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(wait=exc_type is None)
