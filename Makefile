# kzgraph: `make run` builds, validates and serves the graph; `make test` runs the linter, the type checker and
# the test suite.
# Both create the virtual environment .venv on first use, with the versions pinned in constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test build validate serve system-deps clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

run: build validate serve

build: $(BIN)/.installed
	$(BIN)/kzgraph build

validate: $(BIN)/.installed
	$(BIN)/kzgraph validate

serve: $(BIN)/.installed
	$(BIN)/kzgraph serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/install-system-deps.sh

test: $(BIN)/.installed system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) build .pytest_cache
