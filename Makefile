# The book's two commands: `make book` builds it, `make test` tests it.
# Both create the virtual environment first when it is missing or out of date.

PYTHON     ?= python3
VENV       ?= .venv
# CI and this machine use the CPU build of PyTorch; a GPU user can run
#   make TORCH_SPEC=torch book
# (or install PyTorch their own way first: an installed torch that satisfies
# pyproject.toml is kept).
TORCH_SPEC ?= torch==2.13.0
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.lessonlib-installed

# The painting: tests and CI point at the shared copy when it exists.
export LESSONLIB_DATA_DIR ?= $(if $(wildcard ../shared/data/arnolfini.jpg),$(abspath ../shared/data),)
export PYTHONHASHSEED := 0
# no progress bars in executed notebooks or test runs: they would land in committed outputs
export LESSONLIB_PROGRESS := 0

.PHONY: help env book execute render test check benchmarks clean

help:
	@echo "make book        execute every chapter, render the book into _book/, zip it (optimisation-book.zip)"
	@echo "make test        unit tests, Quarto's site checked (also in Chromium), nbval over every chapter"
	@echo "make check       the unit tests only (no notebooks, no Quarto, no browser): the fast lane"
	@echo "make render      render _book/ with Quarto from the committed notebooks (no execution), zip it"
	@echo "make execute     re-run every chapter notebook in place"
	@echo "make benchmarks  run the scripts in benchmarks/"
	@echo "make env         create/update the virtual environment in $(VENV)"

env: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: '$(PYTHON)' not found; install Python 3.11+ or run make PYTHON=/path/to/python3" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed, found " + sys.version.split()[0])'
	@if [ ! -x $(BIN)/python ]; then echo "==> creating virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV) || { echo "error: could not create $(VENV) (on Debian/Ubuntu: apt install python3-venv)" >&2; exit 1; }; fi
	@echo "==> installing PyTorch ($(TORCH_SPEC)) unless a suitable one is present"
	@$(BIN)/python -c 'import torch' 2>/dev/null || $(BIN)/python -m pip install --disable-pip-version-check -q "$(TORCH_SPEC)"
	@echo "==> installing lessonlib (editable) and the book's tools"
	@$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[book]"
	@touch $@

execute: $(STAMP)
	@echo "==> executing every chapter notebook in place (first their set-up cells, from _quarto.yml)"
	$(BIN)/python tools/book.py setup-cells
	$(BIN)/python tools/book.py execute

# Quarto on PATH, else $(VENV)/bin/quarto; else ../shared/tools/quarto/install (the project's
# machines) or `pip install quarto-cli` (needs internet) installs it; else a message says how.
render: $(STAMP)
	@echo "==> rendering the book with Quarto into _book/"
	$(BIN)/python tools/book.py render

book: execute render
	@echo "==> done: open _book/index.html; optimisation-book.zip is the book to read offline"

# One pytest run: lessonlib's unit tests, then nbval over every chapter notebook.
# nbval re-runs the notebooks on another arithmetic path than the one that wrote them: `make
# execute` uses PyTorch's fastest vector kernels for this CPU, `make test` its plain ones
# (ATEN_CPU_CAPABILITY=default), so float32 results differ in the last digits and an output that
# only reproduces bit for bit fails here first, not on a contributor's machine. Set
# ATEN_CPU_CAPABILITY yourself to test another path.
# nbval runs a scratch copy of the notebooks, so a test run never rewrites the committed videos.
test: export ATEN_CPU_CAPABILITY ?= default
test: $(STAMP)
	@echo "==> unit tests of lessonlib, then nbval over every chapter notebook (ATEN_CPU_CAPABILITY=$$ATEN_CPU_CAPABILITY)"
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && cp -R index.ipynb chapters "$$scratch/" && \
	  $(BIN)/python -m pytest --rootdir=. tests "$$scratch/index.ipynb" "$$scratch/chapters" \
	    --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# The contributors' fast lane: lessonlib's unit tests and the checks of the committed notebooks'
# files, without executing a notebook, rendering with Quarto or starting Chromium (tests that need
# those carry the markers `site` and `notebook`, see tests/conftest.py). `make test` stays the full
# gate.
check: $(STAMP)
	$(BIN)/python -m pytest --rootdir=. tests -m "not site and not notebook" -q

benchmarks: $(STAMP)
	@for s in benchmarks/*.py; do echo "==> $$s"; $(BIN)/python $$s || exit 1; done

clean:
	rm -rf _book .quarto optimisation-book.zip
