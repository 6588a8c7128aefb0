# learntorch: `make demo` runs the main job, `make test` runs every suite. Both set up first.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
ROOT := $(CURDIR)
PY := $(ROOT)/.venv/bin/python
# Second venv: current numpy 2 / pandas 3, as Python users have them (.venv pins older for reticulate).
PY_LATEST := $(ROOT)/.venv-latest/bin/python
export RETICULATE_PYTHON := $(PY)
export R_LIBS := $(ROOT)/.r-lib
export MPLBACKEND := Agg
# Tiny models: keep OpenMP from spinning on the second core (see devices.threads).
export OMP_WAIT_POLICY := PASSIVE

.PHONY: setup setup-python setup-python-latest setup-r demo test test-python test-python-latest test-r check-r test-site test-downloads site bench clean

setup:
	@bash tools/setup.sh all

setup-python:
	@bash tools/setup.sh python

setup-python-latest:
	@bash tools/setup.sh python-latest

setup-r:
	@bash tools/setup.sh r

demo: setup
	$(PY) -m learntorch.demo --out out
	Rscript tools/demo.R out

test: setup test-python test-python-latest test-r check-r test-site test-downloads
	@echo "make test: all suites passed"

test-python:
	$(PY) -m pytest tests/python -q

test-python-latest:
	$(PY_LATEST) -m pytest tests/python -q

test-r:
	Rscript tools/run_testthat.R

check-r:
	bash tools/check_r.sh

test-site:
	Rscript tools/test_render_site.R
	Rscript tools/render_site.R --check

# Each lesson's downloads (notebook: Python half; R Markdown: R half) run top to bottom, one at a time.
test-downloads:
	$(PY) tools/lesson_downloads.py run

site: setup
	Rscript tools/render_site.R

bench: setup
	$(PY) bench/fit_speed.py
	$(PY) bench/images_vs_sklearn.py
	$(PY) bench/memory.py
	$(PY) bench/sklearn_speed.py
	$(PY) bench/lbfgs.py
	Rscript bench/r_overhead.R
	$(PY) bench/distributed.py

clean:
	rm -rf out _site learntorch.Rcheck learntorch_*.tar.gz
