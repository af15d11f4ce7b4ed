# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
COURSE := $(VENV)/bin/course
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install build demo mnist test lint bench bench-train profile clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cluster,dev]'
	touch $@

install: $(VENV)/.installed

build: install
	$(COURSE) build

# Fetches MNIST into ~/.cache/nnfs/mnist first if it is nowhere to be found (exit 3 when it cannot).
demo: install
	$(PY) -m autograder.demo

# MNIST checked where it is found, and fetched into the per-user cache now, verified (course.toml [data] says
# from where): a missing file, or one in the cache that fails its check (a copy in MNIST_DIR is only checked).
mnist: install
	$(PY) -m data.download

# --durations: the slowest tests are named in every run (CI's log included), to keep the suite under 15 minutes.
# -rs: why tests were skipped (where MNIST is missing, the tests that read it, and where it was looked for).
test: install lint
	$(PY) -m pytest -q -rs --durations=15

# ruff: errors, unused imports and names, lines over 130, functions more complex than 15 (C901); vulture: dead code (tests/vulture_allowlist.py: reviewed).
lint: install
	$(VENV)/bin/ruff check autograder data bench tests graders
	$(VENV)/bin/vulture autograder data bench graders tests/vulture_allowlist.py --min-confidence 60

bench: install mnist
	$(PY) -m bench.run
	$(PY) -m bench.readme

bench-train: install mnist
	$(PY) -m bench.train

profile: install mnist
	$(PY) -m bench.profile_grade 01_neuron
	$(PY) -m bench.profile_grade 06_mnist 2
	$(PY) -m bench.train --profile

clean:
	rm -rf $(VENV) demo-out
