# The deflation companion: two commands.
#
#   make book    execute every chapter and build the HTML book (_build/html)
#   make test    unit tests, cached-data check, strict nbval on every chapter,
#                warning-free book build, browser test of the built book
#
# Needs only python3 (>= 3.11), make and git; everything else is installed into
# .venv from requirements.txt, with every transitive version pinned by constraints.txt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

# Strict build: warnings are errors (-W), every cross-reference must resolve (-n).
# --all re-reads every page: Sphinx reports warnings only for pages it reads, so an
# incremental build could hide a warning, and a force-executed build would skip
# unchanged notebooks.
JB_FLAGS := --all -W -n --keep-going
CELL_TIMEOUT := 300
# nbval runs this many notebooks at once (pytest-xdist; each notebook stays on one worker,
# its cells in order, in its own kernel): 2 on the 2-core CI machine
NBVAL_JOBS ?= 2

# Reproducibility: the same hash seed in every process, kernels included.
export PYTHONHASHSEED := 0
# Silence debugpy's "frozen modules" notice printed by every kernel on Python 3.11.
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# One BLAS thread: the package multiplies small matrices, where OpenBLAS threads only
# contend (a chapter ran 6x slower with them on a busy 2-core machine), and a fixed
# thread count keeps floating-point reductions in the same order on every run.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# The same floating-point kernels on every x86-64 machine with AVX2: OpenBLAS's Haswell
# kernels, and numpy's AVX2 loops rather than its AVX-512 ones (which round some
# reductions and transcendental functions differently). Stored chapter outputs printed on
# an AVX-512 machine differed in the last digits on an AVX2-only one; with these they are
# the same on both. (Ignored on machines without the features.)
export OPENBLAS_CORETYPE := Haswell
export NPY_DISABLE_CPU_FEATURES := X86_V4 AVX512_ICL AVX512_SPR
# Note: MPLBACKEND is deliberately NOT exported. Kernels must keep matplotlib's
# inline backend (ipykernel only sets it when MPLBACKEND is unset), otherwise the
# chapters' figures vanish. Only the unit tests and the benchmark use Agg.

.PHONY: help venv .venv book test lint floors unit nbval book-check browser notebooks bench lock clean distclean \
        pdf repo-url binder-check chapter-times

help:
	@echo "make book       execute the chapters and build the HTML book into _build/html"
	@echo "make test       lint, unit tests, dependency floors, cached data, strict nbval,"
	@echo "                warning-free book build, browser test"
	@echo "make lint       ruff (src, tests, scripts) and mypy (src), pinned and configured"
	@echo "make floors     smoke test of the core at the declared minimum dependency versions"
	@echo "make notebooks  re-execute every book/*.ipynb in place (store current outputs)"
	@echo "make pdf        build a PDF of the whole book (_build/latex/book.pdf; needs TeX Live)"
	@echo "make repo-url URL=https://github.com/OWNER/REPO   set the repository address everywhere"
	@echo "make binder-check  build a fresh venv exactly as binder/ says and run nbval on it"
	@echo "make student    student edition without solutions: _build/student/{notebooks,html}"
	@echo "make student-check  build it, then check no solution leaks and every notebook runs"
	@echo "make slides     one offline reveal.js deck per chapter into _build/slides"
	@echo "make slides-check   build the decks, then check them in headless Chromium"
	@echo "make assignments    nbgrader homework per chapter: _build/assignments/{source,release}"
	@echo "make assignments-check  ... then autograde a filled-in and a blank copy with nbgrader"
	@echo "make bench      run benchmarks/bench.py"
	@echo "make chapter-times  execute each chapter, record its CPU and wall-clock time (course page)"
	@echo "make check-data recompute a sample of the cached sweeps in book/data and compare"
	@echo "make venv       create/update .venv (done automatically by the targets above)"
	@echo "make lock       re-resolve requirements.txt and rewrite constraints.txt"
	@echo "make clean      remove build artefacts (keeps .venv); distclean also removes .venv"

# ---------------------------------------------------------------------------------
# Environment. The stamp is newer than the three files that define the environment;
# editing any of them reinstalls (pip only changes what differs). The last step
# registers the venv's interpreter as the "python3" kernel inside the venv, so
# Jupyter, nbconvert and jupyter-book all run the chapters with this environment.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt -c constraints.txt
	@# the package with every extra the book uses ([book]); -c keeps every one at its pin
	$(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt -e '.[book]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3
	@# JupyterLab in this environment: no news pop-up, no update check.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' '{' \
	    '  "@jupyterlab/apputils-extension:notification": {' \
	    '    "fetchNews": "false", "checkForUpdates": false' '  }' '}' \
	    > $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $@

venv .venv: $(STAMP)

# ---------------------------------------------------------------------------------
# The book: execute every chapter (execute_notebooks: force in _config.yml).
book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo
	@echo "Book built: $(CURDIR)/_build/html/index.html"

# ---------------------------------------------------------------------------------
# Mutation testing of the numerical core (not part of make test: it takes a long time).
# mutmut 3.8.1 and what it needs beyond the book's venv go into _build/mutmut-lib; the
# configuration (which modules, which tests) is [tool.mutmut] in pyproject.toml. Prints
# the killed/survived counts; `make mutation-results` lists the survivors.
MUTMUT_LIB := _build/mutmut-lib
$(MUTMUT_LIB)/.installed: $(STAMP)
	rm -rf $(MUTMUT_LIB)
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps --target $(MUTMUT_LIB) \
	    mutmut==3.8.1 libcst==1.9.0 setproctitle==1.3.8 textual==8.2.8 rich==15.0.0 \
	    markdown-it-py==4.3.0 mdurl==0.1.2 linkify-it-py==2.2.0 uc-micro-py==2.0.0 \
	    platformdirs==4.14.9 typing-extensions==4.16.0 pygments==2.21.0
	@touch $@

.PHONY: mutation mutation-results
mutation: $(MUTMUT_LIB)/.installed
	rm -rf mutants
	PYTHONPATH=$(CURDIR)/$(MUTMUT_LIB):src MPLBACKEND=Agg $(BIN)/python -m mutmut run --max-children 2

mutation-results:
	PYTHONPATH=$(CURDIR)/$(MUTMUT_LIB):src $(BIN)/python -m mutmut results

# ---------------------------------------------------------------------------------
# The tests.
test: lint unit floors check-data nbval book-check browser assignments-check
	@echo "make test: all checks passed"

# ruff and mypy, pinned in requirements.txt, configured (rules and why) in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

# The declared dependency floors really work: a second venv with exactly the floor
# versions of pyproject.toml's core dependencies (from PyPI; rebuilt when pyproject.toml
# changes) runs a smoke test of the core (tests/floors_smoke.py).
FLOORS_VENV := _build/floors-venv
FLOORS := $(shell sed -n '/^dependencies = \[/,/^\]/p' pyproject.toml \
	| grep -o '"[a-z_-]*>=[0-9.]*"' | tr -d '"' | sed 's/>=/==/')
$(FLOORS_VENV)/.installed: pyproject.toml
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/python -m pip install --disable-pip-version-check -q $(FLOORS)
	$(FLOORS_VENV)/bin/python -m pip install --disable-pip-version-check -q --no-deps .
	@touch $@

floors: $(FLOORS_VENV)/.installed
	cd _build && ../$(FLOORS_VENV)/bin/python ../tests/floors_smoke.py

unit: $(STAMP)
	@rc=0; MPLBACKEND=Agg $(BIN)/python -m pytest --ignore=tests/test_browser.py || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "unit: no unit tests collected in tests/ (yet)"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

# Strict nbval: each notebook is run in a fresh kernel of this environment and
# every stored text output must equal the fresh one (after tests/sanitize.cfg).
nbval: $(STAMP)
ifeq ($(strip $(NOTEBOOKS)),)
	@echo "nbval: no chapter notebooks in book/ yet, nothing to check"
else
	$(BIN)/python -m pytest --nbval --nbval-current-env -n $(NBVAL_JOBS) --dist loadscope \
	    --nbval-sanitize-with tests/sanitize.cfg \
	    --nbval-cell-timeout=$(CELL_TIMEOUT) \
	    $(NOTEBOOKS)
endif

# The warning-free build check. nbval has just proved that the stored outputs are
# what a fresh run prints, so this build renders the stored outputs instead of
# executing every chapter a second time: it uses a copy of _config.yml with
# execute_notebooks: "off" (local extension paths made absolute, since they are
# relative to the config file), and its own output folder (_build/test).
NOEXEC_CONFIG = mkdir -p _build && \
	$(BIN)/python -c 'import os, yaml; c = yaml.safe_load(open("_config.yml")); \
	    c["execute"]["execute_notebooks"] = "off"; \
	    ext = c["sphinx"].get("local_extensions") or {}; \
	    c["sphinx"]["local_extensions"] = {k: os.path.abspath(v) for k, v in ext.items()}; \
	    yaml.safe_dump(c, open("_build/_config_noexec.yml", "w"), sort_keys=False)'

book-check: $(STAMP)
	$(NOEXEC_CONFIG)
	$(BIN)/jupyter-book build . --config _build/_config_noexec.yml \
	    --path-output _build/test $(JB_FLAGS)

# The built book (_build/test/_build/html) in headless Chromium with the network blocked,
# and one chapter in a live JupyterLab (tests/test_browser.py). Needs a Chromium:
# Debian's `chromium` package (/usr/bin/chromium), or CHROMIUM=/path/to/chrome.
browser: $(STAMP)
	@command -v $${CHROMIUM:-/usr/bin/chromium} >/dev/null || { \
	    echo "browser: no Chromium found; install it with: sudo apt-get install -y chromium"; exit 1; }
	$(BIN)/python -m pytest -p no:cacheprovider -s tests/test_browser.py

# A PDF of the whole book through Jupyter Book's LaTeX builder (pdflatex + latexmk),
# from the stored outputs (as book-check; `make notebooks` refreshes them).
pdf: $(STAMP)
	@command -v latexmk >/dev/null || { echo "pdf: needs TeX Live; on Debian/Ubuntu:"; \
	    echo "  sudo apt-get install -y latexmk texlive-latex-recommended texlive-latex-extra \\"; \
	    echo "      texlive-fonts-recommended texlive-xetex texlive-plain-generic fonts-freefont-otf"; \
	    exit 1; }
	rm -rf _build/latex
	$(NOEXEC_CONFIG)
	$(BIN)/jupyter-book build . --config _build/_config_noexec.yml --builder pdflatex
	@echo
	@echo "PDF built: $$(ls $(CURDIR)/_build/latex/*.pdf)"

# One setting holds the repository address (repository: url: in _config.yml);
# this writes it to every place that needs it (scripts/repo_url.py lists them).
repo-url: $(STAMP)
	@test -n "$(URL)" || { echo "usage: make repo-url URL=https://github.com/OWNER/REPO"; exit 1; }
	$(BIN)/python scripts/repo_url.py "$(URL)"

# Binder's environment, rebuilt from scratch exactly as binder/ describes, runs every chapter.
binder-check:
	scripts/binder_check.sh

# ---------------------------------------------------------------------------------
# Re-execute every chapter in place with the venv's kernel, so the stored outputs
# are current. No timing metadata and no widget state (random model ids; the HTML book
# shows kernel-free figures instead), so an unchanged chapter gives an unchanged file.
# Live widgets are built with dfl.plotting.live_figure, never ipywidgets.interact: a
# widget that captures output (`with out:`) engages nbclient's output-widget mimic, which
# fails with a KeyError when widget state is not stored and, worse, can stall a cell
# until its timeout (tests/test_live_figure.py explains it and keeps the chapters clear).
notebooks: $(STAMP)
ifeq ($(strip $(NOTEBOOKS)),)
	@echo "notebooks: no chapter notebooks in book/ yet"
else
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.timeout=$(CELL_TIMEOUT) \
	    --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.store_widget_state=False \
	    $(NOTEBOOKS)
endif

bench: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# What executing each chapter costs (kernel CPU and wall-clock), for the course page:
# writes book/_generated/chapter_times.{md,json}. Several minutes; not part of make test.
chapter-times: $(STAMP)
	$(BIN)/python scripts/chapter_times.py

# ---------------------------------------------------------------------------------
# Course pack (issue 11). The student edition: the chapter notebooks with every
# solution removed (outputs kept, book/data copied beside them) and the HTML book built
# from them without executing (stored outputs), with sphinx-exercise's hide_solutions.
# student-check re-runs every student notebook (several minutes on 2 cores), so it is
# not part of `make test`.
.PHONY: student student-check slides slides-check
student: $(STAMP)
	$(BIN)/python scripts/student.py

student-check: student
	STUDENT_CHECK=1 $(BIN)/python -m pytest tests/test_student.py -v

# One reveal.js deck per chapter from the cells tagged for slides; reveal.js and
# require.js come from npm (pinned, checksummed, fetched once into _build/vendor),
# MathJax from the environment: the decks work offline.
slides: $(STAMP)
	$(BIN)/python scripts/slides.py

slides-check: slides
	SLIDES_CHECK=1 MPLBACKEND=Agg $(BIN)/python -m pytest tests/test_slides.py -v

# Autograded homework (nbgrader). nbgrader lives in its own environment, built here from
# requirements-nbgrader.txt and its full freeze constraints-nbgrader.txt (no conflict with
# the book's pins, but it would add its JupyterLab extensions to the book's JupyterLab).
# The autograder runs the notebooks with the book's kernel. `make assignments` writes the
# course folder _build/assignments (source/<chapter>: solutions and autograder tests;
# release/<chapter>: what students get); assignments-check grades a filled-in and a blank
# copy of every assignment with nbgrader's own autograde (part of make test).
.PHONY: assignments assignments-check lock-nbgrader
NBGRADER_VENV  := _build/nbgrader-venv
NBGRADER_STAMP := $(NBGRADER_VENV)/.installed

$(NBGRADER_STAMP): requirements-nbgrader.txt constraints-nbgrader.txt
	rm -rf $(NBGRADER_VENV)
	$(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install --disable-pip-version-check -q \
	    -r requirements-nbgrader.txt -c constraints-nbgrader.txt
	@touch $@

assignments: $(STAMP) $(NBGRADER_STAMP)
	$(BIN)/python scripts/assignments.py --nbgrader $(NBGRADER_VENV)/bin/nbgrader

assignments-check: assignments
	ASSIGNMENTS_CHECK=1 $(BIN)/python -m pytest -p no:cacheprovider -s -v tests/test_assignments.py

# Re-resolve nbgrader's pin against the book's constraints and rewrite its full freeze.
lock-nbgrader:
	rm -rf _build/nbgrader-lock
	$(PYTHON) -m venv _build/nbgrader-lock
	_build/nbgrader-lock/bin/python -m pip install --disable-pip-version-check \
	    -r requirements-nbgrader.txt -c constraints.txt
	{ echo "# Full pin set of nbgrader's environment (_build/nbgrader-venv, make assignments): a pip"; \
	  echo "# freeze of a venv built with 'pip install -r requirements-nbgrader.txt -c constraints.txt',"; \
	  echo "# so every package it shares with the book has the book's version. 'make lock-nbgrader'"; \
	  echo "# regenerates it."; \
	  _build/nbgrader-lock/bin/python -m pip freeze --all --exclude-editable \
	    | grep -v -E '^(pip|setuptools)==' ; } > constraints-nbgrader.txt
	rm -rf _build/nbgrader-lock

# Recompute a seeded sample of every cached sweep in book/data and compare it with the
# cache (scripts/check_data.py; within a few minutes, prints its time).
.PHONY: check-data
check-data: $(STAMP)
	$(BIN)/python scripts/check_data.py

# ---------------------------------------------------------------------------------
# Re-resolve the direct pins of requirements.txt in a scratch venv and write the
# full freeze to constraints.txt (run after changing requirements.txt).
lock:
	rm -rf _build/lockvenv
	$(PYTHON) -m venv _build/lockvenv
	_build/lockvenv/bin/python -m pip install --disable-pip-version-check -r requirements.txt
	{ echo "# Full pin set of the environment (pip freeze of a venv built from requirements.txt)."; \
	  echo "# Generated by 'make lock'; used as 'pip install -r requirements.txt -c constraints.txt'."; \
	  _build/lockvenv/bin/python -m pip freeze --all --exclude-editable \
	    | grep -v -E '^(pip|setuptools)==' ; } > constraints.txt
	rm -rf _build/lockvenv
	@echo "constraints.txt rewritten; run 'make test' to check the new set"

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 \
	    | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) src/*.egg-info
