# mailroll — two commands set everything up on a fresh machine:
#   make run    install (Debian packages for attachments, .venv), process the demo
#               mailbox, write the workbook
#   make test   install what the tests need (Dovecot, LibreOffice, ...) and run them all
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint install install-test clean bench

$(VENV)/.installed: pyproject.toml scripts/install-deps.sh
	bash scripts/install-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml scripts/install-deps.sh
	bash scripts/install-deps.sh --test
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.test-installed

run: install
	$(BIN)/mailroll --config config.toml run --once

test: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	shellcheck scripts/install-deps.sh
	MAILROLL_REQUIRE_DOVECOT=1 $(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the benchmark against the floor (issue #8): a few minutes on 2 cores; needs Dovecot
bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf var output
