# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 5000
TRANSLATIONS := matchmaker/translations
PO_FILES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test lint format bench install translations messages db demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) translations

# Compiled catalogues (.mo) are build output, not in git: rebuilt whenever a .po changes.
translations: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l $* -f

# Re-extract the messages from the code and templates and merge them into every .po;
# then translate the new entries and run `make translations` (or any target above).
messages: $(STAMP)
	$(BIN)/pybabel extract -F matchmaker/babel.cfg -k _l -k lazy_gettext --sort-by-file \
		--project=matchmaker --msgid-bugs-address=none -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

db: install
	$(BIN)/matchmaker init

demo: db
	$(BIN)/matchmaker seed --demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/matchmaker run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check matchmaker tests migrations
	$(BIN)/ruff format --check matchmaker tests migrations
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix matchmaker tests migrations
	$(BIN)/ruff format matchmaker tests migrations

bench: install
	@for script in tests/bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache $(MO_FILES)
