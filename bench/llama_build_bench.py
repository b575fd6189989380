"""Prompt and generation speed of the embedded writer under two llama-cpp-python builds, measured in one run.

    python bench/llama_build_bench.py --build native=/tmp/llama_native --build portable= --rounds 3

Each `--build NAME=DIR` puts DIR first on the import path of a fresh process (an empty DIR: the venv's own build),
so both builds read the same model with the same prompt in the same run, alternating, one thread each
(the embedded default). Prints and writes JSON: tokens per second for a 448-token prompt and 96 sampled tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_PROBE = r"""
import json, sys, time
import llama_cpp
from personavlog.llm.llamacpp import default_model_path
llama = llama_cpp.Llama(model_path=str(default_model_path()), n_ctx=2048, n_threads=1, n_threads_batch=1,
                        seed=0, verbose=False)
words = ("the rain runs down the window of the small cafe while I wait for my coffee and read " * 40).encode()
prompt = llama.tokenize(words, add_bos=True)[:448]
started = time.perf_counter()
llama.eval(prompt)
prompt_s = time.perf_counter() - started
started = time.perf_counter()
for token in prompt[1:97]:  # one token per decode, as sampling does; the speed, not the text, is measured
    llama.eval([token])
generate_s = time.perf_counter() - started
info = llama_cpp.llama_print_system_info().decode()
print(json.dumps({"prompt_tok_s": len(prompt) / prompt_s, "generate_tok_s": 96 / generate_s, "system": info}))
"""


def _measure(directory: str) -> dict[str, object]:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    if directory:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (directory, env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="append", required=True, help="NAME=DIR (empty DIR: the venv's build)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results/llama_build.json"))
    args = parser.parse_args()
    builds = dict(item.split("=", 1) for item in args.build)
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in builds}
    for _ in range(args.rounds):
        for name, directory in builds.items():
            runs[name].append(_measure(directory))
    summary = {
        name: {
            "system": results[0]["system"],
            "prompt_tok_s": statistics.median(float(r["prompt_tok_s"]) for r in results),  # type: ignore[arg-type]
            "generate_tok_s": statistics.median(float(r["generate_tok_s"]) for r in results),  # type: ignore[arg-type]
        }
        for name, results in runs.items()
    }
    first = next(iter(summary))
    for figures in summary.values():
        figures["prompt_ratio_to_" + first] = figures["prompt_tok_s"] / summary[first]["prompt_tok_s"]
        figures["generate_ratio_to_" + first] = figures["generate_tok_s"] / summary[first]["generate_tok_s"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"rounds": args.rounds, "builds": summary}, indent=2) + "\n")
    temporary.replace(args.out)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
