# Joint Credit Portal — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
INSTALLED := $(VENV)/.installed
# The project's packages, for bandit (findings are fixed or justified inline with `# nosec`).
BANDIT_PATHS := portal exchange importers search cms
# Apache ECharts, pinned in frontend/package-lock.json, served from our own static files (never a CDN).
ECHARTS := portal/static/vendor/echarts/echarts.min.js

.DEFAULT_GOAL := help
.PHONY: help run dev setup test lint format check test-postgres system-packages frontend lock bench clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

$(INSTALLED): requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(INSTALLED)

system-packages: ## Install the Debian packages the portal needs (CJK font, chromium for browser tests)
	@scripts/ensure-system-packages.sh gettext fonts-noto-cjk fonts-wqy-zenhei chromium chromium-driver

$(ECHARTS): frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 with npm (Debian: apt-get install nodejs npm)"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(dir $(ECHARTS))
	cp frontend/node_modules/echarts/dist/echarts.min.js $@
	cp frontend/node_modules/echarts/LICENSE $(dir $(ECHARTS))LICENSE

frontend: $(ECHARTS) ## Install the pinned browser libraries (npm ci) and copy them into the static files

setup: $(INSTALLED) system-packages $(ECHARTS) ## Install, migrate, load the catalog and demo data, create demo accounts
	$(MANAGE) compilemessages --ignore ".venv/*" --verbosity 0
	$(MANAGE) migrate --noinput
	$(MANAGE) install_catalog
	$(MANAGE) install_duties
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_demo --if-empty --subjects 2000 --records 20000
	$(MANAGE) subject_name_keys
	$(MANAGE) search_index --rebuild --if-needed
	$(MANAGE) refresh_statistics
	$(MANAGE) setup_site
	$(MANAGE) create_demo_accounts

run: setup ## Set everything up and serve the portal at http://127.0.0.1:8000 (gunicorn, DEBUG off)
	@scripts/run-embedded.sh

dev: setup ## As run, with Django's development server and DEBUG on
	@scripts/run-dev.sh

test: $(INSTALLED) system-packages $(ECHARTS) ## Lint, layers, security lint, Django checks and the whole test suite (embedded default)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r $(BANDIT_PATHS) -x '*/migrations/*'
	DJANGO_SETTINGS_MODULE=portal.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=portal.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

test-postgres: $(INSTALLED) ## The suite against PostgreSQL and Redis (DATABASE_URL and REDIS_URL must be set)
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL is not set"; exit 1; }
	$(BIN)/pytest -m "not browser"

lint: $(INSTALLED) ## Lint only (code, the layers between apps, security)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r $(BANDIT_PATHS) -x '*/migrations/*'

format: $(INSTALLED) ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock: ## Re-resolve requirements.in into requirements.lock
	rm -rf /tmp/portal-lock && $(PYTHON) -m venv /tmp/portal-lock
	/tmp/portal-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Locked versions of requirements.in (regenerate: make lock). Installed by name from PyPI."; \
	  /tmp/portal-lock/bin/pip freeze; } > requirements.lock

clean: ## Remove the virtualenv, local state (database, uploads) and installed browser libraries
	rm -rf $(VENV) var frontend/node_modules $(ECHARTS)
