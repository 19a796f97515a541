VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Two workers (pytest-xdist), one per core of the project's machines; `make test PYTEST_ARGS=`
# runs the suite in one process.
# --dist loadfile: a file's tests run in one worker, in file order, as they do in one process
# (the permission matrix shares one world per module and some rows depend on earlier ones).
PYTEST_ARGS ?= -n 2 --dist loadfile

NODE_STAMP := node_modules/.installed

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps mmpy_bot==2.2.1 mattermostautodriver==2.3.0  # see pyproject.toml
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/inbound serve

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The official Mattermost JavaScript client (package.json) for tests/test_mattermost_js_client.py;
# without npm that test is skipped here (CI installs node and fails it instead).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the JS client test will be skipped (apt-get install nodejs npm)"; fi

test: lint $(NODE_STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || (echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
