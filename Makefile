# The template's two commands: `make bake` and `make test`. Both install uv first if it is missing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
OUT ?= baked
ARGS ?=

.PHONY: bake test test-quick lint uv

bake: $(UV) ## Bake the default project into ./baked (pass answers with ARGS="database=sqlite ...")
	$(UV) run --locked cookiecutter . --no-input --overwrite-if-exists -o $(OUT) $(ARGS)

test: $(UV) ## Run the whole suite: rules, refusals, static checks and the runtime layer
	$(UV) run --locked pytest

test-quick: $(UV) ## The quick loop: everything but the runtime and images layers
	$(UV) run --locked pytest -m "not runtime and not images"

lint: $(UV) ## Lint and type-check the template's own code
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet uv
