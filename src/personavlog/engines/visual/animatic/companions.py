"""Companions and props the shot names (a dog, friends, a cup, an umbrella, ...), painted into the scene.

`cast_for` reads the shot's words; `companion_planes` paints each figure once (`figures.py`), styles it like
the scene (in a look the style network paints, repainted by it too: `painterly.paint_figure`), places it beside
the protagonist (never over the face) and returns the planes that go behind and in front of the protagonist's
plane.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

import numpy as np

from personavlog.engines.visual.animatic import camera
from personavlog.engines.visual.animatic.compositor import Matrix, Plane
from personavlog.engines.visual.animatic.figures import (
    CLOTHES,
    COATS,
    DOG_STRIDE,
    PAINTWORK,
    FigureLight,
    Painted,
    dog_tail_base,
    figure_light,
    paint_bag,
    paint_bicycle,
    paint_book,
    paint_cat,
    paint_cup,
    paint_dog,
    paint_dog_tail,
    paint_friend,
    paint_laptop,
    paint_suitcase,
    paint_table,
    paint_umbrella,
    random_look,
    unlit,
)
from personavlog.engines.visual.animatic.light import Colour, Lighting
from personavlog.engines.visual.animatic.painterly import paint_figure
from personavlog.engines.visual.animatic.person import PersonSprite
from personavlog.engines.visual.animatic.scenes.base import SceneLayers
from personavlog.engines.visual.animatic.seeding import rng_for
from personavlog.engines.visual.animatic.style import Grader, painted_by_network
from personavlog.engines.visual.base import ShotRenderSpec
from personavlog.schema import Framing, LocationKind, Weather

FIGURES = ("friends", "dog", "cat", "bicycle", "suitcase", "bag", "umbrella", "cup", "book", "laptop")
"""Every figure the shot's words can call for, in the order they are decided."""

# -- the words ----------------------------------------------------------------------------------------------

_NAMES: dict[str, str] = {
    "dog": r"dogs?|pupp(?:y|ies)|pups?|doggo|dogg(?:y|ie)s?|hounds?|pooch(?:es)?|labradors?|retrievers?|terriers?"
    r"|corgis?|beagles?|poodles?|husk(?:y|ies)|dachshunds?|spaniels?|collies?|shibas?",
    "cat": r"cats?|kittens?|kitt(?:y|ies)|tabb(?:y|ies)|moggy",
    "cup": r"coffees?|teas?|lattes?|espressos?|cappuccinos?|americanos?|mochas?|macchiatos?|matcha|chai|cocoa"
    r"|hot chocolate|flat whites?|cups?|mugs?|teacups?|coffee cups?",
    "umbrella": r"umbrellas?|parasols?|brolly",
    "bicycle": r"bicycles?|bikes?|cycling|cyclists?|biking|bmx",
    "book": r"books?|novels?|paperbacks?|journals?",
    "laptop": r"laptops?|macbooks?|computers?|typing|coding",
    "bag": r"bags?|backpacks?|rucksacks?|handbags?|totes?|satchels?|duffel|duffle",
    "suitcase": r"suitcases?|luggage|carry-ons?|roll(?:ing|er) bags?|trolley bags?|wheeled bags?",
}
_NOT: dict[str, str] = {
    "dog": r"hot[- ]?dogs?|corn[- ]?dogs?|dog[- ]?ear(?:ed|s)?|dog[- ]tired|top dogs?|sea dogs?|dog days?"
    r"|dog[- ]?legs?|dog[- ]?fights?|dog[- ]eat[- ]dog|dog[- ]paddle",
    "cat": r"cat[- ]?walks?|cat[- ]?naps?|cat[- ]?calls?|cat[- ]?burglars?|cat'?s[- ]eyes?|cat and mouse|fat cats?",
    "cup": r"world cup|cup (?:final|size)s?|coffee[- ]tables?|tea[- ]?lights?|tea[- ]?towels?|tea[- ]?trees?"
    r"|coffee[- ]colou?red|tea[- ]?bags?",
    "umbrella": r"umbrella (?:terms?|organi[sz]ations?|compan(?:y|ies)|brands?|polic(?:y|ies))",
    "bicycle": r"(?:exercise|stationary|motor|dirt) ?bikes?|bike (?:lanes?|paths?|racks?)",
    "book": r"books? (?:a|an|our|my|his|her|their|tickets?|flights?|tables?|rooms?|hotels?|trains?|seats?)\b",
    "laptop": r"computer science",
    "bag": r"(?:tea|bean|sleeping|air|punching|rolling|roller|trolley|wheeled) ?bags?",
}
_COMPANY_ONE = (
    r"friend|buddy|pal|mate|companion|sister|brother|sibling|mom|mum|mother|dad|father|partner|boyfriend"
    r"|girlfriend|husband|wife|cousin|colleague|co-?worker|classmate|roommate|flatmate|grandma|grandpa"
    r"|grandmother|grandfather|aunt|uncle|son|daughter|kid|child|neighbou?r|fianc[eé]e?"
)
_COMPANY_MANY = (
    r"friends|buddies|pals|mates|companions|sisters|brothers|siblings|parents|cousins|colleagues|co-?workers"
    r"|classmates|roommates|flatmates|grandparents|kids|children|neighbou?rs|twins"
)
_COMPANY_GROUP = r"family|group|gang|crew|team|everyone|everybody|bandmates|teammates"
_NUMBERS = {"two": 2, "2": 2, "both": 2, "couple of": 2, "three": 3, "3": 3, "several": 3, "a few": 3, "few": 3}
_NEGATION = re.compile(r"\b(?:no|without|not|never|forgot|forgets|forgotten|minus|sans)\b(?:\W+[\w'-]+){0,2}\W*$")
_COMPANION_NOT = re.compile(r"\b(?:canine|furry|four-legged|feline|loyal dog|animal) companions?\b")
_TOGETHER = re.compile(r"\b(?:we|us|ourselves|together)\b")
_MOVING = re.compile(r"\b(?:walk\w*|stroll\w*|run|runs|running|jog\w*|hik\w*|wander\w*|trot\w*|explor\w*)\b")
_TABLE = re.compile(
    r"\b(?:tables?|caf[eé]s?|coffee ?shops?|coffeehouses?|restaurants?|diners?|bistros?|bars?|pubs?|desks?"
    r"|brunch|breakfast|lunch|dinner|picnic)\b"
)
_TABLE_PLACES = (LocationKind.CAFE, LocationKind.OFFICE)


def _mentions(text: str, names: str, exclusions: str | None) -> bool:
    """Whether `text` (lower case) names a word of `names` that no exclusion phrase or negation takes back."""
    if exclusions:
        text = re.sub(exclusions, lambda m: " " * len(m.group(0)), text)
    for match in re.finditer(rf"\b(?:{names})\b", text):
        if not _NEGATION.search(text[max(0, match.start() - 40) : match.start()]):
            return True
    return False


def friend_count(text: str, pets: bool = False) -> int:
    """How many other people (0..3) the words put beside the protagonist.

    "we" or "together" alone count as one friend unless a pet is the company.
    """
    text = _COMPANION_NOT.sub(" ", text.lower())
    count = 0
    for match in re.finditer(rf"\b(?:{_COMPANY_MANY})\b", text):
        if _NEGATION.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        before = text[max(0, match.start() - 14) : match.start()]
        number = next((n for word, n in _NUMBERS.items() if re.search(rf"\b{word}\W+$", before)), 2)
        count += number
    for match in re.finditer(rf"\b(?:{_COMPANY_GROUP})\b", text):
        if not _NEGATION.search(text[max(0, match.start() - 40) : match.start()]):
            count += 3
    for match in re.finditer(rf"\b(?:{_COMPANY_ONE})\b", text):
        if not _NEGATION.search(text[max(0, match.start() - 40) : match.start()]):
            count += 1
    if count == 0 and not pets and _TOGETHER.search(text):
        count = 1
    return min(3, count)


def figures_for(text: str) -> list[str]:
    """The figures (names from FIGURES) that a shot's words call for, e.g. ["friends", "cup"]."""
    lower = text.lower()
    found = [name for name, names in _NAMES.items() if _mentions(lower, names, _NOT.get(name))]
    if friend_count(lower, pets="dog" in found or "cat" in found):
        found.append("friends")
    return [name for name in FIGURES if name in found]


@dataclass(frozen=True)
class Cast:
    figures: tuple[str, ...]
    friends: int
    moving: bool
    """The action moves (a walk, a run): the dog trots instead of wagging."""
    at_table: bool
    """Cups, books and laptops go on a table in front rather than in the protagonist's hand."""


def shot_words(spec: ShotRenderSpec) -> tuple[str, str]:
    """(action, everything the shot says about what is seen), in lower case.

    The keyframe prompt repeats the protagonist's own description; what the protagonist wears or carries is
    already in the cut-out, so that part is left out.
    """
    prompt = spec.visual.keyframe_prompt.replace(spec.persona.description, " ")
    action = spec.shot.action.lower()
    return action, " . ".join((action, spec.shot.location.lower(), prompt.lower()))


def cast_for(spec: ShotRenderSpec) -> Cast:
    action, seen = shot_words(spec)
    figures = figures_for(seen)
    pets = "dog" in figures or "cat" in figures
    friends = max(friend_count(action, pets), friend_count(seen, True)) if "friends" in figures else 0
    at_table = bool(_TABLE.search(seen)) or spec.shot.location_kind in _TABLE_PLACES
    return Cast(tuple(figures), friends, bool(_MOVING.search(action)), at_table)


# -- where they go ------------------------------------------------------------------------------------------

_GROUND: dict[Framing, float] = {Framing.WIDE: 0.94, Framing.MEDIUM: 0.985, Framing.CLOSE_UP: 1.0}
"""Where feet and wheels stand, as a share of the frame height (the protagonist's own feet are below it)."""
_EDGE_FIGURES = ("cup", "umbrella", "book")
"""Figures that may sit at the frame's edge when there is no room for them whole."""
_OVERHEAD = ("umbrella",)


Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in frame pixels."""


@dataclass(frozen=True)
class Frame:
    """The frame and where the protagonist is in it."""

    width: int
    height: int
    face: tuple[float, float]
    face_size: tuple[float, float]
    framing: Framing
    others: tuple[Box, ...] = ()
    """The faces of the friends painted so far: nothing else may cover them either."""

    @property
    def free(self) -> float:
        """-1 when the free side of the frame is the left, +1 when it is the right."""
        return -1.0 if self.face[0] > self.width / 2 else 1.0

    @property
    def ground(self) -> float:
        return self.height * _GROUND[self.framing]

    def face_box(self, pad: float = 0.12) -> Box:
        (fx, fy), (fw, fh) = self.face, self.face_size
        return fx - fw * (0.5 + pad), fy - fh * (0.5 + pad), fx + fw * (0.5 + pad), fy + fh * (0.5 + pad)


class Follow(StrEnum):
    """How a figure moves when the protagonist moves."""

    STAY = "stay"
    """It stays where it is (a table, a bag put down, a sitting cat)."""
    ALONGSIDE = "alongside"
    """It keeps pace beside the protagonist, across the frame only (a dog on a walk, friends)."""
    HELD = "held"
    """It moves with the body itself, tilt and bob included (a cup in hand, an umbrella)."""


@dataclass
class Placed:
    name: str
    image: np.ndarray
    """Premultiplied RGBA, styled."""
    x: float
    y: float
    """Frame position of the image's top-left corner at rest."""
    front: bool = False
    follow: Follow = Follow.ALONGSIDE
    frames: Callable[[int], np.ndarray] | None = None
    """The picture of each frame, for a figure that moves its limbs."""
    move: Callable[[int], Matrix] | None = None
    """The figure's own motion in each frame (a trot's bounce, a breath, a wagging tail), in its pixels."""


def _cover(image: np.ndarray) -> np.ndarray:
    return np.asarray(image[..., 3] > 16)


def face_overlap(image: np.ndarray, x: float, y: float, frame: Frame) -> int:
    """How many of the figure's covered pixels fall on the (padded) face box."""
    return box_overlap(image, x, y, frame.face_box())


def box_overlap(image: np.ndarray, x: float, y: float, box: Box) -> int:
    """How many of the figure's covered pixels fall in a frame rectangle."""
    x0, y0, x1, y1 = (round(v) for v in box)
    h, w = image.shape[:2]
    ix0, iy0 = max(0, x0 - round(x)), max(0, y0 - round(y))
    ix1, iy1 = min(w, x1 - round(x)), min(h, y1 - round(y))
    if ix1 <= ix0 or iy1 <= iy0:
        return 0
    return int(_cover(image[iy0:iy1, ix0:ix1]).sum())


def clear_of_face(image: np.ndarray, x: float, y: float, frame: Frame) -> float:
    """The x that moves the figure sideways, towards the free side, just off the face box."""
    fx0, fy0, fx1, fy1 = frame.face_box()
    h = image.shape[0]
    rows = _cover(image[max(0, round(fy0 - y)) : max(0, min(h, round(fy1 - y)))])
    columns = np.flatnonzero(rows.any(axis=0)) if rows.size else np.empty(0, np.int64)
    if len(columns) == 0:
        return x
    if frame.free > 0:
        return max(x, fx1 + 1 - float(columns[0]))
    return min(x, fx0 - 1 - float(columns[-1] + 1))


def visible_share(image: np.ndarray, x: float, y: float, frame: Frame) -> float:
    cover = _cover(image)
    total = int(cover.sum())
    if total == 0:
        return 0.0
    h, w = cover.shape
    ix0, iy0 = max(0, -round(x)), max(0, -round(y))
    ix1, iy1 = min(w, frame.width - round(x)), min(h, frame.height - round(y))
    if ix1 <= ix0 or iy1 <= iy0:
        return 0.0
    return int(cover[iy0:iy1, ix0:ix1].sum()) / total


def raised_off_face(image: np.ndarray, x: float, y: float, frame: Frame) -> float:
    """The y that lifts the figure the least so that nothing of it is on the face box (an umbrella over the head)."""
    fx0, fy0, fx1, fy1 = frame.face_box()
    w = image.shape[1]
    block = _cover(image[:, max(0, round(fx0 - x)) : max(0, min(w, round(fx1 - x)))])
    if block.size == 0:
        return y
    covered = np.concatenate([[0], np.cumsum(block.any(axis=1))])
    rows = len(covered) - 1
    # Lifted by `lift` px, the face box spans the figure's rows [start + lift, start + lift + length).
    start, length = round(fy0 - y), round(fy1 - fy0)
    lifts = np.arange(0, max(0, rows - start) + 1)
    first = np.clip(start + lifts, 0, rows)
    last = np.clip(start + lifts + length, 0, rows)
    clear = np.flatnonzero(covered[last] == covered[first])
    return y - float(lifts[clear[0]]) if len(clear) else y


def settle(name: str, image: np.ndarray, x: float, y: float, frame: Frame) -> tuple[float, float] | None:
    """Where the figure may stand: moved off the face box (sideways, or up for what goes over the head);
    None when too little of it would be on screen."""
    if name in _OVERHEAD:
        y = raised_off_face(image, x, y, frame)
    x = clear_of_face(image, x, y, frame)
    if face_overlap(image, x, y, frame) or any(box_overlap(image, x, y, box) for box in frame.others):
        return None
    least = 0.15 if name in _OVERHEAD else 0.3 if name in _EDGE_FIGURES else 0.7
    return (x, y) if visible_share(image, x, y, frame) >= least else None


# -- painting and placing ---------------------------------------------------------------------------------


@dataclass
class Painter:
    """Paints, styles and places the cast of one shot."""

    frame: Frame
    person: PersonSprite
    light: FigureLight
    grader: Grader
    rng: np.random.Generator
    indoor: bool
    weather: Weather
    hand: tuple[Colour, Colour]
    """Skin and sleeve colours of the protagonist, for a hand holding something."""
    placed: list[Placed] = field(default_factory=list)
    heading: float = 0.0
    """-1 or +1 when the protagonist walks left or right across the frame, else 0."""
    cursor: float = 0.0
    """Frame x where the next figure on the ground may start, moving away from the protagonist."""
    styler: Callable[[np.ndarray], np.ndarray] | None = None
    """Styles a padded figure (premultiplied RGBA) like the scene; by default the grader's `stylise`."""

    def seed(self) -> int:
        return int(self.rng.integers(0, 2**31))

    @property
    def pad(self) -> int:
        """Room around every figure for the style's glow and ink."""
        return max(2, round(min(self.frame.width, self.frame.height) * 0.02))

    def padded(self, painted: Painted) -> tuple[np.ndarray, tuple[float, float]]:
        """The figure with room around it, and its anchor there."""
        pad = self.pad
        image = np.pad(painted.image, ((pad, pad), (pad, pad), (0, 0)))
        return image, (painted.anchor[0] + pad, painted.anchor[1] + pad)

    def stylise(self, image: np.ndarray) -> np.ndarray:
        return (self.styler or self.grader.stylise)(image)

    def styled(self, painted: Painted) -> tuple[np.ndarray, tuple[float, float]]:
        """The figure styled like the scene (padded)."""
        image, anchor = self.padded(painted)
        return self.stylise(image), anchor

    def put(
        self,
        name: str,
        painted: Painted,
        at: tuple[float, float],
        front: bool = False,
        follow: Follow = Follow.ALONGSIDE,
        move: Callable[[int], Matrix] | None = None,
    ) -> Placed | None:
        """Place a painted figure with its anchor at `at` (moved off the face), unless it does not fit."""
        image, (ax, ay) = self.padded(painted)
        # Styling keeps the coverage, so where the figure fits is decided before the (costlier) styling.
        spot = settle(name, image, at[0] - ax, at[1] - ay, self.frame)
        if spot is None:
            return None
        figure = Placed(name, self.stylise(image), spot[0], spot[1], front, follow, move=move)
        self.placed.append(figure)
        return figure

    def on_ground(
        self,
        name: str,
        paint: Callable[[float], Painted],
        size: float,
        front: bool = False,
        follow: Follow = Follow.ALONGSIDE,
    ) -> tuple[Placed, float] | None:
        """Stand a figure on the ground at the cursor, smaller if that is what it takes to fit.

        Returns the figure and the size it was painted at.
        """
        free = self.frame.free
        for shrink in (1.0, 0.8, 0.64):
            painted = paint(size * shrink)
            cover = _cover(painted.image)
            columns, rows = np.flatnonzero(cover.any(axis=0)), np.flatnonzero(cover.any(axis=1))
            near_edge = columns[0] if free > 0 else columns[-1]
            width = float(columns[-1] - columns[0])
            top = self.frame.ground - (painted.anchor[1] - rows[0])
            # Beside the protagonist's body, not behind it: only a sliver may tuck behind.
            start = self.cursor
            body = body_edge(self.person, top, self.frame.ground, free)
            if body is not None:
                start = free * max(free * start, free * body - 0.1 * width)
            at = (start + painted.anchor[0] - near_edge, self.frame.ground)
            figure = self.put(name, painted, at, front, follow)
            if figure is not None:
                pad = (figure.image.shape[1] - painted.image.shape[1]) / 2
                self.cursor = figure.x + pad + near_edge + free * width * 0.85
                return figure, size * shrink
        return None


def body_edge(person: PersonSprite, y0: float, y1: float, side: float) -> float | None:
    """Frame x at rest of the protagonist's outline on `side` (-1 left, +1 right) between two frame rows."""
    ox, oy = person.origin
    h = person.image.shape[0]
    rows = person.image[max(0, round(y0 - oy)) : max(0, min(h, round(y1 - oy))), :, 3]
    columns = np.flatnonzero((rows > 160).any(axis=0)) if rows.size else np.empty(0, np.int64)
    if len(columns) == 0:
        return None
    return ox + (float(columns[-1] + 1) if side > 0 else float(columns[0]))


def _sprite_colour(person: PersonSprite, x0: float, y0: float, x1: float, y1: float) -> Colour | None:
    """Median straight colour of the protagonist's opaque pixels inside a frame rectangle."""
    ox, oy = person.origin
    h, w = person.image.shape[:2]
    ix0, iy0 = max(0, round(x0 - ox)), max(0, round(y0 - oy))
    ix1, iy1 = min(w, round(x1 - ox)), min(h, round(y1 - oy))
    if ix1 <= ix0 or iy1 <= iy0:
        return None
    region = person.image[iy0:iy1, ix0:ix1].reshape(-1, 4)
    solid = region[region[:, 3] > 240]
    if len(solid) < 12:
        return None
    red, green, blue = (float(v) / 255.0 for v in np.median(solid[:, :3], axis=0))
    return red, green, blue


def hand_colours(person: PersonSprite, frame: Frame) -> tuple[Colour, Colour]:
    """(skin, sleeve) as the protagonist's cut-out shows them (its face, and its body below the chin)."""
    (fx, fy), (fw, fh) = frame.face, frame.face_size
    skin = _sprite_colour(person, fx - fw * 0.2, fy + fh * 0.05, fx + fw * 0.2, fy + fh * 0.3)
    sleeve = _sprite_colour(person, fx - fw * 0.9, fy + fh * 1.4, fx + fw * 0.9, fy + fh * 2.2)
    return skin or (0.85, 0.66, 0.52), sleeve or (0.25, 0.27, 0.32)


def _dog(p: Painter, cast: Cast, fps: int) -> None:
    """A dog beside the protagonist: wagging its tail, or trotting when the action moves."""
    f, h = p.frame.face_size[1], p.frame.height
    coat = COATS[int(p.rng.integers(0, len(COATS)))]
    floppy = bool(p.rng.random() < 0.6)
    # A dog on the move looks where it is going; one standing still looks up at its person.
    facing = p.heading if cast.moving and p.heading else -p.frame.free
    seed = p.seed()
    strides = DOG_STRIDE if cast.moving else (0.0,)

    def paint(size: float, legs: float = strides[0]) -> Painted:
        return paint_dog(size, facing, coat, floppy, p.light, legs, seed)

    placed = p.on_ground("dog", paint, min(2.1 * f, 0.4 * h), front=cast.at_table)
    if placed is None:
        return
    body, size = placed
    if cast.moving:
        # Two strides a second; the body rises a little at each of a stride's two steps.
        strides_per_frame = 2.0 / fps
        poses = {legs: body.image if legs == strides[0] else p.styled(paint(size, legs))[0] for legs in set(strides)}
        images = [poses[legs] for legs in strides]
        body.frames = lambda i: images[int(i * strides_per_frame * len(images)) % len(images)]
        lift = size * 0.02
        body.move = lambda i: camera.translation(0.0, -lift * abs(math.sin(2 * math.pi * i * strides_per_frame)))
    tail, (ax, ay) = p.styled(paint_dog_tail(size, facing, coat, p.light, seed))
    bx, by = dog_tail_base(size, facing)
    wag, per_second = (12.0, 2.0) if cast.moving else (26.0, 2.6)
    bob = body.move

    def wagging(i: int) -> Matrix:
        turn = _turn_about((ax, ay), -facing * wag * math.sin(2 * math.pi * per_second * i / fps))
        return turn if bob is None else camera.compose(bob(i), turn)

    x, y = body.x + bx + p.pad - ax, body.y + by + p.pad - ay
    # The tail goes right behind the body it wags from.
    p.placed.insert(p.placed.index(body), Placed("dog", tail, x, y, body.front, body.follow, move=wagging))


def _turn_about(point: tuple[float, float], degrees: float) -> Matrix:
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    px, py = point
    return np.array([[cos, -sin, px - cos * px + sin * py], [sin, cos, py - sin * px - cos * py]])


def _cat(p: Painter, cast: Cast) -> None:
    f, h = p.frame.face_size[1], p.frame.height
    coat = COATS[int(p.rng.integers(0, len(COATS)))]
    seed = p.seed()
    p.on_ground(
        "cat",
        lambda size: paint_cat(size, -p.frame.free, coat, p.light, seed),
        min(1.5 * f, 0.3 * h),
        front=cast.at_table,
        follow=Follow.STAY,
    )


def _friends(p: Painter, cast: Cast, fps: int) -> list[float]:
    """Friends beside the protagonist (further ones first); returns the x of each face placed."""
    (fx, fy), (fw, fh) = p.frame.face, p.frame.face_size
    colours = [CLOTHES[int(i)] for i in p.rng.permutation(len(CLOTHES))]
    slots = [(p.frame.free, k) for k in range(3)] + [(-p.frame.free, k) for k in range(2)]
    faces: list[float] = []
    paintings: list[tuple[Placed, float]] = []
    head = {side: body_edge(p.person, fy - 0.7 * fh, fy + 0.5 * fh, side) for side in (-1.0, 1.0)}
    for side, k in slots:
        if len(faces) == cast.friends:
            break
        face = fh * float(p.rng.uniform(0.88, 1.0))
        # Clear of the protagonist's head and hair, then side by side, shoulders overlapping a little.
        edge = head[side]
        first = fx + side * 2.3 * fw if edge is None else side * max(side * (fx + side * 2.3 * fw), side * edge + fw)
        head_x = first + side * 2.2 * k * fw * float(p.rng.uniform(0.95, 1.08))
        head_y = fy + fh * float(p.rng.uniform(-0.12, 0.1))
        if not fw * 0.3 < head_x < p.frame.width - fw * 0.3:
            continue
        look = random_look(p.rng, colours[len(faces)])
        painted = paint_friend(face, p.frame.height - head_y + 4, -side, look, p.light, p.seed())
        phase = float(p.rng.uniform(0, 2 * math.pi))
        figure = p.put("friends", painted, (head_x, head_y), move=_breath(face, fps, phase))
        if figure is not None:
            box = (head_x - 0.5 * face, head_y - 0.6 * face, head_x + 0.5 * face, head_y + 0.6 * face)
            p.frame = replace(p.frame, others=(*p.frame.others, box))
            faces.append(head_x)
            paintings.append((figure, abs(head_x - fx)))
    # Further friends are painted first, so nearer ones overlap them.
    order = sorted(paintings, key=lambda item: -item[1])
    rest = [f for f in p.placed if f.name != "friends"]
    p.placed[:] = [f for f, _ in order] + rest
    return faces


def _breath(face: float, fps: int, phase: float) -> Callable[[int], Matrix]:
    return lambda i: camera.translation(0.0, face * 0.012 * math.sin(2 * math.pi * i / fps / 3.8 + phase))


def _umbrella(p: Painter) -> None:
    """Held at the shoulder on the free side, its shaft beside the head and its canopy above the hair."""
    (fx, fy), (fw, fh) = p.frame.face, p.frame.face_size
    free = p.frame.free
    # A close-up has no room above the head: a smaller umbrella, held lower, shows its rim at the top edge.
    span = min((3.0 if p.frame.framing == Framing.CLOSE_UP else 4.4) * fh, p.frame.width * 0.9)
    canopy = PAINTWORK[int(p.rng.integers(0, len(PAINTWORK)))]
    # From the handle to the middle of the canopy's rim (figures.paint_umbrella); the rim clears the hair.
    rise = 0.69 * span
    handle = (fx + free * 1.0 * fw, fy - 1.15 * fh + rise)
    tilt = -free * math.degrees(math.atan2(0.3 * fw, rise))
    painted = paint_umbrella(span, tilt, canopy, p.light, p.weather == Weather.RAIN, p.seed())
    p.put("umbrella", painted, handle, follow=Follow.HELD)


def _table(p: Painter) -> float:
    """A table across the bottom of the frame; returns the y where things stand on it."""
    (_, fy), (_, fh) = p.frame.face, p.frame.face_size
    h, w = p.frame.height, p.frame.width
    top = min(max(fy + 2.1 * fh, 0.74 * h), 0.9 * h)
    depth = h * 0.07
    woods = ((0.46, 0.30, 0.19), (0.62, 0.46, 0.32), (0.86, 0.84, 0.80), (0.30, 0.22, 0.17))
    wood = woods[int(p.rng.integers(0, len(woods)))]
    overhang = round(w * 0.12)
    painted = paint_table(w + 2 * overhang, depth, h - top - depth + h * 0.1, wood, p.light, p.seed())
    image, (ax, ay) = p.styled(painted)
    p.placed.append(Placed("table", image, -overhang - ax, top - ay, front=True, follow=Follow.STAY))
    return top + depth * 0.6


def _on_table(p: Painter, cast: Cast, surface: float, friend_faces: Sequence[float]) -> None:
    (fx, _), (fw, fh) = p.frame.face, p.frame.face_size
    free = p.frame.free
    if "laptop" in cast.figures:
        laptop = paint_laptop(1.9 * fh, p.light, p.seed())
        p.put("laptop", laptop, (fx + free * 0.4 * fw, surface), front=True, follow=Follow.STAY)
    if "book" in cast.figures:
        cover = PAINTWORK[int(p.rng.integers(0, len(PAINTWORK)))]
        book = paint_book(0.35 * fh, cover, p.light, p.seed())
        p.put("book", book, (fx + free * 1.8 * fw, surface), front=True, follow=Follow.STAY)
    if "cup" in cast.figures:
        size = max(0.6 * fh, p.frame.height * 0.05)
        for x in (fx + free * 0.5 * fw, *(face + math.copysign(0.35 * fw, fx - face) for face in friend_faces)):
            p.put(
                "cup",
                paint_cup(size, False, p.light, p.seed(), steam=True),
                (x, surface),
                front=True,
                follow=Follow.STAY,
            )


def _in_hand(p: Painter, cast: Cast) -> None:
    (fx, fy), (fw, fh) = p.frame.face, p.frame.face_size
    h = p.frame.height
    x = fx + p.frame.free * 1.05 * fw
    if "cup" in cast.figures:
        size = max(0.72 * fh, h * 0.06)
        painted = paint_cup(size, not p.indoor, p.light, p.seed(), hand=p.hand)
        p.put("cup", painted, (x, min(fy + 2.0 * fh, h * 0.98)), front=True, follow=Follow.HELD)
        x += p.frame.free * 1.2 * fw
    if "book" in cast.figures:
        cover = PAINTWORK[int(p.rng.integers(0, len(PAINTWORK)))]
        painted = paint_book(0.8 * fh, cover, p.light, p.seed(), hand=p.hand)
        p.put("book", painted, (x, min(fy + 2.2 * fh, h * 0.98)), front=True, follow=Follow.HELD)


def _luggage(
    p: Painter, name: str, paint: Callable[[float, Colour, FigureLight, int], Painted], size: float, follow: Follow
) -> None:
    colour, seed = PAINTWORK[int(p.rng.integers(0, len(PAINTWORK)))], p.seed()
    p.on_ground(name, lambda height: paint(height, colour, p.light, seed), size, follow=follow)


def cast_figures(spec: ShotRenderSpec, cast: Cast, painter: Painter) -> list[Placed]:
    """Paint and place every figure of the cast; what does not fit beside the protagonist is left out."""
    f, h = painter.frame.face_size[1], painter.frame.height
    fw = painter.frame.face_size[0]
    painter.cursor = painter.frame.face[0] + painter.frame.free * 1.45 * fw
    friend_faces = _friends(painter, cast, spec.fps) if cast.friends else []
    if friend_faces and not cast.at_table:
        # Animals and things on the ground stand in front of the nearest friend, not on top of the protagonist.
        painter.cursor = friend_faces[0] - painter.frame.free * 0.5 * fw
    if "dog" in cast.figures:
        _dog(painter, cast, spec.fps)
    if "cat" in cast.figures:
        _cat(painter, cast)
    if "bicycle" in cast.figures:
        paint = painter.rng.integers(0, len(PAINTWORK))
        seed = painter.seed()
        painter.on_ground(
            "bicycle",
            lambda size: paint_bicycle(size, -painter.frame.free, PAINTWORK[int(paint)], painter.light, seed),
            min(3.6 * f, 0.55 * h),
        )
    if "suitcase" in cast.figures:
        _luggage(painter, "suitcase", paint_suitcase, min(2.4 * f, 0.42 * h), Follow.ALONGSIDE)
    if "bag" in cast.figures:
        _luggage(painter, "bag", paint_bag, min(1.5 * f, 0.26 * h), Follow.STAY)
    if "umbrella" in cast.figures:
        _umbrella(painter)
    held = [name for name in ("cup", "book", "laptop") if name in cast.figures]
    if held and (cast.at_table or "laptop" in held):
        surface = _table(painter)
        _on_table(painter, cast, surface, friend_faces)
        # Animals stand in front of the table, or they would vanish under it.
        painter.placed.sort(key=lambda fig: fig.front and fig.name in ("dog", "cat"))
    elif held:
        _in_hand(painter, cast)
    return painter.placed


# -- planes ---------------------------------------------------------------------------------------------------

LayerMatrices = Callable[..., list[Matrix]]
"""shot.py's matrices(depth, offset): per-frame affines of a layer at `depth` whose pixel (0, 0) sits at
canvas position `offset` (frame position plus the camera margin)."""


@dataclass
class Companions:
    behind: list[Plane]
    """Planes to draw right before the protagonist's (further ones first)."""
    front: list[Plane]
    """Planes to draw right after it."""
    drawn: list[str]
    """The figures that made it into the frame (names from FIGURES, plus "table")."""

    def insert_around(self, planes: list[Plane], person_image: np.ndarray) -> None:
        """Put the planes around the protagonist's plane (found by its image) in a shot's plane list."""
        at = next((i for i, plane in enumerate(planes) if plane.image is person_image), len(planes))
        planes[at:at] = self.behind
        at += len(self.behind) + 1
        planes[at:at] = self.front


class BodyPath(Protocol):
    """The protagonist's motion per frame, in frame pixels at rest (body_motion.BodyTrack)."""

    def matrix(self, index: int) -> np.ndarray: ...

    def offset(self, index: int) -> tuple[float, float, float]: ...


def _heading(track: BodyPath | None, frames: int, width: int) -> float:
    if track is None or frames < 2:
        return 0.0
    travel = track.offset(frames - 1)[0] - track.offset(0)[0]
    return math.copysign(1.0, travel) if abs(travel) > width * 0.01 else 0.0


def _motion(figure: Placed, track: BodyPath | None, index: int) -> Matrix:
    """Frame pixels at rest -> where the protagonist's motion takes this figure in frame `index`."""
    if track is None or figure.follow == Follow.STAY:
        return camera.translation(0.0, 0.0)
    if figure.follow == Follow.HELD:
        return track.matrix(index)
    return camera.translation(track.offset(index)[0], 0.0)


def _plane(
    figure: Placed, matrices: LayerMatrices, depth: float, margin: tuple[int, int], track: BodyPath | None
) -> Plane:
    if figure.move is None and (track is None or figure.follow == Follow.STAY):
        return Plane(figure.image, matrices(depth, (margin[0] + figure.x, margin[1] + figure.y)), frames=figure.frames)
    placement = []
    for i, m in enumerate(matrices(depth, margin)):
        at_rest = camera.translation(figure.x, figure.y)
        if figure.move is not None:
            at_rest = camera.compose(at_rest, figure.move(i))
        placement.append(camera.compose(m, camera.compose(_motion(figure, track, i), at_rest)))
    return Plane(figure.image, placement, frames=figure.frames)


def figure_styler(grader: Grader, frame_size: tuple[int, int]) -> Callable[[np.ndarray], np.ndarray]:
    """Styles a figure like the scene: graded, then, in a look the network paints, painted like the layers."""
    if not painted_by_network(grader.preset):
        return grader.stylise
    return lambda image: paint_figure(grader.preset, grader.stylise(image), frame_size)


def companion_planes(
    spec: ShotRenderSpec,
    person: PersonSprite,
    scene: SceneLayers,
    light: Lighting,
    grader: Grader,
    matrices: LayerMatrices,
    margin: tuple[int, int],
    depth: float,
    person_track: BodyPath | None = None,
) -> Companions:
    """The figures the shot names, as planes around the protagonist's.

    `matrices(depth, offset)` places a layer (shot.py's camera placement); `depth` is the protagonist's.
    `person_track` is the protagonist's motion per frame: a dog and friends keep pace with it across the frame,
    what the protagonist holds moves with the body; without it they stay where they are placed.
    """
    cast = cast_for(spec)
    if not cast.figures:
        return Companions([], [], [])
    heading = _heading(person_track, len(matrices(depth)), spec.width)
    if person_track is not None:
        # The body's own motion has the last word on whether the protagonist goes anywhere.
        cast = replace(cast, moving=heading != 0)
    frame = Frame(spec.width, spec.height, person.face_centre, person.face_size, spec.shot.framing)
    lighting = figure_light(light, scene.indoor, scene.key_side)
    skin, sleeve = hand_colours(person, frame)
    painter = Painter(
        frame,
        person,
        lighting,
        grader,
        rng_for(spec.seed, spec.shot.id, "companions"),
        scene.indoor,
        spec.shot.weather,
        (unlit(skin, lighting), unlit(sleeve, lighting)),
        heading=heading,
        styler=figure_styler(grader, (spec.width, spec.height)),
    )
    placed = cast_figures(spec, cast, painter)
    nearer = min(1.0, depth + 0.08)
    behind = [_plane(f, matrices, depth, margin, person_track) for f in placed if not f.front]
    front = [
        _plane(f, matrices, depth if f.follow != Follow.STAY else nearer, margin, person_track)
        for f in placed
        if f.front
    ]
    return Companions(behind, front, list(dict.fromkeys(f.name for f in placed)))
