# docker-dashboard: `make run` starts the local OpenStack with Horizon and the plugin; `make test` runs every test.
VENV ?= $(CURDIR)/.venv
PYTHON ?= python3
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: help system venv test test-unit test-docker test-stack test-browser wheel-check run stop bench lint clean

help:
	@echo "make run    - install what is needed, start the local stack and Horizon with the plugin"
	@echo "make stop   - stop everything make run started"
	@echo "make test   - install what is needed and run every test"

system:
	@bash tools/install-system.sh

venv: $(STAMP)

$(STAMP): constraints.txt requirements.txt requirements-dev.txt setup.py
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -c constraints.txt pip setuptools wheel
	$(PIP) install -q -c constraints.txt -r requirements-dev.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: system venv
	bash tools/run-tests.sh

test-unit: venv
	$(VENV)/bin/pytest -m "not docker and not stack and not browser" tests

test-docker: system venv
	$(VENV)/bin/pytest -m docker tests

wheel-check: venv
	bash tools/check-wheel.sh

run: system venv
	bash stack/run.sh

stop:
	bash stack/stop.sh

bench: venv
	bash bench/run.sh

clean:
	rm -rf build dist *.egg-info
