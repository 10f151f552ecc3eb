# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# Development mode unless the caller says otherwise (production sets DEBUG=0).
export DEBUG ?= 1

.PHONY: run serve test install install-dev lint messages bench bench-national load clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_areas
	$(PY) manage.py load_demo
	@echo
	@echo "Desmigratif demo on http://$(HOST)/ - sign in as one of the users above."
	@echo
	@# The import worker (django-q2) runs beside the web server; Ctrl+C stops
	@# both at once (deploy/together.py: the worker's group is killed after 3 s).
	$(PY) deploy/together.py "$(PY) manage.py runserver $(HOST)" "$(PY) manage.py qcluster"

# Production mode on this machine: DEBUG=0, collectstatic, migrate, load_areas,
# gunicorn (deploy/gunicorn.conf.py) and the import worker. See deploy/serve.
serve: install
	PY=$(PY) HOST=$(HOST) DEBUG=0 deploy/serve

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate the message catalogues after changing user-visible strings,
# then translate the new entries in locale/*/LC_MESSAGES/django.po.
messages: install
	$(PY) manage.py makemessages --all --no-location --ignore='.venv/*' --ignore='staticfiles/*' --ignore='tests/*'
	$(PY) manage.py compilemessages --ignore='.venv/*'

bench: install-dev
	$(PY) bench/load_areas.py
	$(PY) bench/page_weight.py
	BENCH_DATABASE_URL= $(PY) bench/households.py $(BENCH_ARGS)
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'desmigratif_bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE desmigratif_bench"
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/households.py $(BENCH_ARGS)
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/coverage.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/lists.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/dashboards.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/officer_pages.py $(BENCH_PAGES_ARGS)
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/exports.py $(BENCH_EXPORTS_ARGS)
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/search.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/report_snapshot.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_import_bench $(PY) bench/imports.py $(BENCH_IMPORTS_ARGS)
	@# Offline entry's sync: 50 entries in one request, on SQLite, then on a
	@# PostgreSQL database of its own (the bench deletes its village's households there).
	BENCH_DATABASE_URL= $(PY) bench/offline_sync.py
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'desmigratif_sync_bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE desmigratif_sync_bench"
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_sync_bench $(PY) bench/offline_sync.py
	@# Last: it exits non-zero when a page misses a Lighthouse target (Node and Chromium needed).
	$(PY) bench/lighthouse.py $(BENCH_LIGHTHOUSE_ARGS)

# Issue 11's targets at national scale: 3,000 villages and 10,000,000 members
# in desmigratif_national (bench/national.py). Not part of `make bench`: the
# first build takes about 11 minutes; the database is kept and reused.
# NATIONAL_ARGS="--villages 60 --members 200000" (with NATIONAL_DB) runs it small.
NATIONAL_DB ?= desmigratif_national
NATIONAL_ARGS ?=
bench-national: install-dev
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$(NATIONAL_DB)'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $(NATIONAL_DB)"
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(NATIONAL_DB) $(PY) bench/national.py $(NATIONAL_ARGS)

# The load test: 50 users for 5 minutes through the production stack on
# loopback (two gunicorn servers, nginx, a streaming replica, Redis, the worker),
# then again with one server killed; deploy/loopback/run starts and removes it
# all (as root). LOAD_ARGS="--small --quick" for a run of a few minutes.
# LOAD_HOST=http://127.0.0.1:8000 instead runs only the locust profile against a
# server you started on the seeded database (bench/load_seed.py).
LOAD_ARGS ?=
LOAD_HOST ?=
LOAD_USERS ?= 50
LOAD_TIME ?= 5m
load: install-dev
	@if [ -n "$(LOAD_HOST)" ]; then \
		$(VENV)/bin/locust -f bench/locustfile.py --headless --only-summary --reset-stats -H $(LOAD_HOST) \
			-u $(LOAD_USERS) -r 2 -t $(LOAD_TIME); \
	else \
		deploy/loopback/run $(LOAD_ARGS); \
	fi

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-*
