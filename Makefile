# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
COURSE := $(VENV)/bin/course
export MNIST_DIR ?= $(abspath ../shared/data/mnist)
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: install build demo test bench bench-train profile clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cluster]'
	touch $@

install: $(VENV)/.installed

build: install
	$(COURSE) build

demo: install
	$(PY) -m autograder.demo

# --durations: the slowest tests are named in every run (CI's log included), to keep the suite under 15 minutes.
test: install
	$(PY) -m pytest -q --durations=15

bench: install
	$(PY) -m bench.run

bench-train: install
	$(PY) -m bench.train

profile: install
	$(PY) -m bench.profile_grade 01_neuron
	$(PY) -m bench.profile_grade 06_mnist 2
	$(PY) -m bench.train --profile

clean:
	rm -rf $(VENV) demo-out
