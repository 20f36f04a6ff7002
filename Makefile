# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run up screenshots test lint format install assets migrate seed bench clean

# Production settings are the portal's default; the development targets switch
# debug on explicitly (and with it the development SECRET_KEY and hosts).
migrate seed run test screenshots: export DEBUG := true

$(STAMP): pyproject.toml
	@# WeasyPrint (progress report PDFs) needs Pango and a font from Debian.
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	  else echo "Please run: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; exit 1; fi; }
	@# ffmpeg strips location and other metadata from families' videos
	@# (messaging/media.py); without it videos are refused.
	@command -v ffmpeg >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq ffmpeg; \
	  else echo "Please run: sudo apt-get install ffmpeg"; exit 1; fi; }
	@# The browser journeys validate every page with the Nu HTML Checker (Java).
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq default-jre-headless; \
	  else echo "Please run: sudo apt-get install default-jre-headless"; exit 1; fi; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) node_modules/.package-lock.json

assets: node_modules/.package-lock.json

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

# The full stack with production settings (needs PostgreSQL and Redis).
up: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bin/up

# One pytest-xdist worker per core (each with a test database and a Redis
# database of its own). Locally the test databases are kept between runs
# (--reuse-db; --create-db after changing a migration); CI builds them afresh
# and runs the time sweep: the tests marked timesweep again at every hard
# instant of tests/clock.py (the clocks changing, a Sunday night, a leap day).
CORES := $(shell nproc 2>/dev/null || echo 1)
TEST_FLAGS := $(if $(filter 1,$(CORES)),,-n $(CORES))
ifeq ($(CI),true)
TEST_FLAGS += --time-sweep
else
TEST_FLAGS += --reuse-db
endif

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(TEST_FLAGS) $(PYTEST_ARGS)

# The browser journeys, which leave screenshots in test-artifacts/screenshots/.
screenshots: install
	$(PY) -m pytest tests/browser -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every key page rendered afresh under a practice's writes, at scales 1 and 10, and
# the family's home on a throttled phone (README, "Performance").
# Flags through BENCH_ARGS, e.g. make bench BENCH_ARGS="--scales 0.1 --duration 3".
bench: install
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 .pytest_cache
