# The two commands of the README: `make demo` (main job on the sample mesh) and `make test`.
# Both create .venv with python3 when it is missing and install the project into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# one stamp per set of extras: `make demo` installs only what the demo needs
DEMO_INSTALLED := $(VENV)/.installed-demo
INSTALLED := $(VENV)/.installed
# pytest workers of `make test`: many tests wait on subprocesses, servers and browsers
TEST_WORKERS ?= 2

.PHONY: demo test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(DEMO_INSTALLED)

$(DEMO_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dashboard,pdf]"
	touch $@

demo: $(DEMO_INSTALLED)
	$(BIN)/privacymesh demo
	$(BIN)/privacymesh dashboard

test: $(INSTALLED)
	$(BIN)/ruff check src tests benchmarks dashboards
	$(BIN)/ruff format --check src tests benchmarks dashboards
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --nbval-lax tests notebooks

lint: $(INSTALLED)
	$(BIN)/ruff check src tests benchmarks dashboards

format: $(INSTALLED)
	$(BIN)/ruff format src tests benchmarks dashboards

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
