# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# Development mode unless the caller says otherwise (production sets DEBUG=0).
export DEBUG ?= 1

.PHONY: run test install install-dev lint messages bench clean

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
	@# The import worker (django-q2) runs beside the web server and stops with it
	@# (forced after 10 s: its graceful stop can hang once the server is gone).
	$(PY) manage.py qcluster & qcluster=$$!; \
		trap 'status=$$?; kill $$qcluster 2>/dev/null; \
			for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $$qcluster 2>/dev/null || break; sleep 1; done; \
			kill -9 $$qcluster 2>/dev/null; exit $$status' EXIT; \
		trap 'exit 130' INT TERM; \
		$(PY) manage.py runserver $(HOST)

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
	BENCH_DATABASE_URL= $(PY) bench/households.py $(BENCH_ARGS)
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'desmigratif_bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE desmigratif_bench"
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/households.py $(BENCH_ARGS)
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/coverage.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_bench $(PY) bench/dashboards.py
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/desmigratif_import_bench $(PY) bench/imports.py $(BENCH_IMPORTS_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-*
