# taskclock: two commands for a newcomer, `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TASKCLOCK := $(VENV)/bin/taskclock

.PHONY: run test test-python test-js lint-extension build system-deps bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

build: $(VENV)/.installed node_modules/.installed
	$(TASKCLOCK) extension build --browser all --out dist

run: $(VENV)/.installed node_modules/.installed build
	$(PY) -m bridge.devrun

test: system-deps $(VENV)/.installed node_modules/.installed build test-js lint-extension test-python

test-js: node_modules/.installed
	node --test tests/extension/

lint-extension: build
	npx --no-install web-ext lint --source-dir dist/firefox --output text --warnings-as-errors

test-python: $(VENV)/.installed
	$(PY) -m pytest -q -p no:cacheprovider

$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e '.[test,bench]'
	touch $@

bench: $(VENV)/.installed $(VENV)/.bench-installed node_modules/.installed build
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules dist
