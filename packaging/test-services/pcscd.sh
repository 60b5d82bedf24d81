# shellcheck shell=bash
# Sourced by packaging/run-tests.sh. Starts pcscd with the vsmartcard vpcd driver when no
# pcscd runs, waits until both virtual readers answer (slot 0: resident card, TCP 35963;
# slot 1: SAM, TCP 35964; Debian's /etc/reader.conf.d/vpcd gives exactly these two), and
# appends its stop command to STOP_CMDS only when this script started it.
# When pcscd cannot be started it only warns: the card tests then fail (they never skip).

_pcscd_running() {
  local pidfile=/run/pcscd/pcscd.pid
  [ -S /run/pcscd/pcscd.comm ] && [ -r "$pidfile" ] && kill -0 "$(tr -d '\0' <"$pidfile")" 2>/dev/null
}

_pcscd_readers_ready() {
  .venv/bin/python - <<'PY' 2>/dev/null
import sys
from smartcard.System import readers
names = [str(r) for r in readers()]
sys.exit(0 if any(n.endswith(" 00 00") for n in names) and any(n.endswith(" 01") for n in names) else 1)
PY
}

_pcscd_start() {
  if ! command -v pcscd >/dev/null 2>&1 && [ ! -x /usr/sbin/pcscd ]; then
    echo "pcscd.sh: pcscd is not installed (bash packaging/install-system-deps.sh); card tests will fail" >&2
    return 0
  fi
  if [ ! -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] && [ ! -e /etc/reader.conf.d/vpcd ]; then
    echo "pcscd.sh: vsmartcard-vpcd is not installed; card tests will fail" >&2
  fi
  if _pcscd_running; then
    echo "pcscd.sh: using the pcscd already running (pid $(tr -d '\0' </run/pcscd/pcscd.pid))" >&2
  else
    local bin log pid i
    bin=$(command -v pcscd || echo /usr/sbin/pcscd)
    log=${PCSCD_LOG:-${TMPDIR:-/tmp}/kiosk-test-pcscd.log}
    "$bin" --foreground --info >"$log" 2>&1 &
    pid=$!
    STOP_CMDS+=("kill $pid 2>/dev/null; for _i in \$(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done")
    for i in $(seq 100); do
      _pcscd_running && break
      kill -0 "$pid" 2>/dev/null || { echo "pcscd.sh: pcscd exited, see $log" >&2; return 0; }
      sleep 0.1
    done
    echo "pcscd.sh: started pcscd (pid $pid, log $log)" >&2
  fi
  for i in $(seq 50); do
    _pcscd_readers_ready && return 0
    sleep 0.1
  done
  echo "pcscd.sh: pcscd runs but the 'Virtual PCD 00 00/00 01' readers did not appear; card tests will fail" >&2
  return 0
}

_pcscd_start
unset -f _pcscd_running _pcscd_readers_ready _pcscd_start
