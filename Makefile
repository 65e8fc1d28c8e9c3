# webnic.ssl — developer and CI entry points. `make` alone lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

ROOT      := $(CURDIR)
VENV      := $(ROOT)/.venv
PY        := $(VENV)/bin/python
SYNCED    := $(VENV)/ac/ansible_collections/webnic/ssl
# Tools resolve to the venv; playbooks with a local connection use this interpreter.
export PATH := $(VENV)/bin:$(PATH)
export VIRTUAL_ENV := $(VENV)
export ANSIBLE_PYTHON_INTERPRETER := $(PY)
export PYTHONDONTWRITEBYTECODE := 1

RUFF_PATHS := $(wildcard plugins tests bench demo hack)
SHELL_SCRIPTS := $(wildcard hack/*.sh .ci/run tests/integration/run.sh tests/integration/targets/*/runme.sh)
# Debian packages the suites need (e2e: nginx apache2 haproxy; proxy tests: tinyproxy; lint: shellcheck).
# `make test` and `make demo` install the missing ones when they can (root or passwordless sudo, apt-get).
TEST_PACKAGES := nginx apache2 haproxy tinyproxy openssl ca-certificates shellcheck
TEST_STEPS := lint sanity sanity-2.20 sanity-2.21 ansible-test-units units-2.20 units-2.21 simulator-tests integration e2e first-contact reliability awx bench-check packaging docs

.PHONY: help bootstrap sync fmt lint sanity sanity-2.20 sanity-2.21 units units-2.20 units-2.21 ansible-test-units simulator-tests integration e2e first-contact reliability awx bench-check bench packaging test demo docs build clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z0-9_-]*:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bootstrap: ## create/refresh .venv (Python 3.11, ansible-core 2.19, tools); cheap when up to date
	@hack/bootstrap.sh

sync: bootstrap ## copy the checkout to .venv/ac/ansible_collections/webnic/ssl (for ansible-test)
	@hack/sync-collection.sh >/dev/null

lint: bootstrap ## ruff, shellcheck, ansible-lint (production), changelog lint, docs lint — all run, any failure fails
	@rc=0; \
	echo "--- ruff check $(RUFF_PATHS)"; ruff check $(RUFF_PATHS) || rc=1; \
	if command -v shellcheck >/dev/null; then \
	  echo "--- shellcheck $(SHELL_SCRIPTS)"; shellcheck $(SHELL_SCRIPTS) || rc=1; \
	else echo "--- shellcheck not installed (apt-get install shellcheck): skipped"; fi; \
	echo "--- ansible-lint --profile production"; ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections ansible-lint --profile production --offline --nocolor -q || rc=1; \
	echo "--- antsibull-changelog lint"; antsibull-changelog lint || rc=1; \
	tmp=$$(mktemp -d); dest=$$(SYNC_DEST=$$tmp/ansible_collections/webnic/ssl hack/sync-collection.sh); \
	echo "--- antsibull-docs lint-collection-docs --plugin-docs"; \
	(cd "$$dest" && antsibull-docs lint-collection-docs --plugin-docs .) || rc=1; \
	rm -rf "$$tmp"; exit $$rc

fmt: bootstrap ## ruff format + ruff check --fix on the Python code (rewrites files)
	ruff format $(RUFF_PATHS)
	ruff check --fix $(RUFF_PATHS) || true

sanity: bootstrap ## ansible-test sanity --venv --python 3.11 on the synced copy
	@dest=$$(hack/sync-collection.sh); cd "$$dest"; \
	ansible-test sanity --venv --python 3.11 --color no $(SANITY_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

sanity-2.21: bootstrap ## ansible-test sanity with the newest ansible-core (2.21, Python 3.12, .venv-2.21)
	@hack/bootstrap-newest.sh
	@dest=$$(SYNC_DEST=$(ROOT)/.venv-2.21/ac/ansible_collections/webnic/ssl hack/sync-collection.sh); cd "$$dest"; \
	PATH="$(ROOT)/.venv-2.21/bin:$$PATH" VIRTUAL_ENV="$(ROOT)/.venv-2.21" ANSIBLE_PYTHON_INTERPRETER="$(ROOT)/.venv-2.21/bin/python" \
	  ansible-test sanity --venv --python 3.12 --color no $(SANITY_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

units-2.21: bootstrap ## ansible-test units (tests/unit) with the newest ansible-core (2.21, Python 3.12, .venv-2.21)
	@hack/bootstrap-newest.sh
	@dest=$$(SYNC_DEST=$(ROOT)/.venv-2.21/ac/ansible_collections/webnic/ssl hack/sync-collection.sh); cd "$$dest"; \
	PATH="$(ROOT)/.venv-2.21/bin:$$PATH" VIRTUAL_ENV="$(ROOT)/.venv-2.21" ANSIBLE_PYTHON_INTERPRETER="$(ROOT)/.venv-2.21/bin/python" \
	  ansible-test units --venv --python 3.12 --color no $(UNITS_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

sanity-2.20: bootstrap ## ansible-test sanity with ansible-core 2.20 (Python 3.13, .venv-2.20)
	@hack/bootstrap-newest.sh 2.20
	@dest=$$(SYNC_DEST=$(ROOT)/.venv-2.20/ac/ansible_collections/webnic/ssl hack/sync-collection.sh); cd "$$dest"; \
	PATH="$(ROOT)/.venv-2.20/bin:$$PATH" VIRTUAL_ENV="$(ROOT)/.venv-2.20" ANSIBLE_PYTHON_INTERPRETER="$(ROOT)/.venv-2.20/bin/python" \
	  ansible-test sanity --venv --python 3.13 --color no $(SANITY_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

units-2.20: bootstrap ## ansible-test units (tests/unit) with ansible-core 2.20 (Python 3.13, .venv-2.20)
	@hack/bootstrap-newest.sh 2.20
	@dest=$$(SYNC_DEST=$(ROOT)/.venv-2.20/ac/ansible_collections/webnic/ssl hack/sync-collection.sh); cd "$$dest"; \
	PATH="$(ROOT)/.venv-2.20/bin:$$PATH" VIRTUAL_ENV="$(ROOT)/.venv-2.20" ANSIBLE_PYTHON_INTERPRETER="$(ROOT)/.venv-2.20/bin/python" \
	  ansible-test units --venv --python 3.13 --color no $(UNITS_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

units: bootstrap ## pytest tests/unit tests/simulator (one file: make units PYTEST_ARGS=tests/unit/test_x.py)
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest $(or $(PYTEST_ARGS),tests/unit tests/simulator)

simulator-tests: bootstrap ## pytest tests/simulator (the simulator's own tests; make test runs tests/unit through ansible-test units on 2.19-2.21)
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest tests/simulator $(PYTEST_ARGS)

ansible-test-units: bootstrap ## ansible-test units --venv --python 3.11 on the synced copy (tests/unit, as certification pipelines run it)
	@dest=$$(hack/sync-collection.sh); cd "$$dest"; \
	ansible-test units --venv --python 3.11 --color no $(UNITS_ARGS) 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }

integration: bootstrap ## ansible-test integration against a fresh simulator (tests/integration/run.sh)
	@tests/integration/run.sh $(INTEGRATION_ARGS)

# tests/e2e/test_rollout.py and tests/reliability/test_fault_matrix.py (the money path) run once, in
# first-contact, on the strict profile (documented API, assumed GET paths missing), not twice.
e2e: bootstrap ## pytest tests/e2e (real playbooks, real nginx, real TLS handshakes); test_rollout.py runs in first-contact
	@if [[ -d tests/e2e ]] && [[ -n "$$(find tests/e2e -name 'test_*.py' -print -quit)" ]]; then \
	  ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest tests/e2e --ignore=tests/e2e/test_rollout.py $(PYTEST_ARGS); \
	else echo "e2e: no tests in tests/e2e"; exit 1; fi

first-contact: bootstrap ## money path on the documented profile with every assumed GET path answering 404 (order module, fault matrix, role rollout)
	@WEBNIC_SIM_PROFILE=documented WEBNIC_SIM_MISSING=assumed-reads ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest \
	  tests/unit/plugins/modules/test_webnic_ssl_order.py tests/reliability/test_fault_matrix.py tests/e2e/test_rollout.py $(PYTEST_ARGS)

reliability: bootstrap ## bad input, secrets, concurrency, interrupted runs, TLS (tests/reliability); the fault matrix runs in first-contact
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest tests/reliability --ignore=tests/reliability/test_fault_matrix.py $(PYTEST_ARGS)

awx: bootstrap ## AWX credential type, ansible-runner secret checks, docs checks (tests/awx)
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest tests/awx $(PYTEST_ARGS)

bench-check: bootstrap ## API-call counts of a rollout and of the nightly rerun (tests/bench; counts, never times)
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) -m pytest tests/bench $(PYTEST_ARGS)

bench: bootstrap ## fleet benchmark 1/10/50 hosts vs ping/copy/uri baselines -> bench/output (docs/performance.md)
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) bench/run.py $(BENCH_ARGS)

packaging: bootstrap ## build + install the tarball, ansible-doc every module, EE definition, changelog
	@$(PY) -m pytest tests/packaging $(PYTEST_ARGS)

test: ## install missing Debian packages when possible, run every step (lint, sanity, ansible-test units, simulator tests, integration, e2e, first-contact, reliability, awx, bench-check, packaging, docs; sanity and units on 2.20 and 2.21 too), end with `N passed, N failed`
	@hack/system-packages.sh $(TEST_PACKAGES) || echo "test: continuing; the steps that need the packages above will fail"
	@MAKE="$(MAKE)" hack/run-steps.sh $(TEST_STEPS)

demo: bootstrap ## run the demo (demo/run.py) against the simulator; nginx is installed when possible, else files-only mode
	@hack/system-packages.sh nginx || echo "demo: nginx unavailable, the demo runs in files-only mode"
	@ANSIBLE_COLLECTIONS_PATH=$(VENV)/collections $(PY) demo/run.py

docs: bootstrap ## antsibull-docs HTML site with the guides (docs/*.md) into build/docs/html; offline, unexpected warnings fail
	@hack/build-docs.sh

build: bootstrap ## build the collection tarball into build/
	@mkdir -p build && ansible-galaxy collection build --force --output-path build .

clean: ## remove build output, caches and the synced copy (keeps .venv)
	rm -rf build tests/output .pytest_cache .ruff_cache $(VENV)/ac tests/integration/inventory tests/integration/integration_config.yml
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
