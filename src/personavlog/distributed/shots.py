"""Where keyframes and clips render: the pipeline's own visual engine, or long-lived Ray actors, one per GPU.

Each actor builds its visual engine (loads its models) once and then renders shot after shot; actors are named
by a hash of the visual settings, so every pipeline on the cluster with the same backend configuration shares
them. The pipeline hands all the shots it must render to `prefetch` at once, so N actors render N shots at a
time, then collects each one in order with `render_shot`. Results travel back as bytes and are written here
atomically: a lost actor or a retried call can never leave half a file, and the pipeline's cache (input hashes)
makes a repeated render harmless.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from personavlog.engines.visual.base import FrameProgress, ShotRenderSpec
from personavlog.fsutil import atomic_write_bytes, sha256_json

GPU_BACKENDS = frozenset({"diffusers"})
NAMESPACE = "personavlog"


def wants_actors(settings: Any) -> bool:
    distributed = getattr(settings, "distributed", None)
    if distributed is None or distributed.shots == "local":
        return False
    if distributed.shots == "ray":
        return True
    visual = settings.visual
    gpu = visual.keyframe in GPU_BACKENDS or visual.motion in GPU_BACKENDS
    ray = sys.modules.get("ray")
    inside_ray = ray is not None and ray.is_initialized()
    return gpu and (distributed.ray_address is not None or inside_ray)


def shot_renderer(settings: Any, engine: Any) -> Any:
    """The renderer the pipeline's clip stage uses; `engine()` gives the in-process visual engine."""
    if wants_actors(settings):
        return ActorShotRenderer(settings)
    return LocalShotRenderer(engine)


class LocalShotRenderer:
    """Shots one after the other with this process's visual engine (the default)."""

    parallel = False

    def __init__(self, engine: Any):
        self._engine = engine

    def prefetch(self, shots: list[tuple[ShotRenderSpec, Path]]) -> None:
        return None

    def render_shot(
        self,
        spec: ShotRenderSpec,
        cutout: Path,
        keyframe_out: Path,
        clip_out: Path,
        on_frame: FrameProgress | None = None,
    ) -> None:
        self._engine().render_shot(spec, cutout, keyframe_out, clip_out, on_frame=on_frame)


class ShotActor:
    """Holds one visual engine, built on first use from the `[visual]` settings it was given, and renders shots."""

    def __init__(self, visual: dict[str, Any]):
        self._visual = visual
        self._engine: Any = None
        self.loads = 0
        self.renders = 0

    def render(self, spec: dict[str, Any], cutout_png: bytes) -> tuple[bytes, bytes]:
        from personavlog.backends import VisualSettings, create_visual_engine

        if self._engine is None:
            self._engine = create_visual_engine(VisualSettings.model_validate(self._visual))
            self.loads += 1
        with tempfile.TemporaryDirectory(prefix="personavlog-shot-") as folder:
            root = Path(folder)
            (root / "cutout.png").write_bytes(cutout_png)
            self._engine.render_shot(
                ShotRenderSpec.model_validate(spec), root / "cutout.png", root / "keyframe.png", root / "clip.mp4"
            )
            self.renders += 1
            return (root / "keyframe.png").read_bytes(), (root / "clip.mp4").read_bytes()

    def stats(self) -> dict[str, Any]:
        return {"loads": self.loads, "renders": self.renders, "pid": os.getpid()}


def pool_key(settings: Any) -> str:
    return sha256_json(settings.visual.model_dump(mode="json"))[:12]


def actor_names(settings: Any, count: int) -> list[str]:
    return [f"shots-{pool_key(settings)}-{index}" for index in range(count)]


def _actor_count(ray: Any, gpus_per_actor: float) -> int:
    if gpus_per_actor <= 0:
        return 1
    return max(1, int(ray.cluster_resources().get("GPU", 0) // gpus_per_actor))


# Handles are kept for the life of this process: an actor lives while a handle to it does (or its creator does).
_POOLS: dict[str, list[Any]] = {}


def _pool(settings: Any, renew: bool = False) -> list[Any]:
    """The shot actors of this visual configuration: found by name on the cluster, or started."""
    from personavlog.distributed.ray_executor import import_ray

    key = pool_key(settings)
    if key in _POOLS and not renew:
        return _POOLS[key]
    ray = import_ray()
    distributed = settings.distributed
    count = distributed.shot_actors or _actor_count(ray, distributed.shot_gpus)
    actor_class = ray.remote(ShotActor)
    payload = settings.visual.model_dump(mode="json")
    _POOLS[key] = [
        actor_class.options(
            name=name,
            namespace=NAMESPACE,
            get_if_exists=True,
            num_gpus=distributed.shot_gpus,
            num_cpus=distributed.shot_cpus,
            max_restarts=2,
            max_task_retries=2,
        ).remote(payload)
        for name in actor_names(settings, count)
    ]
    return _POOLS[key]


class ActorShotRenderer:
    """Shots on a pool of Ray actors (`num_gpus` each); `prefetch` starts them all, `render_shot` collects one."""

    parallel = True

    def __init__(self, settings: Any):
        from personavlog.distributed.ray_executor import connect, import_ray

        self._ray = import_ray()
        self._settings = settings
        connect(settings.distributed.ray_address or "auto")
        self._actors = _pool(settings)
        self._next = 0
        self._pending: dict[str, Any] = {}

    @staticmethod
    def _key(spec: ShotRenderSpec, cutout_png: bytes) -> str:
        return sha256_json([spec.model_dump(mode="json"), hashlib.sha256(cutout_png).hexdigest()])

    def _submit(self, spec: ShotRenderSpec, cutout_png: bytes) -> Any:
        actor = self._actors[self._next % len(self._actors)]
        self._next += 1
        return actor.render.remote(spec.model_dump(mode="json"), cutout_png)

    def prefetch(self, shots: list[tuple[ShotRenderSpec, Path]]) -> None:
        for spec, cutout in shots:
            cutout_png = Path(cutout).read_bytes()
            key = self._key(spec, cutout_png)
            if key not in self._pending:
                self._pending[key] = self._submit(spec, cutout_png)

    def render_shot(
        self,
        spec: ShotRenderSpec,
        cutout: Path,
        keyframe_out: Path,
        clip_out: Path,
        on_frame: FrameProgress | None = None,
    ) -> None:
        cutout_png = Path(cutout).read_bytes()
        ref = self._pending.pop(self._key(spec, cutout_png), None) or self._submit(spec, cutout_png)
        try:
            keyframe_png, clip_mp4 = self._ray.get(ref)
        except self._ray.exceptions.RayActorError:  # gone for good (its restarts spent, or its owner died)
            self._actors = _pool(self._settings, renew=True)
            keyframe_png, clip_mp4 = self._ray.get(self._submit(spec, cutout_png))
        atomic_write_bytes(keyframe_out, keyframe_png)
        atomic_write_bytes(clip_out, clip_mp4)
        if on_frame is not None:
            frames = round(spec.duration_s * spec.fps)
            on_frame(frames, frames)


def actor_stats(settings: Any, count: int) -> list[dict[str, Any]]:
    """Loads and renders of each shot actor of this configuration (for tests and operators)."""
    from personavlog.distributed.ray_executor import import_ray

    ray = import_ray()
    actors = [ray.get_actor(name, namespace=NAMESPACE) for name in actor_names(settings, count)]
    return ray.get([actor.stats.remote() for actor in actors])
