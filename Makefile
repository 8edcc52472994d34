# Two entry points: `make run` (serve the demo) and `make test` (the whole suite).
# Both work from a fresh clone: they create .venv and install what is needed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install run test lint format chromium nginx clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, pinned: an unpinned torch (pulled by detoxify) is a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(PY) manage.py demo --session
	# A deep listen queue: after a restart every phone reconnects at once (Twisted's default is 50).
	$(VENV)/bin/daphne -e tcp:port=$(PORT):interface=$(HOST):backlog=4096 asgi:application

# Browser tests drive Debian's Chromium; install it when it is missing (needs root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

# tests/test_nginx.py puts Debian's nginx in front of two Daphne processes; install
# it when it is missing (needs root). The package would start a system nginx on
# port 80: a policy-rc.d that refuses every start is in place during the install
# (removed afterwards unless it was there before), and on a systemd machine the
# service is disabled too. The test runs a private nginx of its own.
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
		echo "Installing Debian's nginx for the deployment test (its service is not started)"; \
		added=; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && added=1; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; status=$$?; \
		if [ -n "$$added" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
		if [ $$status -eq 0 ] && [ -d /run/systemd/system ]; then systemctl disable --quiet nginx; fi; \
		exit $$status; \
	fi

# axe-core, for the accessibility tests (injected into pages under test only).
# (npm dates installed files 1985, so a stamp tells make when it ran.)
AXE_STAMP := tests/a11y/node_modules/.installed-stamp
$(AXE_STAMP): tests/a11y/package.json tests/a11y/package-lock.json
	cd tests/a11y && npm ci --silent --no-audit --no-fund
	touch $(AXE_STAMP)

# The pages' JavaScript dev tools (eslint) and node's own test runner; nothing here is served.
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(NODE_STAMP)

test: install chromium nginx $(AXE_STAMP) $(NODE_STAMP)
	mkdir -p var
	node --test tests/js/
	$(PY) -m pytest $(PYTEST_ARGS)

# Lint and format checks, as CI runs them (`make format` applies ruff's formatting).
lint: install $(NODE_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install eslint .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache node_modules

# Translations: refresh locale/fr/LC_MESSAGES/django.po from the code, and
# compile it. The compiled .mo is committed, so running the service needs no
# gettext tools; this target does (apt-get install gettext).
messages: install
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=var --ignore=tests --ignore=build --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages -l fr --ignore=.venv
