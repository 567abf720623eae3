# LSS benchmark: the whole pipeline, rerunnable with make. `make` (or `make help`) lists targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

KOMMUN ?= 2482
# Empty YEAR: the newest year in the processed data. Empty YEARS: 2015 through the newest
# year Kolada and SCB have both published (asked from the APIs). Set either to pin it.
YEAR ?=
YEARS ?=
REPORT_LANG ?= sv
# Report format: html (interactive), static (charts as SVG, no JavaScript) or pdf (A4).
# Empty: html for `make report`, static for `make reports`. KOMMUNER: all, a län code (24)
# or kommunkoder (0180,2482).
FORMAT ?=
KOMMUNER ?= all
# The municipality's own export of decisions for `make report` (section "Egna beslut i år");
# REGISTER_DATE (default today), REGISTER_SHEET and REGISTER_MAP ('LABEL=id;…') are optional.
REGISTER ?=
REGISTER_DATE ?=
REGISTER_SHEET ?=
REGISTER_MAP ?=
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-stamp
# JupyterLab's settings override for this venv only (no news prompt, no update check; the
# user's own JupyterLab settings are not touched)
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
DATA_DIR ?= data
PROCESSED := $(DATA_DIR)/processed/current/manifest.json
export BENCHMARK_DATA_DIR := $(abspath $(DATA_DIR))

LOCK := requirements.lock
UV_VERSION ?= 0.13.8

.PHONY: help setup lock doctor data process compare screen profile report reports demo lab test lint format bench clean

help: ## List the targets (this text)
	@echo "LSS benchmark – make targets (variables: KOMMUN=$(KOMMUN) KOMMUNER=$(KOMMUNER) YEAR=$(or $(YEAR),newest) REPORT_LANG=$(REPORT_LANG) FORMAT=$(or $(FORMAT),default) YEARS=$(or $(YEARS),2015-newest))"
	@grep -E '^[a-z][a-z_-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z_-]+):.*## (.*)/\1|\2/' | awk -F'|' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(STAMP) $(LAB_OVERRIDES) ## Build .venv from requirements.lock (no-op unless the lock or pyproject.toml changed)

# The exact versions come from the lock; the project itself is installed on top without
# resolving anything again (--no-deps), so the venv holds exactly what the lock says.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

lock: ## Regenerate requirements.lock from pyproject.toml (newest versions allowed; needs PyPI)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'uv==$(UV_VERSION)'
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --no-header --quiet -o $(LOCK)
	@sed -i '1i # Exact versions for Python 3.11, from pyproject.toml (extra: dev). Regenerate with\n# `make lock` after changing dependencies in pyproject.toml; `make setup` installs it.' $(LOCK)
	@echo "$(LOCK) written; run make setup (and make test) to install and check it"

$(LAB_OVERRIDES): etc/jupyterlab-overrides.json $(STAMP)
	@mkdir -p $(dir $@)
	cp $< $@

doctor: setup ## Live self-check of Kolada and SCB (a few small requests; writes nothing)
	$(PY) -m benchmark doctor

data: setup ## Fetch raw snapshots from Kolada and SCB for YEARS (default 2015-newest; resumable)
	$(PY) -m benchmark fetch $(if $(YEARS),--years $(YEARS))

process: setup ## Parse raw snapshots into a new processed set (data/processed/current/)
	$(PY) -m benchmark process

$(PROCESSED): | setup
	@if [ "$(DATA_DIR)" = "data/demo" ]; then \
	  $(PY) -m benchmark demo --out reports --lang $(REPORT_LANG); \
	else \
	  $(PY) -m benchmark fetch $(if $(YEARS),--years $(YEARS)) && $(PY) -m benchmark process; \
	fi

compare: setup $(PROCESSED) ## Comparison table for KOMMUN and YEAR (default newest) in the terminal
	$(PY) -m benchmark compare --kommun $(KOMMUN) $(if $(YEAR),--year $(YEAR))

screen: setup $(PROCESSED) ## National screening of all municipalities for YEAR (CSV in reports/)
	$(PY) -m benchmark screen $(if $(YEAR),--year $(YEAR)) --format csv --out 'reports/screening-{year}.csv'

profile: setup $(PROCESSED) ## The whole LSS picture (40 KPIs: volume, extent, economy, quality, staff) for KOMMUN, YEAR
	$(PY) -m benchmark profile --kommun $(KOMMUN) $(if $(YEAR),--year $(YEAR))

report: setup $(PROCESSED) ## Board report for KOMMUN, YEAR (default newest), REPORT_LANG, FORMAT (html, static or pdf), REGISTER (own export; optional)
	$(PY) -m benchmark report --kommun $(KOMMUN) $(if $(YEAR),--year $(YEAR)) --lang $(REPORT_LANG) $(if $(FORMAT),--format $(FORMAT)) --out reports \
	  $(if $(REGISTER),--register '$(REGISTER)') $(if $(REGISTER_DATE),--register-date $(REGISTER_DATE)) \
	  $(if $(REGISTER_SHEET),--register-sheet '$(REGISTER_SHEET)') $(if $(REGISTER_MAP),--register-map '$(REGISTER_MAP)')

reports: setup $(PROCESSED) ## Reports of KOMMUNER (all, a län code, or codes) for YEAR into reports/<year>/ with index.html; FORMAT static (default), html or pdf
	$(PY) -m benchmark reports --kommuner '$(KOMMUNER)' $(if $(YEAR),--year $(YEAR)) --lang $(REPORT_LANG) $(if $(FORMAT),--format $(FORMAT)) --out reports

demo: setup ## Whole pipeline on bundled synthetic data, offline, into reports/
	$(PY) -m benchmark demo --out reports --lang $(REPORT_LANG)

# KOMMUN given (command line or environment) → the notebooks start with it
LAB_KOMMUN := $(if $(filter command line environment,$(origin KOMMUN)),BENCHMARK_KOMMUN=$(KOMMUN))

lab: setup ## Open JupyterLab on the notebooks, starting with KOMMUN if given (builds the demo when there are no data)
	@if [ ! -f $(PROCESSED) ] && [ ! -f data/demo/processed/current/manifest.json ]; then \
	  echo "No processed data yet: building the synthetic demo (make data + make process for real data)"; \
	  $(PY) -m benchmark demo --out reports; \
	fi
	$(LAB_KOMMUN) $(VENV)/bin/jupyter lab notebooks/

# pytest-xdist workers for make test (auto: one per CPU core; 0 runs in this process).
# --dist loadfile keeps each test module on one worker, so module fixtures are built once
# (not loadgroup: with pytest 9.2 it silently stops grouping, pytest-xdist issue #1386).
TEST_WORKERS ?= auto

test: setup ## Lint (ruff) and run the test suite (pytest, TEST_WORKERS=auto workers)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: setup ## ruff check and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check --diff benchmark tests bench || echo "(formatting differs; run make format)"

format: setup ## Format code with ruff and apply safe fixes
	$(VENV)/bin/ruff format benchmark tests bench
	$(VENV)/bin/ruff check --fix .

bench: setup ## Speed and memory benchmarks (reports/bench.json); not part of make test
	$(PY) -m bench

clean: ## Remove generated output (reports, processed and demo data); raw snapshots are kept
	rm -rf reports/*.html reports/*.pdf reports/*.csv reports/*.json reports/[0-9][0-9][0-9][0-9] data/demo
	rm -rf data/processed/current data/processed/sets data/processed/.lock data/processed/*.parquet data/processed/manifest.json
	rm -rf .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
