"""`[distributed]` in the TOML config: where keyframes and clips render when a Ray cluster is at hand."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DistributedSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ray_address: str | None = Field(
        default=None, description="Ray cluster for shot rendering: auto, local or HOST:PORT (none: no cluster)"
    )
    shots: Literal["auto", "local", "ray"] = Field(
        default="auto",
        description="auto: on Ray shot actors when a GPU visual backend is configured and a cluster is at hand "
        "(ray_address set, or running inside a Ray task); local: always in this process; ray: always on actors",
    )
    shot_gpus: float = Field(default=1.0, ge=0.0, description="GPUs each shot actor holds (0: a CPU actor)")
    shot_cpus: float = Field(
        default=0.0, ge=0.0, description="CPUs reserved per shot actor; 0 so actors never wait for batch jobs' CPUs"
    )
    shot_actors: int | None = Field(
        default=None, ge=1, description="actors per backend configuration (default: as many as the cluster's GPUs fit)"
    )
