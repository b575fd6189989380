"""Plans for a blind reading, and its tally.

`python bench/blind_reading.py mix OUT PLANS.md[=WRITER] ...` shuffles the coded plans of one or more
`writer_bench.py` runs (`writer_plans.md`, with the `writer_plans_key.json` beside it; `=WRITER` names the writer
of a run whose key does not, e.g. a model given by path) into `OUT/plans.md` under new codes, the key in
`OUT/key.json`. A reader who has not seen the key judges every line and plan (`reading_instructions.md` in
`bench/results/writers/blind/`) into `OUT/judgments.json`; `python bench/blind_reading.py tally OUT` counts, by
writer, the lines that fit and the plans that read as one story.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

_SECTION = re.compile(r"^## (P\d+): (.*?)\n(.*?)(?=^## P\d+: |\Z)", re.S | re.M)


def mix(out: Path, sources: list[str]) -> None:
    plans: list[tuple[str, str, str]] = []
    for source in sources:
        path_text, _, label = source.partition("=")
        path = Path(path_text)
        key = json.loads(path.with_name(path.stem + "_key.json").read_text())
        for code, theme, body in _SECTION.findall(path.read_text()):
            plans.append((label or key[code], theme, body.strip()))
    random.Random(2026).shuffle(plans)
    key, sections = {}, []
    for number, (writer, theme, body) in enumerate(plans, 1):
        code = f"R{number:02d}"
        key[code] = writer
        sections.append(f"## {code}: {theme}\n\n{body}\n")
    out.mkdir(parents=True, exist_ok=True)
    (out / "plans.md").write_text("# Plans for a blind reading\n\n" + "\n".join(sections))
    (out / "key.json").write_text(json.dumps(key, indent=1) + "\n")


def tally(out: Path) -> dict[str, dict[str, float]]:
    key = json.loads((out / "key.json").read_text())
    judged = json.loads((out / "judgments.json").read_text())
    counts: dict[str, dict[str, float]] = {}
    for code, judgment in judged.items():
        row = counts.setdefault(key[code], {"plans": 0, "lines": 0, "fit": 0, "one_story": 0})
        row["plans"] += 1
        row["lines"] += len(judgment["fits"])
        row["fit"] += sum(judgment["fits"])
        row["one_story"] += bool(judgment["story"])
    for row in counts.values():
        row["fit_share"] = round(row["fit"] / row["lines"], 3) if row["lines"] else 0.0
    return counts


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "mix":
        mix(Path(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "tally":
        print(json.dumps(tally(Path(sys.argv[2])), indent=1))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
