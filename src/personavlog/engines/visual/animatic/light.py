"""Time of day and weather as light: sky colours, sun, key/ambient light, haze, shadows, practical lights."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from personavlog.schema import TimeOfDay, Weather

Colour = tuple[float, float, float]


@dataclass(frozen=True)
class Lighting:
    time: TimeOfDay
    weather: Weather
    sky_top: Colour
    sky_mid: Colour
    sky_horizon: Colour
    sun_x: float
    """Horizontal position of the sun/moon, 0..1 of the sky width."""
    sun_y: float
    """Height above the horizon, 0 (on it) .. 1 (top of the sky); negative: below the horizon."""
    sun_colour: Colour
    moon: bool
    direct: Colour
    ambient: Colour
    haze: Colour
    haze_amount: float
    shadow_dir: float
    """Horizontal direction shadows fall in: -1 to the left, +1 to the right."""
    shadow_length: float
    shadow_strength: float
    lights_on: float
    """How bright practical lights (windows, lamps, lanterns) are, 0..1."""
    stars: float
    cloud_cover: float
    indoor_direct: Colour
    indoor_ambient: Colour

    @property
    def sun_side(self) -> float:
        return -self.shadow_dir

    @property
    def is_dark(self) -> bool:
        return self.time in (TimeOfDay.DUSK, TimeOfDay.NIGHT)


_BASE: dict[TimeOfDay, Lighting] = {
    TimeOfDay.DAWN: Lighting(
        TimeOfDay.DAWN,
        Weather.CLEAR,
        sky_top=(0.26, 0.32, 0.56),
        sky_mid=(0.66, 0.56, 0.70),
        sky_horizon=(1.0, 0.74, 0.58),
        sun_x=0.24,
        sun_y=0.08,
        sun_colour=(1.0, 0.86, 0.66),
        moon=False,
        direct=(0.95, 0.70, 0.60),
        ambient=(0.45, 0.45, 0.60),
        haze=(0.93, 0.74, 0.70),
        haze_amount=0.18,
        shadow_dir=1.0,
        shadow_length=1.6,
        shadow_strength=0.45,
        lights_on=0.35,
        stars=0.15,
        cloud_cover=0.25,
        indoor_direct=(0.95, 0.78, 0.70),
        indoor_ambient=(0.50, 0.48, 0.55),
    ),
    TimeOfDay.DAY: Lighting(
        TimeOfDay.DAY,
        Weather.CLEAR,
        sky_top=(0.20, 0.47, 0.85),
        sky_mid=(0.45, 0.69, 0.94),
        sky_horizon=(0.80, 0.90, 0.97),
        sun_x=0.74,
        sun_y=0.78,
        sun_colour=(1.0, 0.98, 0.92),
        moon=False,
        direct=(1.0, 0.97, 0.90),
        ambient=(0.50, 0.56, 0.66),
        haze=(0.76, 0.85, 0.94),
        haze_amount=0.10,
        shadow_dir=-0.6,
        shadow_length=0.35,
        shadow_strength=0.55,
        lights_on=0.0,
        stars=0.0,
        cloud_cover=0.25,
        indoor_direct=(1.0, 0.97, 0.92),
        indoor_ambient=(0.62, 0.62, 0.64),
    ),
    TimeOfDay.GOLDEN_HOUR: Lighting(
        TimeOfDay.GOLDEN_HOUR,
        Weather.CLEAR,
        sky_top=(0.30, 0.42, 0.68),
        sky_mid=(0.88, 0.64, 0.52),
        sky_horizon=(1.0, 0.76, 0.40),
        sun_x=0.76,
        sun_y=0.14,
        sun_colour=(1.0, 0.82, 0.50),
        moon=False,
        direct=(1.05, 0.74, 0.44),
        ambient=(0.46, 0.40, 0.50),
        haze=(1.0, 0.78, 0.55),
        haze_amount=0.16,
        shadow_dir=-1.0,
        shadow_length=2.0,
        shadow_strength=0.55,
        lights_on=0.2,
        stars=0.0,
        cloud_cover=0.3,
        indoor_direct=(1.05, 0.78, 0.52),
        indoor_ambient=(0.52, 0.44, 0.44),
    ),
    TimeOfDay.DUSK: Lighting(
        TimeOfDay.DUSK,
        Weather.CLEAR,
        sky_top=(0.10, 0.12, 0.30),
        sky_mid=(0.44, 0.29, 0.50),
        sky_horizon=(0.96, 0.52, 0.42),
        sun_x=0.80,
        sun_y=-0.04,
        sun_colour=(1.0, 0.55, 0.40),
        moon=False,
        direct=(0.55, 0.36, 0.44),
        ambient=(0.30, 0.28, 0.45),
        haze=(0.58, 0.40, 0.52),
        haze_amount=0.18,
        shadow_dir=-1.0,
        shadow_length=2.5,
        shadow_strength=0.25,
        lights_on=0.8,
        stars=0.35,
        cloud_cover=0.3,
        indoor_direct=(0.95, 0.70, 0.50),
        indoor_ambient=(0.36, 0.30, 0.38),
    ),
    TimeOfDay.NIGHT: Lighting(
        TimeOfDay.NIGHT,
        Weather.CLEAR,
        sky_top=(0.02, 0.03, 0.09),
        sky_mid=(0.04, 0.07, 0.17),
        sky_horizon=(0.11, 0.15, 0.29),
        sun_x=0.72,
        sun_y=0.72,
        sun_colour=(0.92, 0.94, 1.0),
        moon=True,
        direct=(0.30, 0.36, 0.55),
        ambient=(0.15, 0.17, 0.29),
        haze=(0.10, 0.13, 0.25),
        haze_amount=0.12,
        shadow_dir=-0.3,
        shadow_length=0.8,
        shadow_strength=0.3,
        lights_on=1.0,
        stars=1.0,
        cloud_cover=0.15,
        indoor_direct=(0.95, 0.68, 0.45),
        indoor_ambient=(0.26, 0.22, 0.28),
    ),
}


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    red, green, blue = (float(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return red, green, blue


def _scale(a: Colour, k: float) -> Colour:
    red, green, blue = (float(x * k) for x in a)
    return red, green, blue


def _luma(a: Colour) -> float:
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]


def _grey(a: Colour, tint: Colour = (1.0, 1.0, 1.0)) -> Colour:
    lum = _luma(a)
    return (lum * tint[0], lum * tint[1], lum * tint[2])


def lighting_for(time: TimeOfDay, weather: Weather) -> Lighting:
    base = replace(_BASE[time], weather=weather)
    if weather == Weather.CLEAR:
        return base
    if weather == Weather.WIND:
        return replace(base, cloud_cover=max(base.cloud_cover, 0.45), haze_amount=base.haze_amount + 0.04)
    if weather == Weather.CLOUDS:
        return replace(
            base,
            sky_top=_mix(base.sky_top, _grey(base.sky_top), 0.45),
            sky_mid=_mix(base.sky_mid, _grey(base.sky_mid), 0.45),
            sky_horizon=_mix(base.sky_horizon, _grey(base.sky_horizon), 0.35),
            direct=_scale(base.direct, 0.6),
            ambient=_scale(base.ambient, 1.12),
            shadow_strength=base.shadow_strength * 0.5,
            cloud_cover=0.75,
            stars=base.stars * 0.3,
        )
    overcast = (0.40, 0.43, 0.48)
    if weather == Weather.RAIN:
        dim = 0.55 if base.is_dark else 1.0
        return replace(
            base,
            sky_top=_mix(base.sky_top, _scale(overcast, 0.6 * dim), 0.8),
            sky_mid=_mix(base.sky_mid, _scale(overcast, 0.85 * dim), 0.8),
            sky_horizon=_mix(base.sky_horizon, _scale(overcast, 1.15 * dim), 0.75),
            direct=_scale(base.direct, 0.3),
            ambient=_scale(base.ambient, 0.85),
            haze=_mix(base.haze, _scale(overcast, dim), 0.7),
            haze_amount=base.haze_amount + 0.22,
            shadow_strength=0.08,
            lights_on=min(1.0, base.lights_on + 0.4),
            stars=0.0,
            cloud_cover=1.0,
            sun_colour=_mix(base.sun_colour, overcast, 0.8),
        )
    if weather == Weather.SNOW:
        pale = (0.78, 0.81, 0.87)
        dim = 0.45 if base.is_dark else 1.0
        return replace(
            base,
            sky_top=_mix(base.sky_top, _scale(pale, 0.75 * dim), 0.7),
            sky_mid=_mix(base.sky_mid, _scale(pale, 0.9 * dim), 0.7),
            sky_horizon=_mix(base.sky_horizon, _scale(pale, dim), 0.7),
            direct=_scale(base.direct, 0.45),
            ambient=_mix(base.ambient, _scale((0.62, 0.68, 0.8), dim), 0.5),
            haze=_mix(base.haze, _scale(pale, dim), 0.7),
            haze_amount=base.haze_amount + 0.25,
            shadow_strength=0.12,
            lights_on=min(1.0, base.lights_on + 0.25),
            stars=0.0,
            cloud_cover=1.0,
        )
    # Fog: everything sinks into a bright, soft veil (a dark one at night).
    veil = _mix(base.haze, (0.80, 0.82, 0.84) if not base.is_dark else (0.20, 0.22, 0.28), 0.6)
    return replace(
        base,
        sky_top=_mix(base.sky_top, veil, 0.55),
        sky_mid=_mix(base.sky_mid, veil, 0.75),
        sky_horizon=_mix(base.sky_horizon, veil, 0.9),
        direct=_scale(base.direct, 0.5),
        haze=veil,
        haze_amount=base.haze_amount + 0.42,
        shadow_strength=0.1,
        stars=0.0,
        cloud_cover=0.2,
        lights_on=min(1.0, base.lights_on + 0.15),
    )


def as_array(colour: Colour) -> np.ndarray:
    return np.asarray(colour, dtype=np.float32)
