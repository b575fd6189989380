"""What every scene painter receives and returns, and how painted canvases become lit layers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from personavlog.engines.visual.animatic.light import Colour, Lighting
from personavlog.engines.visual.animatic.paint import Canvas, finish, mix, scale, to_u8
from personavlog.schema import Weather


@dataclass
class SceneContext:
    width: int
    height: int
    light: Lighting
    rng: np.random.Generator
    subject_x: float
    """Canvas x of the protagonist's face: keep the busiest props away from it."""

    @property
    def unit(self) -> float:
        return float(min(self.width, self.height))

    @property
    def subject_side(self) -> float:
        """-1 when the protagonist stands left of centre, +1 when right."""
        return -1.0 if self.subject_x < self.width / 2 else 1.0

    @property
    def free_side(self) -> float:
        return -self.subject_side

    @property
    def snowing(self) -> bool:
        return self.light.weather == Weather.SNOW

    @property
    def raining(self) -> bool:
        return self.light.weather == Weather.RAIN

    def canvas(self) -> Canvas:
        return Canvas(self.width, self.height)

    def side_x(self, side: float, inset: float) -> float:
        """x at `inset` (0..0.5 of the width) from the left (side -1) or right (side +1) edge."""
        return self.width * inset if side < 0 else self.width * (1 - inset)


@dataclass
class Pulse:
    """An additive light layer whose strength oscillates (stage beams, flickering lanterns)."""

    rgba: np.ndarray
    depth: float
    period_s: float
    phase: float
    low: float = 0.3
    high: float = 1.0


@dataclass
class SceneLayers:
    back: np.ndarray
    """Opaque RGBA: sky and everything far away."""
    mid: np.ndarray | None
    near: np.ndarray | None
    indoor: bool = False
    back_drift: float = 0.0
    """Horizontal scroll of the back layer in canvas px per second (the view from a moving train)."""
    key_light: Colour = (1.0, 1.0, 1.0)
    rim_light: Colour = (1.0, 1.0, 1.0)
    key_side: float = -1.0
    ambient_level: float = 0.6
    pulses: list[Pulse] = field(default_factory=list)


def _opaque(rgb: np.ndarray) -> np.ndarray:
    out = np.empty((*rgb.shape[:2], 4), np.uint8)
    out[..., :3] = to_u8(rgb)
    out[..., 3] = 255
    return out


def over(bottom_rgb: np.ndarray, top_premult: np.ndarray) -> np.ndarray:
    """Float RGB 0..1 of `top` (premultiplied RGBA uint8) composited over `bottom`."""
    top = top_premult.astype(np.float32) / 255.0
    return top[..., :3] + bottom_rgb * (1.0 - top[..., 3:4])


def lit(
    canvas: Canvas,
    ctx: SceneContext,
    direct: Colour,
    ambient: Colour,
    haze_amount: float,
    lights_on: float | None = None,
    haze: Colour | None = None,
    texture: float = 0.06,
) -> np.ndarray | None:
    if not canvas.has_content():
        return None
    light = ctx.light
    return finish(
        canvas,
        direct,
        ambient,
        haze if haze is not None else light.haze,
        min(0.9, haze_amount),
        light.shadow_strength,
        light.lights_on if lights_on is None else lights_on,
        ctx.rng,
        texture=texture,
    )


def outdoor_layers(
    ctx: SceneContext,
    sky: np.ndarray,
    far: Canvas,
    mid: Canvas,
    near: Canvas,
    lights_on: float | None = None,
    back_rgb: np.ndarray | None = None,
) -> SceneLayers:
    """Light three depth planes with the scene's light, hazier the further away they are."""
    light = ctx.light
    h = light.haze_amount
    if back_rgb is None:
        far_lit = lit(far, ctx, light.direct, light.ambient, 0.30 + 1.3 * h, lights_on)
        back_rgb = sky if far_lit is None else over(sky, far_lit)
    mid_lit = lit(mid, ctx, light.direct, light.ambient, 0.05 + 0.75 * h, lights_on)
    near_lit = lit(near, ctx, light.direct, light.ambient, 0.25 * h, lights_on)
    return SceneLayers(
        back=_opaque(back_rgb),
        mid=mid_lit,
        near=near_lit,
        key_light=mix(light.direct, light.ambient, 0.35),
        rim_light=mix(light.sun_colour, light.direct, 0.5),
        key_side=light.sun_side,
        ambient_level=float(np.mean(light.ambient) + np.mean(light.direct) * 0.6),
    )


def far_lit_rgb(
    ctx: SceneContext, sky: np.ndarray, far: Canvas, lights_on: float | None = None, extra_haze: float = 0.0
) -> np.ndarray:
    light = ctx.light
    far_lit = lit(far, ctx, light.direct, light.ambient, 0.30 + 1.3 * light.haze_amount + extra_haze, lights_on)
    return sky if far_lit is None else over(sky, far_lit)


def indoor_layers(ctx: SceneContext, outside_rgb: np.ndarray, room: Canvas, front: Canvas, lamps: float) -> SceneLayers:
    """Interiors: the outside world (through windows) keeps the daylight; the room has its own light."""
    light = ctx.light
    direct = mix(light.indoor_direct, light.direct, 0.25)
    direct = scale(direct, 0.38 + 0.2 * (1 - light.lights_on))
    ambient = scale(light.indoor_ambient, 0.82)
    warm_haze = mix(light.indoor_ambient, light.indoor_direct, 0.5)
    room_lit = lit(room, ctx, direct, ambient, 0.04, lamps, haze=warm_haze, texture=0.05)
    front_lit = lit(front, ctx, direct, ambient, 0.0, lamps, haze=warm_haze, texture=0.05)
    key = mix(light.indoor_direct, (1.0, 1.0, 1.0), 0.3)
    return SceneLayers(
        back=_opaque(outside_rgb),
        mid=room_lit,
        near=front_lit,
        indoor=True,
        key_light=key,
        rim_light=mix(light.sky_horizon, light.direct, 0.5),
        key_side=light.sun_side,
        ambient_level=float(np.mean(ambient) + np.mean(direct) * 0.6),
    )
