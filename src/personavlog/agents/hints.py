"""What a theme already says about the closed-vocabulary fields (a rainy theme rains, a night market is at night).

The storyboard agent narrows its grammar's enums to these values, so a small model cannot film a
"rainy afternoon" in the snow at dawn.
"""

from __future__ import annotations

import re

from personavlog.agents.text import words
from personavlog.schema import LocationKind, TimeOfDay, Weather

_WEATHER: dict[str, tuple[Weather, ...]] = {
    "rain": (Weather.RAIN, Weather.CLOUDS),
    "storm": (Weather.RAIN, Weather.WIND),
    "drizzl": (Weather.RAIN, Weather.CLOUDS),
    "snow": (Weather.SNOW, Weather.CLOUDS),
    "ski": (Weather.SNOW, Weather.CLEAR),
    "skiing": (Weather.SNOW, Weather.CLEAR),
    "winter": (Weather.SNOW, Weather.CLOUDS, Weather.CLEAR),
    "fog": (Weather.FOG,),
    "foggy": (Weather.FOG,),
    "mist": (Weather.FOG, Weather.CLOUDS),
    "wind": (Weather.WIND, Weather.CLOUDS),
    "sunny": (Weather.CLEAR,),
    "summer": (Weather.CLEAR,),
    "desert": (Weather.CLEAR, Weather.WIND),
}
_TIME: dict[str, tuple[TimeOfDay, ...]] = {
    "night": (TimeOfDay.NIGHT, TimeOfDay.DUSK),
    "midnight": (TimeOfDay.NIGHT,),
    "evening": (TimeOfDay.DUSK, TimeOfDay.NIGHT),
    "dusk": (TimeOfDay.DUSK,),
    "sunset": (TimeOfDay.GOLDEN_HOUR, TimeOfDay.DUSK),
    "dawn": (TimeOfDay.DAWN,),
    "sunrise": (TimeOfDay.DAWN, TimeOfDay.GOLDEN_HOUR),
    "morning": (TimeOfDay.DAWN, TimeOfDay.DAY),
    "afternoon": (TimeOfDay.DAY, TimeOfDay.GOLDEN_HOUR),
    "noon": (TimeOfDay.DAY,),
}
_PLACE: dict[str, tuple[LocationKind, ...]] = {
    "cafe": (LocationKind.CAFE, LocationKind.CITY_STREET),
    "coffee": (LocationKind.CAFE, LocationKind.CITY_STREET),
    "restaurant": (LocationKind.CAFE, LocationKind.CITY_STREET),
    "beach": (LocationKind.BEACH,),
    "sea": (LocationKind.BEACH,),
    "harbour": (LocationKind.BEACH, LocationKind.CITY_STREET),
    "harbor": (LocationKind.BEACH, LocationKind.CITY_STREET),
    "surf": (LocationKind.BEACH,),
    "surfing": (LocationKind.BEACH,),
    "ski": (LocationKind.MOUNTAINS, LocationKind.SNOWY_VILLAGE),
    "skiing": (LocationKind.MOUNTAINS, LocationKind.SNOWY_VILLAGE),
    "mountain": (LocationKind.MOUNTAINS, LocationKind.FOREST),
    "hike": (LocationKind.MOUNTAINS, LocationKind.FOREST),
    "hiking": (LocationKind.MOUNTAINS, LocationKind.FOREST),
    "forest": (LocationKind.FOREST,),
    "woods": (LocationKind.FOREST,),
    "lake": (LocationKind.LAKE, LocationKind.FOREST),
    "desert": (LocationKind.DESERT,),
    "village": (LocationKind.SNOWY_VILLAGE, LocationKind.CITY_STREET),
    "market": (LocationKind.NIGHT_MARKET, LocationKind.CITY_STREET),
    "train": (LocationKind.TRANSIT, LocationKind.CITY_STREET),
    "subway": (LocationKind.TRANSIT, LocationKind.CITY_STREET),
    "airport": (LocationKind.TRANSIT,),
    "bus": (LocationKind.TRANSIT, LocationKind.CITY_STREET),
    "commute": (LocationKind.TRANSIT, LocationKind.CITY_STREET, LocationKind.OFFICE),
    "park": (LocationKind.PARK,),
    "garden": (LocationKind.PARK, LocationKind.HOME),
    "office": (LocationKind.OFFICE, LocationKind.CITY_STREET),
    "job": (LocationKind.OFFICE, LocationKind.CITY_STREET, LocationKind.TRANSIT),
    "work": (LocationKind.OFFICE, LocationKind.CITY_STREET, LocationKind.TRANSIT),
    "kitchen": (LocationKind.HOME,),
    "home": (LocationKind.HOME,),
    "cooking": (LocationKind.HOME, LocationKind.NIGHT_MARKET),
    "concert": (LocationKind.STAGE, LocationKind.CITY_STREET),
    "marathon": (LocationKind.CITY_STREET, LocationKind.PARK),
    "festival": (LocationKind.STAGE, LocationKind.CITY_STREET, LocationKind.NIGHT_MARKET),
    "city": (LocationKind.CITY_STREET, LocationKind.CAFE, LocationKind.TRANSIT),
    "street": (LocationKind.CITY_STREET,),
}


_SUFFIXES = ("", "s", "es", "y", "ed", "er", "ers", "side")


_FALSE_FRIENDS = frozenset({"training", "trainer", "trainee", "marketing"})
"""Words that begin with a key and name something else ("training" for a marathon is not a train)."""


def _hit(word: str, key: str) -> bool:
    if word in _FALSE_FRIENDS:
        return False
    if len(key) >= 5:
        return word.startswith(key)
    return any(word == key + suffix for suffix in _SUFFIXES)


def _place_words(text: str) -> list[str]:
    """The text's words, lower case, without a street of "street food" (sold at a stall, not a street)."""
    found = [w.lower().replace("é", "e") for w in words(text)]
    return [w for w, after in zip(found, [*found[1:], ""], strict=False) if (w, after) != ("street", "food")]


def _matches(theme: str, table: dict[str, tuple]) -> list:
    theme_words = _place_words(theme)
    found: list = []
    for key, values in table.items():
        if any(_hit(word, key) for word in theme_words):
            found.extend(v for v in values if v not in found)
    return found


def allowed_weather(theme: str) -> list[Weather]:
    return _matches(theme, _WEATHER) or list(Weather)


def allowed_times(theme: str) -> list[TimeOfDay]:
    return _matches(theme, _TIME) or list(TimeOfDay)


# Genres (from agents.music.GENRES) that suit a theme's words or a style; the music agent's grammar picks among them.
_GENRE: dict[str, tuple[str, ...]] = {
    "cafe": ("jazz", "bossa nova", "chamber pop", "acoustic folk"),
    "coffee": ("jazz", "bossa nova", "lo-fi hip hop"),
    "paris": ("jazz", "chamber pop", "bossa nova"),
    "rain": ("lo-fi hip hop", "piano ballad", "ambient", "jazz"),
    "snow": ("ambient", "indie pop", "piano ballad", "celtic folk"),
    "ski": ("indie pop", "electronic dance", "rock"),
    "winter": ("ambient", "piano ballad", "celtic folk"),
    "market": ("city pop", "world music", "lo-fi hip hop", "funk"),
    "night": ("city pop", "synthwave", "lo-fi hip hop", "jazz"),
    "city": ("city pop", "lo-fi hip hop", "indie pop", "synthwave"),
    "tokyo": ("city pop", "synthwave", "lo-fi hip hop"),
    "festival": ("electronic dance", "indie pop", "latin", "reggae", "funk"),
    "party": ("electronic dance", "funk", "latin"),
    "beach": ("reggae", "bossa nova", "indie pop", "latin"),
    "summer": ("indie pop", "reggae", "latin", "bossa nova"),
    "concert": ("rock", "indie pop", "electronic dance"),
    "cooking": ("chamber pop", "acoustic folk", "jazz", "bossa nova"),
    "kitchen": ("chamber pop", "acoustic folk", "jazz"),
    "grandma": ("chamber pop", "acoustic folk", "piano ballad"),
    "family": ("chamber pop", "acoustic folk", "piano ballad"),
    "job": ("lo-fi hip hop", "indie pop", "ambient"),
    "office": ("lo-fi hip hop", "ambient", "indie pop"),
    "work": ("lo-fi hip hop", "indie pop", "ambient"),
    "run": ("rock", "electronic dance", "cinematic orchestral"),
    "marathon": ("cinematic orchestral", "rock", "electronic dance"),
    "sport": ("rock", "electronic dance", "funk"),
    "mountain": ("cinematic orchestral", "celtic folk", "post-rock", "acoustic folk"),
    "hike": ("acoustic folk", "post-rock", "celtic folk"),
    "forest": ("ambient", "acoustic folk", "celtic folk"),
    "sea": ("ambient", "acoustic folk", "post-rock"),
    "harbour": ("acoustic folk", "world music", "celtic folk"),
    "travel": ("indie pop", "world music", "acoustic folk"),
    "wedding": ("classical", "piano ballad", "chamber pop"),
    "church": ("gospel", "classical"),
    "game": ("chiptune", "synthwave", "electronic dance"),
    "memory": ("piano ballad", "ambient", "classical"),
    "childhood": ("piano ballad", "chamber pop", "acoustic folk"),
}
_STYLE_GENRE: dict[str, tuple[str, ...]] = {
    "anime": ("city pop", "indie pop", "piano ballad"),
    "cinematic": ("cinematic orchestral", "post-rock", "piano ballad"),
    "documentary": ("ambient", "acoustic folk", "classical"),
    "watercolor": ("chamber pop", "acoustic folk", "piano ballad"),
    "film 35mm": ("indie pop", "jazz", "acoustic folk"),
}


def allowed_genres(theme: str, style: str, genres: tuple[str, ...]) -> list[str]:
    """The genres the theme suggests; else the style's; every genre when neither says anything."""
    for found in (_matches(theme, _GENRE), list(_STYLE_GENRE.get(style, ()))):
        ordered = [g for g in found if g in genres]
        if ordered:
            return ordered
    return list(genres)


# Words that name a kind of place in a shot's location, beyond the theme words above.
_LOCATION_WORDS: dict[str, tuple[LocationKind, ...]] = {
    "snow": (LocationKind.SNOWY_VILLAGE, LocationKind.MOUNTAINS),
    "snowy": (LocationKind.SNOWY_VILLAGE, LocationKind.MOUNTAINS),
    "station": (LocationKind.TRANSIT,),
    "platform": (LocationKind.TRANSIT,),
    "bar": (LocationKind.CAFE,),
    "bakery": (LocationKind.CAFE, LocationKind.CITY_STREET),
    "room": (LocationKind.HOME,),
    "bedroom": (LocationKind.HOME,),
    "apartment": (LocationKind.HOME,),
    "peak": (LocationKind.MOUNTAINS,),
    "summit": (LocationKind.MOUNTAINS,),
    "river": (LocationKind.LAKE,),
    "shore": (LocationKind.BEACH, LocationKind.LAKE),
    "coast": (LocationKind.BEACH,),
    "stall": (LocationKind.NIGHT_MARKET,),
    "stage": (LocationKind.STAGE,),
    "square": (LocationKind.CITY_STREET,),
    "alley": (LocationKind.CITY_STREET,),
    "town": (LocationKind.CITY_STREET,),
    "dune": (LocationKind.DESERT,),
    "library": (LocationKind.OFFICE,),
    "classroom": (LocationKind.OFFICE,),
    "pavement": (LocationKind.CITY_STREET,),
    "sidewalk": (LocationKind.CITY_STREET,),
}


def place_votes(text: str) -> dict[LocationKind, int]:
    """Votes of a text's words for kinds of place: two for the kind a word names first, one for the others (a café
    is a café's room before it is the street outside it)."""
    votes: dict[LocationKind, int] = {}
    found = _place_words(text)
    for table in (_PLACE, _LOCATION_WORDS):
        for key, kinds in table.items():
            if any(_hit(word, key) for word in found):
                for rank, kind in enumerate(kinds):
                    votes[kind] = votes.get(kind, 0) + (2 if rank == 0 else 1)
    return votes


_HEAD_ENDS = re.compile(
    r",|\b(?:in|on|at|near|by|with|behind|outside|beside|next|along|across|over|overlooking|under|from|through"
    r"|around|inside|off|beyond|above|below|between|facing|where|while|and)\b",
    re.IGNORECASE,
)
"""Words that end a location's head, the place itself, and begin where it is ("a park | near the station"); "of"
does not ("the shore of a lake" is at the lake)."""


def implied_places(location: str, action: str = "") -> list[LocationKind]:
    """The kinds of place a shot's words name most ("the snowy village square" → snowy_village; "the street
    outside the café" → city_street; "a table in a Paris café" → cafe); empty when they name none.

    The location names the place, its head first: the words before "in", "near", "with"… ("a park near the train
    station" is a park); where the head names no kind, the whole location. The action's words ("walks along the
    street") only settle what the location leaves open: a tie between kinds, or a location that names none."""
    written = place_votes(_HEAD_ENDS.split(location, maxsplit=1)[0]) or place_votes(location)
    if not written:
        written, action = place_votes(action), ""
    most = max(written.values(), default=0)
    tied = [kind for kind, count in written.items() if count == most]
    if len(tied) > 1 and action:
        acted = place_votes(action)
        best = max(acted.get(kind, 0) for kind in tied)
        tied = [kind for kind in tied if acted.get(kind, 0) == best]
    return tied
