# omefs — two commands: `make demo` (the main job on local emulators) and
# `make test` (lint, types and the whole suite on local servers).
# Both set up everything they need: a .venv with omefs and all extras,
# Azurite in a project-local node folder. No cloud account is needed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_DIR := .node
AZURITE := $(NODE_DIR)/node_modules/.bin/azurite-blob
AZURITE_VERSION := 3.35.0
STAMP := $(VENV)/.omefs-installed
# An example provider that lives only in the tests (see docs/architecture.md).
TESTMEM := tests/plugins/omefs-testmem
TESTMEM_STAMP := $(VENV)/.omefs-testmem-installed

.PHONY: demo test lint type docs setup clean bench fuse emulators

setup: $(STAMP) $(TESTMEM_STAMP) $(AZURITE) fuse

# FUSE for `omefs mount` and its test (Debian packages; skipped where apt is absent).
fuse:
	@if [ ! -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ] && [ ! -e /usr/lib/aarch64-linux-gnu/libfuse.so.2 ] \
	   && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && apt-get install -y -qq fuse3 libfuse2 >/dev/null) \
	  || echo "note: fuse3/libfuse2 not installed; the mount test will skip"; fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all,test,docs]'
	touch $(STAMP)

# After omefs itself; reinstalled when its pyproject.toml changes.
$(TESTMEM_STAMP): $(STAMP) $(TESTMEM)/pyproject.toml
	$(PY) -m pip install --quiet -e $(TESTMEM)
	touch $(TESTMEM_STAMP)

$(AZURITE):
	command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) azurite@$(AZURITE_VERSION)

demo: setup
	$(PY) examples/crosscloud_demo.py

# S3 (moto) on 127.0.0.1:5000, GCS on :9023, Azurite on :10000, until Ctrl-C; prints the
# OMEFS_CONFIG that sends every s3://, gs://, az:// URL of the CLI to them.
emulators: setup
	$(PY) examples/emulators.py

lint: $(STAMP)
	$(VENV)/bin/ruff check omefs tests bench examples

type: $(STAMP)
	$(VENV)/bin/mypy omefs

# Two pytest workers (TEST_WORKERS=0 for one process): each starts the servers its tests ask for;
# --dist loadscope keeps a test class (and its class-scoped buckets) on one worker.
TEST_WORKERS ?= 2

test: setup lint type
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadscope

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir site

bench: setup
	@command -v rclone >/dev/null || (apt-get update -qq && apt-get install -y -qq rclone >/dev/null) \
	  || echo "note: rclone not installed; the benchmark skips its rclone runs"
	$(PY) bench/crosscopy.py

clean:
	rm -rf $(VENV) $(NODE_DIR) site .pytest_cache .mypy_cache .ruff_cache
