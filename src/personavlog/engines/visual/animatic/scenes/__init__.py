"""One painter per LocationKind; each returns lit far/mid/near layers for the shot's light."""

from __future__ import annotations

from collections.abc import Callable

from personavlog.engines.visual.animatic.scenes import interiors, nature, stage, urban
from personavlog.engines.visual.animatic.scenes.base import Pulse, SceneContext, SceneLayers
from personavlog.schema import LocationKind

ScenePainter = Callable[[SceneContext], SceneLayers]

PAINTERS: dict[LocationKind, ScenePainter] = {
    LocationKind.CITY_STREET: urban.city_street,
    LocationKind.NIGHT_MARKET: urban.night_market,
    LocationKind.SNOWY_VILLAGE: urban.snowy_village,
    LocationKind.BEACH: nature.beach,
    LocationKind.FOREST: nature.forest,
    LocationKind.MOUNTAINS: nature.mountains,
    LocationKind.LAKE: nature.lake,
    LocationKind.DESERT: nature.desert,
    LocationKind.PARK: nature.park,
    LocationKind.CAFE: interiors.cafe,
    LocationKind.HOME: interiors.home,
    LocationKind.OFFICE: interiors.office,
    LocationKind.TRANSIT: interiors.transit,
    LocationKind.STAGE: stage.stage,
}


def paint_scene(kind: LocationKind | str, ctx: SceneContext) -> SceneLayers:
    return PAINTERS[LocationKind(kind)](ctx)


__all__ = ["PAINTERS", "Pulse", "SceneContext", "SceneLayers", "paint_scene"]
