"""Reading a huge reference photo: peak memory and time of the checks and the analysis `make` runs on it.

python bench/reference_decode_bench.py --megapixels 200 --out bench/results

Makes a JPEG of the given size (examples/astronaut.jpg in the middle of a plain canvas), then, in a fresh
process per step so each peak is its own: `check_reference_image` (the reduced decode and the face check that run
before anything is written) and `analyze_reference` (the persona stage's cut-out). Peak RSS is the child's
VmHWM (Linux); "growth" subtracts what the process held after its imports.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from personavlog.fsutil import atomic_write_json

ROOT = Path(__file__).resolve().parents[1]

# VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's peak (here, the canvas the photo was made from).
_STEP = """
import json, re, sys, time
from pathlib import Path
from personavlog.inputs import check_reference_image
from personavlog.vision.analysis import analyze_reference
def peak_mib():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
baseline = peak_mib()
started = time.perf_counter()
if sys.argv[2] == "check":
    check_reference_image(Path(sys.argv[1]), need_face=True)
else:
    analyze_reference(Path(sys.argv[1]), Path(sys.argv[3]))
seconds = time.perf_counter() - started
peak = peak_mib()
print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mib": round(peak), "growth_mib": round(peak - baseline)}))
"""


def make_photo(path: Path, megapixels: float) -> tuple[int, int]:
    width = int(math.sqrt(megapixels * 1e6 * 4 / 3)) // 8 * 8
    height = int(megapixels * 1e6 / width) // 8 * 8
    canvas = Image.new("RGB", (width, height), (96, 120, 150))
    side = height // 2
    with Image.open(ROOT / "examples" / "astronaut.jpg") as photo:
        canvas.paste(photo.convert("RGB").resize((side, side)), ((width - side) // 2, (height - side) // 2))
    canvas.save(path, quality=85)
    return width, height


def measure(photo: Path, step: str, scratch: Path) -> dict[str, float]:
    command = [sys.executable, "-c", _STEP, str(photo), step, str(scratch / "cutout.png")]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=200.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        photo = scratch / "photo.jpg"
        started = time.perf_counter()
        width, height = make_photo(photo, args.megapixels)
        made_s = time.perf_counter() - started
        results = {
            "size": [width, height],
            "megapixels": round(width * height / 1e6, 1),
            "file_mib": round(photo.stat().st_size / 2**20, 1),
            "seconds_to_make": round(made_s, 1),
            "check": measure(photo, "check", scratch),
            "analyze": measure(photo, "analyze", scratch),
        }
    print(json.dumps(results, indent=2))
    atomic_write_json(args.out / f"reference_decode_{int(args.megapixels)}mp.json", results)


if __name__ == "__main__":
    main()
