#!/usr/bin/env bash
# `make demo-cards`: the demo on the real card stack (`main.py --demo --cards emulator`: the
# kiosk reads the demo cards through pyscard and pcscd from the vpcd card emulator, started
# by the demo with its SAM). pcscd is started the way the tests start it
# (packaging/test-services/pcscd.sh: only when none runs); on exit this stops only what it
# started. Extra arguments go to main.py.
set -euo pipefail
cd "$(dirname "$0")/.."
export PCSCD_LOG=${PCSCD_LOG:-${TMPDIR:-/tmp}/kiosk-demo-pcscd.log}
STOP_CMDS=()
cleanup() {
  local i
  for ((i=${#STOP_CMDS[@]}-1; i>=0; i--)); do eval "${STOP_CMDS[$i]}" || true; done
}
trap cleanup EXIT
# shellcheck source=packaging/test-services/pcscd.sh
source packaging/test-services/pcscd.sh
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  .venv/bin/python main.py --demo --cards emulator "$@"
else
  echo "no display: running offscreen, screenshot in var/demo/screen-cards.png"
  mkdir -p var/demo
  QT_QPA_PLATFORM=offscreen .venv/bin/python main.py --demo --cards emulator \
    --screenshot var/demo/screen-cards.png "$@"
fi
