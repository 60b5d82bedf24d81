#!/usr/bin/env bash
# Starts what the test suite needs and runs it. Stops only what it started.
# Each packaging/test-services/*.sh is sourced: it starts one service when none runs and
# appends its own stop command to STOP_CMDS.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
STOP_CMDS=()
cleanup() {
  local i
  for ((i=${#STOP_CMDS[@]}-1; i>=0; i--)); do eval "${STOP_CMDS[$i]}" || true; done
}
trap cleanup EXIT
shopt -s nullglob
for svc in packaging/test-services/*.sh; do
  # shellcheck source=/dev/null
  source "$svc"
done
# two workers (CI has 2 cores); tests on the virtual card reader share one (xdist group)
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
