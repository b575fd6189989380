"""Split caption text into wrap units and wrap them to a pixel width.

Latin-script text wraps at spaces; CJK text has no spaces, so each CJK character is its own unit.
Closing punctuation sticks to the unit before it and opening brackets to the unit after it, so no
line starts with "。" or ends with "「".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x31FF),  # bopomofo, katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF00, 0xFFEF),  # half/full-width forms
    (0x20000, 0x3FFFF),  # CJK extensions B..
)
_NO_LINE_START = set(
    "、。，．・：；？！）」』】〕〉》〙〗〟’”ゝゞー"  # closing punctuation, iteration and length marks
    "ァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ"  # small kana
    ",.:;!?)]}%…"
)
_NO_LINE_END = set("（「『【〔〈《〘〖〝‘“([{")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


@dataclass(frozen=True)
class Unit:
    """A piece of text that is never broken across lines (unless it alone is wider than a line)."""

    text: str
    space_before: bool


def split_units(text: str) -> list[Unit]:
    """Words of spaced scripts, single CJK characters, with punctuation attached where it must stay."""
    units: list[Unit] = []
    word = ""
    opener = ""
    space = False

    def emit(body: str) -> None:
        nonlocal opener, space
        units.append(Unit(opener + body, space and bool(units)))
        opener, space = "", False

    for char in text:
        if char.isspace():
            if word:
                emit(word)
                word = ""
            space = True
        elif char in _NO_LINE_START and not word and not opener and not space and units:
            units[-1] = Unit(units[-1].text + char, units[-1].space_before)
        elif not is_cjk(char):
            word += char
        else:
            if word:
                emit(word)
                word = ""
            if char in _NO_LINE_END:
                opener += char
            else:
                emit(char)
    if word or opener:
        emit(word)
    return units


def join_units(units: list[Unit]) -> str:
    parts: list[str] = []
    for index, unit in enumerate(units):
        if index and unit.space_before:
            parts.append(" ")
        parts.append(unit.text)
    return "".join(parts)


def _break_long(unit: Unit, measure: Callable[[str], float], max_width: float) -> list[Unit]:
    pieces: list[Unit] = []
    current = ""
    for char in unit.text:
        if current and measure(current + char) > max_width:
            pieces.append(Unit(current, unit.space_before if not pieces else False))
            current = ""
        current += char
    if current:
        pieces.append(Unit(current, unit.space_before if not pieces else False))
    return pieces


def _fit_unit(unit: Unit, measure: Callable[[str], float], max_width: float) -> list[Unit]:
    return [unit] if measure(unit.text) <= max_width else _break_long(unit, measure, max_width)


def wrap_units(units: list[Unit], measure: Callable[[str], float], max_width: float) -> list[list[Unit]]:
    """Greedy wrap: as many units per line as fit in `max_width`.

    A line's width is taken as the sum of its units' and spaces' widths, so each distinct unit is
    measured once however often the text is re-wrapped.
    """
    space = measure(" ")
    lines: list[list[Unit]] = []
    line: list[Unit] = []
    width = 0.0
    for unit in units:
        unit_width = measure(unit.text)
        pieces = [unit] if unit_width <= max_width else _break_long(unit, measure, max_width)
        for piece in pieces:
            piece_width = unit_width if piece is unit else measure(piece.text)
            gap = space if line and piece.space_before else 0.0
            if line and width + gap + piece_width > max_width:
                lines.append(line)
                line, width = [], 0.0
            if not line:
                line, width = [Unit(piece.text, False)], piece_width
            else:
                line.append(piece)
                width += gap + piece_width
    if line:
        lines.append(line)
    return lines


def _partition(units: list[Unit], parts: int, measure: Callable[[str], float]) -> list[list[Unit]]:
    """Consecutive groups of roughly equal rendered width."""
    widths = [measure(unit.text) for unit in units]
    total = sum(widths)
    groups: list[list[Unit]] = [[] for _ in range(parts)]
    done = 0.0
    for unit, width in zip(units, widths, strict=True):
        index = min(parts - 1, int((done + width / 2) / total * parts)) if total > 0 else 0
        groups[index].append(unit)
        done += width
    return [group for group in groups if group]


def _balanced_lines(units: list[Unit], measure: Callable[[str], float], max_width: float) -> list[list[Unit]]:
    """Wrap into as few lines as greedy wrapping needs, but with line widths as even as possible."""
    lines = wrap_units(units, measure, max_width)
    if len(lines) < 2:
        return lines
    widest = max(measure(unit.text) for unit in units)
    low, high = max(widest, max_width / len(lines)), max_width
    for _ in range(12):
        middle = (low + high) / 2
        if len(wrap_units(units, measure, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return wrap_units(units, measure, high)


def layout_cues(
    units: list[Unit], measure: Callable[[str], float], max_width: float, max_lines: int = 2
) -> list[list[list[Unit]]]:
    """Split text into cues of at most `max_lines` balanced lines each, cues of similar length."""
    units = [piece for unit in units for piece in _fit_unit(unit, measure, max_width)]
    if not units:
        return []
    needed = len(wrap_units(units, measure, max_width))
    parts = -(-needed // max_lines)
    while True:
        cues = [_balanced_lines(group, measure, max_width) for group in _partition(units, parts, measure)]
        if all(len(cue) <= max_lines for cue in cues) or parts >= len(units):
            return cues
        parts += 1
