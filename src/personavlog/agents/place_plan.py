"""Where each shot is filmed, planned before any shot is written: the kinds of place a vlog passes through.

Left to itself, a small model films every shot where the one before was ("Before: the streets of Kyoto" → the
streets of Kyoto, five times). The plan opens in the place the theme names (its anchor), then lets the story's
later beats move to places near it — a café off the street, the lake beyond the forest — choosing for each beat
the nearby kind its sentence is closest to in meaning, until the vlog has passed through three kinds. A theme
bound to one room (a kitchen, a café, a library) stays there; its shots change corner and framing instead, and
leave only for a beat that names a nearby place in its own words. A shot the plan moves has its location opened
with its kind's own words (OPENINGS), which the model goes on from.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from personavlog.agents.hints import implied_places, place_votes
from personavlog.agents.story import beat_index
from personavlog.measure.text_embedding import encoder
from personavlog.schema import LocationKind, Story

_SCENES: dict[LocationKind, str] = {
    LocationKind.CITY_STREET: "walking the streets, squares and alleys of a city at any hour",
    LocationKind.CAFE: "sitting in a café, bar or restaurant with a drink",
    LocationKind.HOME: "at home in a room, kitchen or bedroom",
    LocationKind.BEACH: "a sandy beach by the sea with waves",
    LocationKind.FOREST: "a path through the trees of a forest",
    LocationKind.MOUNTAINS: "hiking a mountain trail up to a peak",
    LocationKind.LAKE: "the shore of a lake or a river bank",
    LocationKind.DESERT: "sand dunes in a desert",
    LocationKind.SNOWY_VILLAGE: "a village under snow in winter",
    LocationKind.NIGHT_MARKET: "food stalls and a busy street market",
    LocationKind.TRANSIT: "riding a train or bus, waiting at a station or airport",
    LocationKind.PARK: "a city park or garden with trees and benches",
    LocationKind.OFFICE: "working at a desk in an office, library or classroom",
    LocationKind.STAGE: "a band playing on a concert stage to a crowd",
}
"""Each kind as a scene, for comparing with a story's sentences by meaning (fuller than the short meanings an
instruct model is shown, storyboard_chat.KIND_MEANINGS)."""

NEARBY: dict[LocationKind, tuple[LocationKind, ...]] = {
    LocationKind.CITY_STREET: (LocationKind.CAFE, LocationKind.PARK, LocationKind.NIGHT_MARKET, LocationKind.TRANSIT),
    LocationKind.CAFE: (LocationKind.CITY_STREET,),
    LocationKind.HOME: (LocationKind.CITY_STREET, LocationKind.PARK),
    LocationKind.BEACH: (LocationKind.CITY_STREET, LocationKind.CAFE),
    LocationKind.FOREST: (LocationKind.LAKE, LocationKind.MOUNTAINS, LocationKind.PARK),
    LocationKind.MOUNTAINS: (LocationKind.FOREST, LocationKind.LAKE, LocationKind.SNOWY_VILLAGE),
    LocationKind.LAKE: (LocationKind.FOREST, LocationKind.PARK, LocationKind.CITY_STREET),
    LocationKind.DESERT: (LocationKind.MOUNTAINS, LocationKind.BEACH),
    LocationKind.SNOWY_VILLAGE: (LocationKind.MOUNTAINS, LocationKind.FOREST, LocationKind.CAFE, LocationKind.HOME),
    LocationKind.NIGHT_MARKET: (LocationKind.CITY_STREET, LocationKind.CAFE),
    LocationKind.TRANSIT: (LocationKind.CITY_STREET, LocationKind.CAFE),
    LocationKind.PARK: (LocationKind.CITY_STREET, LocationKind.LAKE),
    LocationKind.OFFICE: (LocationKind.CITY_STREET, LocationKind.TRANSIT, LocationKind.CAFE),
    LocationKind.STAGE: (LocationKind.CITY_STREET, LocationKind.NIGHT_MARKET, LocationKind.PARK),
}
"""The kinds a story can walk to from each kind within one vlog."""

OPENINGS: dict[LocationKind, tuple[str, ...]] = {
    LocationKind.CITY_STREET: ("a side street", "the town square", "a narrow alley", "a busy street", "the old square"),
    LocationKind.CAFE: ("a small café", "the bar", "a corner café", "a quiet café", "a little bar"),
    LocationKind.HOME: ("the kitchen", "the apartment", "a bedroom", "the living room"),
    LocationKind.BEACH: ("the beach", "a sandy beach", "the sea front"),
    LocationKind.FOREST: ("a forest path", "the woods", "the forest", "a clearing in the forest"),
    LocationKind.MOUNTAINS: ("a mountain trail", "the summit", "the mountain pass", "a rocky peak"),
    LocationKind.LAKE: ("the lake shore", "a river bank", "the lake", "a wooden jetty on the lake"),
    LocationKind.DESERT: ("the desert", "a sand dune", "the desert road"),
    LocationKind.SNOWY_VILLAGE: ("a snowy village", "the village under snow", "a snowy lane"),
    LocationKind.NIGHT_MARKET: ("a night market", "the market stalls", "a food stall"),
    LocationKind.TRANSIT: ("a train station", "the train", "a bus stop", "the station platform"),
    LocationKind.PARK: ("a park", "the park", "a garden", "a park bench"),
    LocationKind.OFFICE: ("an office", "the library", "the office", "a desk in the office"),
    LocationKind.STAGE: ("the stage", "a concert stage", "the front of the stage"),
}
"""Words a shot's location opens with when the plan moves it away from the theme's own place: a small model
writes the theme's place again whatever kind it is told, so the kind's own words come first and it describes
the spot from there ("a park" → "a park along the marathon route")."""

_ONE_ROOM = re.compile(
    r"\b(?:kitchen|caf[eé]|bar|pub|library|apartment|flat|bedroom|room|home|house|restaurant|classroom|studio)s?\b",
    re.IGNORECASE,
)
"""Words that bind a theme to one room: its shots change corner and framing rather than place."""

_WHERE = re.compile(r"\b(?:in|at|on|by|from|across|around|through|near)\s+(?!.*\b(?:in|at|on|by|from)\s)(.*)$")
"""The words after a theme's last preposition of place."""
_PLACE_NAME = re.compile(r"\b(?:in|across|around|of|to|through)\s+(?:the\s+)?[A-Z]")
"""A preposition before a capitalised name: the theme names a city or a country."""

MOVE_MARGIN = 1
"""A beat of a one-room theme leaves the room only when its words name the nearby place this many votes more."""


def places_wanted(count: int) -> int:
    """How many kinds of place a storyboard of `count` shots should pass through."""
    return 3 if count >= 5 else min(2, count)


def anchor_place(theme: str, story: Story) -> LocationKind:
    """The place the vlog opens in: the kind the theme's words name, those after its last "in", "at", "by"… first
    ("a street food crawl at a night market" is at a market; the story's title and logline settle a tie, then
    meaning); else the kind the title and logline name; else the streets of a city the theme names; else the
    kind whose scene is closest to the theme."""
    told = f"{story.title}. {story.logline}"
    named = implied_places(_where(theme)) or implied_places(theme)
    if len(named) > 1:
        from_story = [kind for kind in implied_places(told) if kind in named]
        named = from_story or named
    if not named:
        named = implied_places(told)
    if not named and _names_somewhere(theme):
        return LocationKind.CITY_STREET
    closeness = _closeness([f"{theme}. {story.title}"])[0]
    candidates = named or list(LocationKind)
    return max(candidates, key=lambda kind: closeness[kind])


def _where(theme: str) -> str:
    """The words after the theme's last preposition of place: where it happens, rather than what happens there."""
    match = _WHERE.search(theme)
    return match.group(1) if match else ""


def _names_somewhere(theme: str) -> bool:
    """A theme that names a city or country ("a neon-lit night in Tokyo") and no kind of place is in its streets."""
    return _PLACE_NAME.search(theme) is not None


def one_room(theme: str) -> bool:
    return _ONE_ROOM.search(theme) is not None


def plan_places(theme: str, story: Story, count: int) -> list[LocationKind]:
    """The kind of place of each of `count` shots: the anchor first, then for each later beat of the story the
    place (the anchor or one near it) that fits it best, a new kind preferred until the vlog has passed through
    `places_wanted(count)` kinds. Shots that film the same beat share its place."""
    anchor = anchor_place(theme, story)
    beats = story.beats
    planned = [anchor]
    if one_room(theme):
        for beat in beats[1:]:
            votes = place_votes(beat)
            leave = [k for k in NEARBY[anchor] if votes.get(k, 0) >= votes.get(anchor, 0) + MOVE_MARGIN]
            planned.append(max(leave, key=lambda k: votes[k]) if leave else anchor)
    else:
        wanted = places_wanted(count)
        reachable = [anchor, *NEARBY[anchor]]
        theme_closeness = _closeness([theme])[0]
        for beat, closeness in zip(beats[1:], _closeness(beats[1:]), strict=True):
            votes = place_votes(beat)
            fit = {k: closeness[k] + theme_closeness[k] / 2 + votes.get(k, 0) / 10 for k in reachable}
            if len(set(planned)) < wanted:
                fit = {k: score - (1.0 if k in planned else 0.0) for k, score in fit.items()}
            planned.append(max(reachable, key=fit.__getitem__))
    return [planned[beat_index(i, count, len(beats))] for i in range(count)]


def _closeness(texts: Sequence[str]) -> list[dict[LocationKind, float]]:
    """Cosine of each text to each kind's scene."""
    kinds = list(_SCENES)
    vectors = encoder().encode([*texts, *(_SCENES[kind] for kind in kinds)])
    texts_v, scenes_v = vectors[: len(texts)], vectors[len(texts) :]
    return [{kind: float(t @ s) for kind, s in zip(kinds, scenes_v, strict=True)} for t in texts_v]


def opening(theme: str, kinds: Sequence[LocationKind], index: int) -> str | None:
    """The words shot `index`'s location opens with: none in the vlog's first kind of place (the theme's own,
    which the model writes unprompted); else one of its kind's openings, another for each shot and each theme."""
    kind = kinds[index]
    if kind == kinds[0]:
        return None
    choices = OPENINGS[kind]
    return choices[(zlib.crc32(theme.encode("utf-8")) + index) % len(choices)]
