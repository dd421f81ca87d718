# The README's two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
INDEX ?= index
PORT ?= 8000
# The development pool (shared/eval beside the checkout); LIMIT=N scores a fixed subset of each set,
# EVAL_ARGS passes more options (e.g. --show-fails 5, --json).
EVAL ?= ../shared/eval
LIMIT ?=
EVAL_ARGS ?=

.PHONY: run test install install-dev index lint bench eval browser-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

# torch first, pinned: pip then takes the CPU wheel instead of a multi-GB CUDA build.
install-dev: $(BIN)/python
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[st,dev]"

# Keeps the index in step with seeds/: builds it when missing, re-ingests changed seed files, removes
# deleted ones' articles; articles added through the API or UI stay. No write when nothing changed.
index: install
	$(BIN)/rag ingest --if-stale --index $(INDEX) seeds

run: index
	$(BIN)/rag serve --index $(INDEX) --port $(PORT)

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; \
	fi

test: install-dev browser-deps
	$(BIN)/ruff check rag ui tests bench
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check rag ui tests bench

bench: install-dev
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python bench/run_all.py

# Builds the pool indexes under .cache/eval when missing or stale, writes the drafts made from the
# claims, and prints one table: seeds, news2023, CMRC trial, DRCD test. Not part of `make test`.
eval: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} HF_HUB_OFFLINE=1 $(BIN)/python -m rag.evaluate pool --eval $(EVAL) --cache .cache/eval $(if $(LIMIT),--limit $(LIMIT)) $(EVAL_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info test-output
