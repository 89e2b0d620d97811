# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install install-dev lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/sixfold migrate --noinput
	$(BIN)/sixfold seed_demo --if-empty
	$(BIN)/sixfold serve --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/sixfold makemigrations --check --dry-run

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

messages: $(VENV)/.installed-dev
	cd sixfold && ../$(BIN)/sixfold makemessages -l zh_Hans -l en --no-obsolete --no-location
	cd sixfold && ../$(BIN)/sixfold compilemessages

clean:
	rm -rf $(VENV) var
