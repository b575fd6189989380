"""Critiques remembered by what they measured: the content hashes of the assets and the critic's settings.

A review runs its critics again every round, but a retake changes only some of the assets it looks at (the voice
lines the monologue agent rewrote, the clip but not its keyframe). An asset whose content and settings are
unchanged is not measured again: its critiques are reused, stamped with the new round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from personavlog.fsutil import sha256_json
from personavlog.schema import Critique

Measured = Mapping[str, Any]
"""What a critic's critiques depend on (JSON values): content hashes of its assets, the settings it reads, and
whatever its critiques name (a shot's id: two shots with the same picture have critiques of their own)."""


class CritiqueMemo:
    """The critiques computed so far in a process, by critic, asset hashes and settings."""

    def __init__(self) -> None:
        self._found: dict[str, list[Critique]] = {}
        self.reused = 0
        """How many assets' critiques were reused instead of measured again."""

    def critiques(
        self, critic: str, measured: Measured, round_: int, compute: Callable[[], list[Critique]]
    ) -> list[Critique]:
        """The critiques of one asset: remembered ones, or `compute()`'s (a critic that raises is not remembered)."""
        (found,) = self.critiques_of_many(critic, [measured], round_, lambda _missing: [compute()])
        return found

    def critiques_of_many(
        self,
        critic: str,
        measured: Sequence[Measured],
        round_: int,
        compute: Callable[[list[int]], list[list[Critique]]],
    ) -> list[list[Critique]]:
        """The critiques of several assets; `compute(missing)` measures those (by index) not seen before, together."""
        keys = [sha256_json({"critic": critic, "measured": dict(item)}) for item in measured]
        missing = [index for index, key in enumerate(keys) if key not in self._found]
        self.reused += len(keys) - len(missing)
        if missing:
            for index, found in zip(missing, compute(missing), strict=True):
                self._found[keys[index]] = [critique.model_copy() for critique in found]
        return [[c.model_copy(update={"round": round_}) for c in self._found[key]] for key in keys]
