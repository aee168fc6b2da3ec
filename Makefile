# Workbench: the two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PYTEST := $(VENV)/bin/pytest
CHROMIUM := /usr/bin/chromium
# Development settings for every command run in this tree (see "$(ENV_FILE):" below).
ENV_FILE := .env

.PHONY: run test test-fast lint bench chromium redis postgres clean

# Find a Python >= 3.12: the pyenv pin in .python-version first, then any python3.1x.
$(PY):
	@found=""; \
	for candidate in python3 python3.13 python3.12 python; do \
	  if command -v $$candidate >/dev/null 2>&1 && \
	     $$candidate -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
	    found=$$candidate; break; \
	  fi; \
	done; \
	if [ -z "$$found" ]; then \
	  echo "Workbench needs Python 3.12 or newer (Django 6). Install it (pyenv install 3.13) and retry." >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$($$found --version)"; \
	$$found -m venv $(VENV)

$(VENV)/.installed-runtime: pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-runtime
	$(PIP) install --quiet -e '.[dev]'
	touch $@

# Debian's Chromium and the fonts that draw CJK and emoji; Playwright's own download cannot work here.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "Browser tests need $(CHROMIUM): apt-get install chromium fonts-noto-color-emoji fonts-wqy-microhei" >&2; exit 1; \
	  fi; \
	fi

# Written once, never overwritten: development mode and a secret key of this tree's own.
# settings.py reads it (real environment variables win), so `.venv/bin/python manage.py …`
# works as shown after `make run`. Git-ignored; readable by its owner only.
$(ENV_FILE): | $(PY)
	@umask 077; \
	{ echo "# Workbench development settings, written once by make run (git-ignored)."; \
	  echo "# Real environment variables win over these lines."; \
	  echo "WORKBENCH_DEBUG=1"; \
	  echo "SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	} > $@.tmp && mv $@.tmp $@
	@echo "Wrote $@: development mode and a new secret key for manage.py in this tree."

# The server and, beside it, the worker that runs background jobs (large imports, export
# files). The worker gets a session of its own (its pid is its process group) so that
# stopping the server stops it too, with its autoreloader's child, however make ends.
run: $(VENV)/.installed-runtime $(ENV_FILE)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@setsid $(PY) manage.py db_worker --queue-name default & worker=$$!; \
	trap 'kill -TERM -- -$$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Worker for background jobs started (pid $$worker); it stops with the server."; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev chromium redis
	$(PYTEST) -q

# Everything but the browser tests, for quick loops.
test-fast: $(VENV)/.installed-dev redis
	$(PYTEST) -q -m "not e2e"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Benchmarks: every bench/bench_*.py, each on its own throwaway database; medians, not asserts.
bench: $(VENV)/.installed-dev
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# The production cache; one test checks that two workers share the login throttle through it.
redis:
	@if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  command -v redis-server >/dev/null || { echo "Tests need Redis on 127.0.0.1:6379 (apt-get install redis-server)" >&2; exit 1; }; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null; \
	  for i in $$(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && exit 0; sleep 0.2; done; \
	  echo "Redis did not start" >&2; exit 1; \
	fi

postgres:
	@pg_isready -q -h 127.0.0.1 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

clean:
	rm -rf $(VENV) var/*.sqlite3
