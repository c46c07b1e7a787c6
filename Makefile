# The README's two commands: `make run` (local gateway on embedded AWS) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .tools-sam
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt layers/deps/requirements.txt layers/server/requirements.txt pyproject.toml | sha1sum | cut -c1-12)
SAM_STAMP := $(SAM_VENV)/.installed-$(shell sha1sum requirements/sam.txt | cut -c1-12)

.PHONY: setup run test lint typecheck unit template build bench clean console browser screenshots

setup: $(STAMP)

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

$(SAM_STAMP):
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements/sam.txt
	@rm -f $(SAM_VENV)/.installed-* && touch $@

# The brand console (console/: Preact + Vite), built into the core package so the dashboard function
# (and the local run) serve it at /console. npm ci installs exactly the committed lock file.
CONSOLE_SRC := $(shell find console/src -type f 2>/dev/null) console/index.html console/vite.config.js
CONSOLE_OUT := shared/spidergate/web/console_dist/index.html
CONSOLE_DEPS := console/node_modules/.installed

## console: build the web console (npm ci + vite build) when its sources changed
console: $(CONSOLE_OUT)

$(CONSOLE_DEPS): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE_OUT): $(CONSOLE_DEPS) $(CONSOLE_SRC)
	cd console && npm run --silent build

## browser: Debian's chromium and chromium-driver for the console's browser tests (installed when missing)
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" != 0 ]; then echo "chromium and chromium-driver are missing: run 'make browser' as root" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

## screenshots: docs/console-*.png, each console page in headless Chromium over the local stack
screenshots: setup console browser
	$(BIN)/python scripts/console_screenshots.py

## run: the gateway on http://127.0.0.1:$${PORT:-8080}/api/gate/v1 with moto, a sandbox upstream and demo data
## (data kept in .local/state.json across runs; FRESH=1 starts clean; BIND=0.0.0.0 for sam local)
run: setup console
	$(BIN)/python -m spidergate.local $(if $(FRESH),--fresh) $(if $(BIND),--bind $(BIND))

## test: lint, type-check, unit + functional + integration tests, template checks
test: setup $(SAM_STAMP) console browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(BIN)/pytest

# sam build installs wheels with the Lambda runtime's interpreter (template.yaml: Runtime python3.12),
# which must be on PATH: a system python3.12, else a pyenv one.
LAMBDA_PYTHON := python3.12
LAMBDA_PY_BIN = $(shell for p in $(LAMBDA_PYTHON) $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	"$$p" -c 'import sys; print(sys.prefix + "/bin")' 2>/dev/null && break; done)

## build: sam build, then import every built handler from the build output and check architectures
build: setup $(SAM_STAMP) console
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint
	PATH="$(LAMBDA_PY_BIN):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --parallel --cached
	@# Lambda cannot write __pycache__ (read-only code): ship bytecode, or every cold start compiles.
	$(LAMBDA_PY_BIN)/$(LAMBDA_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build
	$(BIN)/python scripts/check_build.py

## bench: added latency and throughput against the loopback upstream (prints figures; never fails on timing)
bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .local console/node_modules shared/spidergate/web/console_dist
