"""`personavlog dry-run`: which backends a config selects and the GPU memory its real models would need."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from personavlog.cli.options import add_command, add_request_argument, progress_mode
from personavlog.request_fields import request_option


def register(commands: Any) -> None:
    parser = add_command(
        commands,
        "dry-run",
        help="show the configured backends and estimate GPU memory, without loading any model",
        description="Reads the model folders' configs and safetensors headers only: weights are exact for the "
        "configured dtype, activations a rough upper bound.",
    )
    add_request_argument(parser, request_option("resolution"), default="480p")
    add_request_argument(parser, request_option("aspect"))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table (as --progress json)")
    parser.set_defaults(handler=dry_run)


def dry_run(args: argparse.Namespace) -> int:
    from personavlog.backends import describe_backend
    from personavlog.config import load_settings
    from personavlog.engines.visual.diffusers.estimate import estimate_all
    from personavlog.errors import InputError
    from personavlog.request_fields import build_request

    settings = load_settings(args.config)
    request = build_request(
        {"resolution": args.resolution, "aspect": args.aspect}, theme="dry run", reference=Path(".")
    )
    width, height = request.frame_size()
    backends = {role: describe_backend(role, settings) for role in ("visual", "speech", "music")}
    try:
        estimates = estimate_all(settings, width, height)
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    if args.json or progress_mode(args) == "json":
        print(json.dumps({"backends": backends, "gpu": [e.model_dump() for e in estimates]}, indent=2))
        return 0
    for role, described in backends.items():
        print(f"{role:8s} " + ", ".join(f"{k}={v}" for k, v in described.items()))
    if not estimates:
        print("no GPU backend configured: the embedded backends run on the CPU")
    for e in estimates:
        parts = ", ".join(f"{c.name} {c.parameters / 1e6:.1f}M" for c in e.components)
        print(
            f"{e.role:8s} {e.model}: weights {e.weights_gib:.2f} GiB ({e.dtype}; {parts}); activations "
            f"~{e.activations_gib:.2f} GiB; peak ~{e.peak_gib:.1f} GiB with offload={e.offload} [{e.note}]"
        )
    return 0
