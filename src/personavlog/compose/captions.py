"""Caption layout and drawing: wrapped lines in a rounded semi-transparent box, bottom-centre.

Sizes follow the frame (font size from its height, capped for narrow portrait frames), so the same
settings read well at 16:9, 9:16 and 1:1, 720p and 1080p. Each caption is rendered once to a
premultiplied RGBA sprite; drawing it onto a frame is one fixed-point blend of the box region.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict

from personavlog.compose.cues import Cue
from personavlog.compose.text_wrap import Unit, layout_cues, split_units

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def default_font_path() -> Path | None:
    """The bundled Noto Sans CJK JP (covers Latin and CJK), if its package is installed."""
    try:
        import noto_cjk_sans_jp_regular
    except ImportError:
        return None
    return Path(noto_cjk_sans_jp_regular.FONT_PATH)


def load_font(font_path: Path | None, size: int) -> Font:
    path = font_path or default_font_path()
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


class CaptionStyle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    font_size: int
    line_height: int
    pad_x: int
    pad_y: int
    margin_side: int
    margin_bottom: int
    corner_radius: int
    outline: int
    box_opacity: float = 0.55
    text_rgb: tuple[int, int, int] = (255, 255, 255)

    @classmethod
    def for_frame(cls, width: int, height: int) -> CaptionStyle:
        size = max(12, round(0.055 * min(height, 1.25 * width)))
        portrait = height > width
        return cls(
            font_size=size,
            line_height=round(size * 1.3),
            pad_x=round(size * 0.5),
            pad_y=round(size * 0.3),
            margin_side=round(0.05 * width),
            # Short-form apps overlay their buttons on the lower part of portrait videos.
            margin_bottom=round((0.12 if portrait else 0.06) * height),
            corner_radius=round(size * 0.3),
            outline=max(1, round(size / 18)),
        )


@dataclass(frozen=True)
class CaptionSprite:
    """A rendered caption: premultiplied colour and inverse alpha in 8-bit fixed point, placed at (x, y)."""

    x: int
    y: int
    premultiplied: np.ndarray
    inverse_alpha: np.ndarray

    def draw_on(self, frame: np.ndarray) -> np.ndarray:
        """A copy of `frame` with the caption blended in."""
        out = frame.copy()
        height, width = self.premultiplied.shape[:2]
        region = out[self.y : self.y + height, self.x : self.x + width]
        mixed = region.astype(np.uint16) * self.inverse_alpha
        mixed += self.premultiplied
        mixed >>= 8
        region[...] = mixed
        return out


class CaptionRenderer:
    """Wraps caption text to the frame and renders it as sprites."""

    def __init__(self, width: int, height: int, font_path: Path | None = None, style: CaptionStyle | None = None):
        self.width = width
        self.height = height
        self.style = style or CaptionStyle.for_frame(width, height)
        self.font = load_font(font_path, self.style.font_size)
        self.max_text_width = max(1, width - 2 * (self.style.margin_side + self.style.pad_x + self.style.outline))
        self._widths: dict[str, float] = {}

    def measure(self, text: str) -> float:
        """Advance width of `text` in pixels (memoised: wrapping asks for the same words many times)."""
        width = self._widths.get(text)
        if width is None:
            width = self._widths[text] = float(self.font.getlength(text))
        return width

    def layout(self, text: str) -> list[list[list[Unit]]]:
        """Cues (at most two lines each) -> lines -> units, fitted to the frame width."""
        return layout_cues(split_units(text), self.measure, self.max_text_width)

    def render_rgba(self, lines: Sequence[str]) -> np.ndarray:
        """The caption box with its text as straight (not premultiplied) RGBA, float32 in [0, 1]."""
        style = self.style
        text_width = max((self.measure(line) for line in lines), default=0.0) + 2 * style.outline
        box_w = min(self.width, round(text_width) + 2 * style.pad_x)
        box_h = min(self.height, len(lines) * style.line_height + 2 * style.pad_y)
        box = Image.new("L", (box_w, box_h), 0)
        ImageDraw.Draw(box).rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=style.corner_radius, fill=255)
        glyphs = Image.new("L", (box_w, box_h), 0)
        halo = Image.new("L", (box_w, box_h), 0)
        glyph_draw, halo_draw = ImageDraw.Draw(glyphs), ImageDraw.Draw(halo)
        for index, line in enumerate(lines):
            anchor_at = (box_w / 2, style.pad_y + (index + 0.5) * style.line_height)
            glyph_draw.text(anchor_at, line, font=self.font, fill=255, anchor="mm")
            halo_draw.text(
                anchor_at, line, font=self.font, fill=255, anchor="mm", stroke_width=style.outline, stroke_fill=255
            )
        # Stack with the "over" operator: box, then a dark outline, then the text.
        colour = np.zeros((box_h, box_w, 3), dtype=np.float32)
        alpha = np.asarray(box, dtype=np.float32)[..., None] / 255.0 * style.box_opacity
        for layer, rgb, opacity in ((halo, (0, 0, 0), 0.8), (glyphs, style.text_rgb, 1.0)):
            cover = np.asarray(layer, dtype=np.float32)[..., None] / 255.0 * opacity
            colour = np.asarray(rgb, dtype=np.float32) / 255.0 * cover + colour * (1.0 - cover)
            alpha = cover + alpha * (1.0 - cover)
        straight = np.divide(colour, alpha, out=np.zeros_like(colour), where=alpha > 0)
        return np.concatenate([straight, alpha], axis=2)

    def render(self, lines: Sequence[str]) -> CaptionSprite:
        rgba = self.render_rgba(lines)
        box_h, box_w = rgba.shape[:2]
        alpha = np.round(rgba[..., 3:] * 256.0).astype(np.uint16)
        premultiplied = np.minimum(np.round(rgba[..., :3] * 255.0 * alpha), 255 * alpha).astype(np.uint16)
        x = max(0, (self.width - box_w) // 2)
        y = max(0, self.height - self.style.margin_bottom - box_h)
        return CaptionSprite(x=x, y=y, premultiplied=premultiplied, inverse_alpha=(256 - alpha).astype(np.uint16))


class CaptionTrack:
    """Draws whichever cue is on screen at a frame's time.

    Frames arrive in time order, so each cue's sprite is rendered once, when the cue first shows,
    and dropped when the next one takes over: memory holds one sprite however many cues there are.
    """

    def __init__(self, cues: Sequence[Cue], renderer: CaptionRenderer):
        self._cues = sorted(cues, key=lambda cue: cue.start_s)
        self._starts = [cue.start_s for cue in self._cues]
        self._renderer = renderer
        self._current: tuple[int, CaptionSprite] | None = None

    def cue_at(self, seconds: float) -> int | None:
        index = bisect_right(self._starts, seconds) - 1
        if index >= 0 and seconds < self._cues[index].end_s:
            return index
        return None

    def lines_at(self, seconds: float) -> tuple[str, ...] | None:
        """The lines of the cue on screen at `seconds`, if any."""
        index = self.cue_at(seconds)
        return None if index is None else self._cues[index].lines

    def draw(self, frame: np.ndarray, seconds: float) -> np.ndarray:
        index = self.cue_at(seconds)
        if index is None:
            return frame
        if self._current is None or self._current[0] != index:
            self._current = (index, self._renderer.render(self._cues[index].lines))
        return self._current[1].draw_on(frame)
