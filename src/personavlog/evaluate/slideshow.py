"""A trivial external generator for ThemeVlogEval's `cmd:` systems: the reference photo with a slow zoom, the
theme as a caption (in an SRT beside the MP4), and a quiet tone as the soundtrack. No voice, no story.

It is the floor any real generator should beat, and the example of the `cmd:` contract:
    personavlog eval --system "cmd:python -m personavlog.evaluate.slideshow --theme {theme} \
        --reference {reference} --duration {duration} --out {out}" ...
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from personavlog.fsutil import atomic_path, atomic_write_text

SIDE = 360
FPS = 12
RATE = 22050


def write_slideshow(theme: str, reference: Path, duration_s: float, out: Path) -> None:
    with Image.open(reference) as loaded:
        photo = loaded.convert("RGB")
    frames = round(duration_s * FPS)
    with atomic_path(out) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width = video.height = SIDE
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = container.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        for index in range(frames):
            zoom = 1.0 + 0.15 * index / max(1, frames - 1)
            crop = min(photo.size) / zoom
            left, top = (photo.width - crop) / 2, (photo.height - crop) / 2
            frame = photo.resize((SIDE, SIDE), box=(left, top, left + crop, top + crop))
            for packet in video.encode(av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        t = np.arange(round(duration_s * RATE)) / RATE
        tone = (0.05 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            chunk = av.AudioFrame.from_ndarray(tone[None, start : start + 1024], format="flt", layout="mono")
            chunk.sample_rate = RATE
            chunk.pts = start
            chunk.time_base = Fraction(1, RATE)
            for packet in audio.encode(chunk):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    millis = round(duration_s * 1000)
    end = f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"
    atomic_write_text(out.with_suffix(".srt"), f"1\n00:00:00,500 --> {end}\n{theme}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", required=True)
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_slideshow(args.theme, args.reference, args.duration, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
