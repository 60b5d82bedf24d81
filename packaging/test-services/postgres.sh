# shellcheck shell=bash
# Sourced by packaging/run-tests.sh. Starts a throwaway PostgreSQL 15 cluster for the sync
# server tests: initdb in a temp dir, pg_ctl start on a free 127.0.0.1 port, as the postgres
# user when run as root (PostgreSQL refuses to run as root). Exports KIOSK_TEST_PG_URL and
# appends the stop command to STOP_CMDS. Installs nothing (install-system-deps.sh does).
# When KIOSK_TEST_PG_URL is already set it is used as is. On failure it only warns: the
# PostgreSQL tests then fail (they never skip).

_kiosk_pg_start() {
  local bindir=${KIOSK_PG_BINDIR:-/usr/lib/postgresql/15/bin}
  if [ -n "${KIOSK_TEST_PG_URL:-}" ]; then
    echo "postgres.sh: using KIOSK_TEST_PG_URL from the environment" >&2
    return 0
  fi
  if [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "postgres.sh: $bindir/initdb not found (bash packaging/install-system-deps.sh); PostgreSQL tests will fail" >&2
    return 0
  fi
  local as=() dir port base=${TMPDIR:-/tmp}
  # as root the cluster runs as postgres, which must reach the directory: /tmp, not $TMPDIR
  [ "$(id -u)" -eq 0 ] && base=/tmp
  dir=$(mktemp -d "$base/kiosk-test-pg.XXXXXX")
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      echo "postgres.sh: no postgres user; PostgreSQL tests will fail" >&2
      rm -rf "$dir"
      return 0
    fi
    chown postgres: "$dir"
    chmod 700 "$dir"
    as=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if ! "${as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed, see $dir/initdb.log; PostgreSQL tests will fail" >&2
    return 0
  fi
  if ! "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
    echo "postgres.sh: pg_ctl start failed, see $dir/server.log; PostgreSQL tests will fail" >&2
    return 0
  fi
  export KIOSK_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  local stop="${as[*]} $bindir/pg_ctl -D $dir/data -m immediate -w stop >/dev/null 2>&1; rm -rf $dir"
  STOP_CMDS+=("$stop")
  echo "postgres.sh: PostgreSQL on 127.0.0.1:$port (data $dir)" >&2
}

_kiosk_pg_start
unset -f _kiosk_pg_start
