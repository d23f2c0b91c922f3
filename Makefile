# Two commands on a fresh machine: `make run` talks to the bot, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NPM_DIR := .cache/node

.PHONY: run chat test lint typecheck pytest bench clean install dev

run: $(VENV)/.installed
	$(BIN)/entraide run

chat: $(VENV)/.installed
	$(BIN)/entraide chat

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Entraide needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The Telegram end-to-end tests talk to the telegram-test-api server (Node).
$(NPM_DIR)/node_modules/telegram-test-api: tests/e2e/telegram_peer/package.json
	@if command -v npm >/dev/null; then \
		mkdir -p $(NPM_DIR) && cp tests/e2e/telegram_peer/package.json $(NPM_DIR)/ && \
		npm install --prefix $(NPM_DIR) --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the Telegram end-to-end tests will be skipped"; fi

pytest: $(VENV)/.dev-installed $(NPM_DIR)/node_modules/telegram-test-api
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(VENV)/.dev-installed
	@ls bench/*.py | while read script; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
