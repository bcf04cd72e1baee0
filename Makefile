# Guanxi: `make run` serves the CRM, `make test` runs every check. Both set up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-pg lint format bench bench-pg load load-ci load-ci-prepare browser-deps mail-deps messages demo clean

# The checks keep Python's bytecode (__pycache__/, git-ignored) even where the environment sets
# PYTHONDONTWRITEBYTECODE: without it every pytest worker compiles all of guanxi and rewrites every test module and
# pytest plugin again, ~11 CPU-seconds of its ~23 to collect the suite (an empty value counts as unset).
test test-pg lint load-ci load-ci-prepare: export PYTHONDONTWRITEBYTECODE :=

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/guanxi run

# Headless Chromium + Chinese fonts for the browser tests (Debian/Ubuntu; needs root or sudo).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  echo "Installing chromium and fonts-wqy-microhei for the browser tests…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

# Dovecot, the real IMAP server the e-mail tests start on loopback with their own configuration (Debian/Ubuntu).
mail-deps:
	@if [ ! -x /usr/sbin/dovecot ] || [ ! -e /usr/lib/dovecot/imap ]; then \
	  echo "Installing dovecot-imapd for the e-mail tests…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The test databases start as copies of one migrated template (guanxi/core/tests/migrated.py): it is built on the core
# that lint leaves idle (mypy runs on one), so no pytest worker waits ~50 CPU-s for `migrate`.
test: $(STAMP) browser-deps mail-deps
	@mkdir -p var; $(BIN)/python -m guanxi.core.tests.migrated > var/test-template.log 2>&1 & template=$$!; \
	  $(MAKE) --no-print-directory lint; lint=$$?; \
	  wait $$template || { echo "The migrated template failed (pytest tries again):"; cat var/test-template.log; }; \
	  exit $$lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v 0
	DJANGO_SETTINGS_MODULE=guanxi.settings.production GUANXI_SECRET_KEY=$$(head -c 40 /dev/urandom | base64) \
	  GUANXI_ALLOWED_HOSTS=crm.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

# The same suite on PostgreSQL (GUANXI_DATABASE_URL must point at a server; CI uses the local one), less the tests
# that run once, on SQLite: those that touch no database and the browser tests (conftest.py _run_once).
test-pg: $(STAMP) mail-deps
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

bench: $(STAMP)
	$(BIN)/python -m bench.run

# The same cases on PostgreSQL at 1M customers, 5M follow-ups, 500k deals, in a database it (re)creates:
# guanxi_bench on the local server (BENCH_PG_ARGS="--pg-db NAME --pg-url postgres://user@host:port" to change).
bench-pg: $(STAMP)
	$(BIN)/python -m bench.run --pg --scale 1m $(BENCH_PG_ARGS)

# Concurrent users: locust (200 users, 10 minutes) against gunicorn and the worker on PostgreSQL, demo company with
# 50,000 customers in the database guanxi_load; then every successful write is checked (docs/benchmarks.md).
load: $(STAMP)
	$(BIN)/python -m bench.load.run $(LOAD_ARGS)

# Its CI version: 50 users for 60 s on a small demo company; fails on any error but the expected 412s or a lost write.
# (.ci/run fills its database with load-ci-prepare while the PostgreSQL suite runs, then runs LOAD_ARGS=--reuse.)
load-ci: $(STAMP)
	$(BIN)/python -m bench.load.run --ci --pg-db guanxi_load_ci $(LOAD_ARGS)

load-ci-prepare: $(STAMP)
	$(BIN)/python -m bench.load.run --ci --pg-db guanxi_load_ci --prepare-only $(LOAD_ARGS)

# Translations: extract strings, then (after editing the .po) compile. The compiled .mo files are committed so that
# `make run` needs no gettext tools.
messages: $(STAMP)
	cd guanxi && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --ignore='static/*' && \
	  ../$(BIN)/django-admin compilemessages

demo: $(STAMP)
	$(BIN)/guanxi demo

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
