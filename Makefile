# The two commands of the README: `make run` and `make test`. Everything else is a helper of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLAN := plans/wenzhou.yaml
# make run: development defaults (SQLite under var/, Celery tasks run eagerly in process).
RUN_ENV := DEBUG=1
# make test: production-like settings; DATABASE_URL and REDIS_URL come from scripts/with-services.sh.
# make run PORT=8001: another port when 8000 is taken.
PORT ?= 8000
TEST_ENV := DEBUG=0 SECRET_KEY=test-only-secret-key-not-for-production DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: run test bench bench-exports bench-suite load setup setup-dev messages clean backup restore

# Dependencies are installed by uv (pinned here; it is only the installer): the same pinned
# packages as pip installs, downloaded and compiled in parallel — seconds instead of half a minute
# (bench/results/suite.md). Should uv fail (an index only pip is configured for), pip installs them.
UV_VERSION := 0.13.8
INSTALL = $(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -r $(1) \
	|| { echo "uv could not install $(1): installing with pip" >&2; $(BIN)/pip install --quiet --disable-pip-version-check -r $(1); }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(call INSTALL,requirements.txt)
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(call INSTALL,requirements-dev.txt)
	touch $@ $(VENV)/.run-deps

setup: $(VENV)/.run-deps
	mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py load_plan $(PLAN)
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

run: setup
	@echo "Portal: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

setup-dev: $(VENV)/.dev-deps

test: setup-dev
	$(BIN)/lint-imports
	$(BIN)/bandit -r targets tasks metrology_portal --severity-level medium -q  # deliberate exceptions: `# nosec BXXX` + reason
	scripts/ensure-system-packages.sh
	$(TEST_ENV) PYTHON=$(BIN)/python scripts/with-services.sh scripts/run-tests.sh $(PYTEST_ARGS)

# Benchmarks (not tests): bench/progress.py records its ratios in bench/results/. The database gets
# the memory settings of docker-compose.yml's postgres service, as in production.
BENCH_PG_OPTIONS := -c shared_buffers=1GB
bench: setup-dev
	scripts/ensure-system-packages.sh
	DEBUG=0 SECRET_KEY=benchmark-only ALLOWED_HOSTS=testserver PG_OPTIONS="$(BENCH_PG_OPTIONS)" \
	  scripts/with-services.sh $(BIN)/python bench/progress.py

# bench/exports.py: the export writers (10k, 100k, 1M rows) and the audit workbook at 10× and 100×,
# recorded in bench/results/exports.{json,md}.
bench-exports: setup-dev
	scripts/ensure-system-packages.sh
	DEBUG=0 SECRET_KEY=benchmark-only ALLOWED_HOSTS=testserver PG_OPTIONS="$(BENCH_PG_OPTIONS)" \
	  scripts/with-services.sh $(BIN)/python bench/exports.py

# bench/suite.sh: `make test` timed as CI runs it (a fresh clone of HEAD, `.ci/run`), a row added to
# bench/results/suite.md (goal: at most 6 minutes on the 2-core development machine).
bench-suite:
	bench/suite.sh "$(NOTE)"

# Backup and restore (README "Backup and restore"), against the DATABASE_URL and DATA_DIR of the
# environment: one tar with the database (pg_dump, custom format), the media and a manifest of
# SHA-256 hashes. `make restore ARCHIVE=…` verifies the whole archive first and only restores into
# an empty database and an empty media directory.
BACKUP ?= var/backups/portal-$(shell date -u +%Y%m%d-%H%M%S).tar
backup: $(VENV)/.run-deps
	$(BIN)/python manage.py backup_portal $(BACKUP)

restore: $(VENV)/.run-deps
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=var/backups/portal-YYYYMMDD-HHMMSS.tar" >&2; exit 2; }
	$(BIN)/python manage.py restore_portal $(ARCHIVE)

# Regenerate the message catalogues after changing user-facing strings (then translate, then compile).
messages: $(VENV)/.run-deps
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles
	$(RUN_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf var staticfiles tests/artifacts

# make load: locust, 50 users for 60 s, against gunicorn + Celery worker and beat + PostgreSQL +
# Redis on loopback, at 1× (the demo) and 10× data; results in bench/results/load.{json,md}.
load: setup-dev
	scripts/ensure-system-packages.sh
	DEBUG=0 SECRET_KEY=load-test-only PG_OPTIONS="$(BENCH_PG_OPTIONS)" \
	  scripts/with-services.sh $(BIN)/python bench/load.py
