"""Where each shot is filmed, planned from the theme and the story's sentences (real MiniLM embedding)."""

from __future__ import annotations

from personavlog.agents.hints import implied_places
from personavlog.agents.place_plan import NEARBY, OPENINGS, anchor_place, one_room, opening, plan_places
from personavlog.schema import LocationKind, Story
from stories import FOREST_WALK

KITCHEN_BAKE = Story(
    title="Dough at Dawn",
    logline="I bake my first loaf of bread in my small kitchen before sunrise.",
    beats=[
        "Flour dusts the small kitchen table as I knead the dough.",
        "The dough rises slowly under a towel by the warm oven.",
        "I slide the loaf into the oven and wait, watching through the glass.",
        "I break the warm crust and eat the first slice at the table.",
    ],
)


def test_a_walk_opens_where_the_theme_is_and_moves_through_three_nearby_places() -> None:
    places = plan_places("a foggy morning walk in the forest", FOREST_WALK, 5)
    assert len(places) == 5 and places[0] == places[1] == LocationKind.FOREST
    assert len(set(places)) >= 3, places
    assert set(places) <= {LocationKind.FOREST, *NEARBY[LocationKind.FOREST]}
    assert LocationKind.MOUNTAINS in places and LocationKind.LAKE in places, "each beat goes where its words are"


def test_a_theme_bound_to_one_room_stays_there_unless_a_beat_leaves_it() -> None:
    theme = "baking bread at dawn in a small kitchen"
    assert one_room(theme) and not one_room("a foggy morning walk in the forest")
    assert plan_places(theme, KITCHEN_BAKE, 5) == [LocationKind.HOME] * 5
    errand = KITCHEN_BAKE.model_copy(
        update={"beats": [*KITCHEN_BAKE.beats[:2], "I run down the street to the corner shop for more flour.",
                          KITCHEN_BAKE.beats[3]]}
    )  # fmt: skip
    assert plan_places(theme, errand, 5) == [LocationKind.HOME] * 3 + [LocationKind.CITY_STREET, LocationKind.HOME]


def test_the_anchor_is_the_place_the_theme_names() -> None:
    plain = Story(title="A day out", logline="I spend the day out.", beats=["I go out.", "I look around.", "I go."])
    assert anchor_place("a surfing lesson on a windy beach", plain) == LocationKind.BEACH
    assert anchor_place("a street food crawl at a night market", plain) == LocationKind.NIGHT_MARKET, "where it is"
    assert anchor_place("a neon-lit night in Tokyo", plain) == LocationKind.CITY_STREET, "a named city is its streets"
    assert anchor_place("training for my first marathon", plain) == LocationKind.CITY_STREET, "training is no train"
    assert implied_places("training for my first marathon") == [LocationKind.CITY_STREET]


def test_shorter_vlogs_want_fewer_places_and_every_shot_gets_one() -> None:
    places = plan_places("a foggy morning walk in the forest", FOREST_WALK, 3)
    assert len(places) == 3 and places[0] == LocationKind.FOREST and len(set(places)) >= 2, places
    long = plan_places("a foggy morning walk in the forest", FOREST_WALK, 24)
    assert len(long) == 24 and long[:6] == [LocationKind.FOREST] * 6


def test_each_kinds_openings_name_that_kind_and_only_moved_shots_open_with_one() -> None:
    for kind, openings in OPENINGS.items():
        for words in openings:
            assert implied_places(words) == [kind], (kind, words)
    assert set(OPENINGS) == set(LocationKind)
    kinds = [LocationKind.FOREST, LocationKind.FOREST, LocationKind.LAKE, LocationKind.LAKE, LocationKind.PARK]
    openings = [opening("a forest walk", kinds, i) for i in range(len(kinds))]
    assert openings[:2] == [None, None]
    assert openings[2] != openings[3]
    assert [implied_places(o) for o in openings[2:]] == [[k] for k in kinds[2:]]
