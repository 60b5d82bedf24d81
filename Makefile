# Two commands do everything on a fresh Debian 12 machine (as root):
#   make demo   - install, then start the kiosk with simulated devices
#   make test   - install, start what the tests need (pcscd + virtual reader), run the suite
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test soak bench sysdeps venv lint typecheck clean

sysdeps:
	bash packaging/install-system-deps.sh

$(STAMP): pyproject.toml packaging/install-system-deps.sh
	$(MAKE) sysdeps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24" "setuptools>=68" wheel
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) main.py --demo

test: $(STAMP)
	bash packaging/run-tests.sh

# The crash matrix x1000 and the heavier fault matrices.
soak: $(STAMP)
	KIOSK_CRASH_SCALE=1000 $(PY) -m pytest -m crash -p no:cacheprovider tests/kiosk/test_crash_matrix.py -x

bench: $(STAMP)
	$(PY) -m pytest benchmarks -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check kiosk devices sync ui tests main.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy kiosk

clean:
	rm -rf $(VENV) build *.egg-info
