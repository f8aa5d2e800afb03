# The two commands a newcomer needs are `make demo` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -n 2

.PHONY: install demo serve test lint typecheck pytest browser bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

demo: install
	$(VENV)/bin/cpq demo

serve: install
	$(VENV)/bin/cpq serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# The page tests drive Debian's Chromium (Playwright's own browser download is not available).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

pytest: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(PY) bench/sync_bench.py
	$(PY) bench/pricing_bench.py
	$(PY) bench/configuration_bench.py
	$(PY) bench/quotes_bench.py
	$(PY) bench/documents_bench.py
	$(PY) bench/contract_fuzz.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
