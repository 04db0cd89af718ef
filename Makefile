# Mendwell: `make run` to use it, `make test` to check it. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP_STAMP := $(VENV)/.installed-app
TEST_STAMP := $(VENV)/.installed-test
PORT ?= 8501

.PHONY: run serve test lint bench demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Mendwell needs Python 3.11 or newer; set PYTHON=python3.12 for example.")'
	$(PYTHON) -m venv $(VENV)

# What running needs, and no more.
$(APP_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(APP_STAMP)

# The test tools on top.
$(TEST_STAMP): $(APP_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(TEST_STAMP)

run: $(APP_STAMP)
	$(BIN)/mendwell demo --if-empty
	$(BIN)/python -m streamlit run app.py --server.port $(PORT)

# The app behind Caddy with HTTPS, for phones on a home network (needs Debian's caddy).
serve: $(APP_STAMP)
	$(BIN)/mendwell demo --if-empty
	deploy/serve.sh

# Two workers (each test module stays on one, with its server), then what needs the machine to itself.
test: lint
	$(BIN)/python -m pytest -n 2 --dist loadscope -m "not serial"
	$(BIN)/python -m pytest -m serial tests/stress

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(TEST_STAMP)
	$(BIN)/python -m tests.bench.bench_pages
	$(BIN)/python -m tests.bench.charts_browser
	$(BIN)/python -m tests.bench.charts_browser --start settings --json test-artifacts/charts_browser_rerun.json
	$(BIN)/python -m tests.bench.caseload_board
	$(BIN)/python -m tests.bench.capacity
	$(BIN)/python -m tests.bench.phone_checkin

demo: $(APP_STAMP)
	$(BIN)/mendwell demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts
