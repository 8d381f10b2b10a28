# Two commands on a fresh machine with Python, make, node and npm: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The password check page (a Telegram Mini App): TypeScript bundled by esbuild from the
# committed lockfile, with the checker's data and texts exported by the Python side.
WEBAPP := bot/passwords/webapp
PAGE := $(WEBAPP)/dist/index.html
NODE_STAMP := $(WEBAPP)/node_modules/.installed
PAGE_SOURCES := $(wildcard $(WEBAPP)/src/*) $(WEBAPP)/build.mjs $(WEBAPP)/tsconfig.json \
	$(wildcard content/passwords/*) $(wildcard content/strings/*/passwords.toml) \
	$(wildcard bot/passwords/*.py)

.PHONY: run test lint typecheck check bench clean webapp

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): $(WEBAPP)/package.json $(WEBAPP)/package-lock.json
	cd $(WEBAPP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(PAGE): $(STAMP) $(NODE_STAMP) $(PAGE_SOURCES)
	$(BIN)/python -m bot.passwords.webapp_data $(WEBAPP)/dist/page-data.json
	cd $(WEBAPP) && node_modules/.bin/tsc -p . && node build.mjs dist/page-data.json

webapp: $(PAGE)

run: $(STAMP) $(PAGE)
	$(BIN)/esign-bot run

# One worker per core: each test has its own databases and loopback ports, so they run apart.
test: $(STAMP) $(PAGE)
	$(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	for f in tests/benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(WEBAPP)/node_modules $(WEBAPP)/dist
