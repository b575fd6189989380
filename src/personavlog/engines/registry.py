"""The earlier names of the backend registry's functions (`personavlog.backends`), kept while callers move to it."""

from __future__ import annotations

from typing import Any, cast

from personavlog.backends import (
    ROLES,
    ConfiguredBackends,
    DescribedRole,
    EngineRole,
    Role,
    available_backends,
    create_engine,
    describe_backend,
    engine_class,
)


def _role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"unknown backend role {role!r} (roles: {', '.join(ROLES)})")
    return role


def available(role: str) -> list[str]:
    return available_backends(_role(role))


def backend_class(role: str, name: str) -> type[Any]:
    """`engine_class`."""
    return engine_class(_role(role), name)


def create(role: str, name: str, **kwargs: Any) -> Any:
    """An engine of backend `name` built with `kwargs` rather than from settings (tests, tools)."""
    return engine_class(_role(role), name)(**kwargs)


def from_settings(role: str, settings: ConfiguredBackends) -> Any:
    """`create_engine`."""
    if role not in ("visual", "speech", "music"):
        raise ValueError(f"no engine serves role {role!r}")
    return create_engine(cast(EngineRole, role), settings)


def describe(role: str, settings: ConfiguredBackends) -> dict[str, str]:
    """`describe_backend`."""
    if role not in ("llm", "judge", "visual", "speech", "music"):
        raise ValueError(f"the manifest records no backend for role {role!r}")
    return describe_backend(cast(DescribedRole, role), settings)
