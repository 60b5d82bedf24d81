# Two commands do everything on a fresh Debian 12 machine (as root):
#   make demo   - install, then start the kiosk with simulated devices (file-backed demo cards)
#   make test   - install, start what the tests need (pcscd + virtual reader), run the suite
# and
#   make demo-cards - the demo on the real card stack: pcscd + the vpcd card emulator
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo demo-cards test soak bench sysdeps venv lint typecheck clean translations

sysdeps:
	bash packaging/install-system-deps.sh

$(STAMP): pyproject.toml packaging/install-system-deps.sh
	$(MAKE) sysdeps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24" "setuptools>=68" wheel
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

venv: $(STAMP) translations

# Qt Linguist: the .ts files are in git, the .qm files are built (pyside6-lrelease from the venv).
TS := $(wildcard resources/translations/*.ts)
QM := $(TS:.ts=.qm)
translations: $(QM)
resources/translations/%.qm: resources/translations/%.ts | $(STAMP)
	$(VENV)/bin/pyside6-lrelease $< -qm $@

# With no screen (ssh, CI) the demo runs offscreen and writes a picture of what it shows.
demo: $(STAMP) translations
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then $(PY) main.py --demo; \
	else echo "no display: running offscreen, screenshot in var/demo/screen.png"; \
	QT_QPA_PLATFORM=offscreen $(PY) main.py --demo --screenshot var/demo/screen.png; fi

# The same demo reading its cards through pyscard + pcscd from the vpcd card emulator (with its
# SAM); the control window's card buttons go to the emulator's control interface. Starts pcscd
# as the tests do (only when none runs) and stops only what it started.
demo-cards: $(STAMP) translations
	bash packaging/demo-cards.sh

test: $(STAMP) translations
	bash packaging/run-tests.sh

# The crash matrix x1000 and the heavier fault matrices.
soak: $(STAMP)
	KIOSK_CRASH_SCALE=$${KIOSK_CRASH_SCALE:-1000} $(PY) -m pytest -n 2 -p no:cacheprovider --timeout 0 tests/kiosk/test_crash_matrix.py

bench: $(STAMP)
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(PY) -m pytest benchmarks -p no:cacheprovider -s

lint: $(STAMP)
	$(VENV)/bin/ruff check kiosk devices sync ui tests main.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy kiosk

clean:
	rm -rf $(VENV) build *.egg-info
