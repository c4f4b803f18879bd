#!/usr/bin/env bash
# The test command. It sets up what the tests need on this machine, then runs
# go test:
#
#   bash scripts/test.sh          the suite (about a minute or two)
#   bash scripts/test.sh heavy    the heavy scenarios (build tag heavy): 10,000-recipient
#                                 broadcasts, large imports, nodes killed and restarted,
#                                 PostgreSQL restarted under load
#
# Extra arguments after the mode go to go test (e.g. -run TestX ./app/).
#
# What it sets up:
# - Chromium (Debian's package) for the admin UI's browser tests, installed
#   with apt-get when missing.
# - PostgreSQL: AFTERSALE_TEST_DATABASE_URL when it is set and reachable;
#   otherwise a private throwaway cluster (initdb and pg_ctl in a temp
#   folder, on a free port, stopped at the end), with Debian's postgresql
#   installed first when its server binaries are missing. The heavy mode
#   always restarts a private cluster of its own in the fault test.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=fast
case "${1:-}" in
heavy | fast) mode=$1; shift ;;
-h | --help)
  sed -n "2,19p" "$0" | sed "s/^# \{0,1\}//"
  exit 0
  ;;
esac

say() { echo "== $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || return 1
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  as_root apt-get install -y -qq "$@" >/dev/null
}

# --- Chromium -------------------------------------------------------------
chromium_bin() { command -v chromium || command -v chromium-browser || true; }
if [ -z "${AFTERSALE_CHROMIUM:-}" ] && [ -z "$(chromium_bin)" ]; then
  say "installing chromium (Debian's package) for the browser tests"
  apt_install chromium || true
fi
export AFTERSALE_CHROMIUM="${AFTERSALE_CHROMIUM:-$(chromium_bin)}"
if [ -z "$AFTERSALE_CHROMIUM" ]; then
  echo "FAIL: Chromium is not installed and could not be installed with apt-get (the admin UI's browser tests need it): install Debian's chromium package, or set AFTERSALE_CHROMIUM"
  exit 1
fi

# --- PostgreSQL -----------------------------------------------------------
pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# reachable URL: true when a PostgreSQL server answers at URL.
reachable() { go run ./internal/pgtest/cmd/pgping "$1" >/dev/null 2>&1; }

clusters=()
cleanup() {
  local c
  for c in "${clusters[@]}"; do
    [ -f "$c/data/postmaster.pid" ] && run_pg "$(pg_bindir)/pg_ctl" -D "$c/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$c"
  done
}
trap cleanup EXIT

# run_pg runs a PostgreSQL server binary: as the postgres user when this is
# root (the server refuses to run as root).
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_cluster starts a new private cluster, records it for cleanup, and
# leaves its URL in cluster_url and its folder in cluster_dir.
cluster_url="" cluster_dir=""
start_cluster() {
  local bin dir port
  bin=$(pg_bindir)
  if [ -z "$bin" ]; then
    say "installing postgresql (Debian's package) for a private test cluster"
    apt_install postgresql || true
    bin=$(pg_bindir)
  fi
  [ -n "$bin" ] || return 1
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres || return 1
  fi
  dir=$(mktemp -d /tmp/aftersale-pg.XXXXXX)
  clusters+=("$dir")
  cluster_dir=$dir
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(go run ./internal/pgtest/cmd/pgping -free-port)
  run_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  run_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  run_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc 'CREATE DATABASE test' >/dev/null 2>&1 ||
    go run ./internal/pgtest/cmd/pgping -create test "postgres://postgres@127.0.0.1:$port/postgres" || return 1
  cluster_url="postgres://postgres@127.0.0.1:$port/test"
}

if [ -n "${AFTERSALE_TEST_DATABASE_URL:-}" ] && reachable "$AFTERSALE_TEST_DATABASE_URL"; then
  say "PostgreSQL: AFTERSALE_TEST_DATABASE_URL"
else
  [ -n "${AFTERSALE_TEST_DATABASE_URL:-}" ] && say "PostgreSQL: AFTERSALE_TEST_DATABASE_URL does not answer; starting a private cluster"
  if ! start_cluster; then
    echo "FAIL: PostgreSQL cannot be had: AFTERSALE_TEST_DATABASE_URL is not set or not reachable, and no PostgreSQL server binaries (initdb, pg_ctl) are installed or installable with apt-get"
    exit 1
  fi
  export AFTERSALE_TEST_DATABASE_URL=$cluster_url
  say "PostgreSQL: a private cluster at ${cluster_url%/test} (stopped at the end)"
fi

# --- go test --------------------------------------------------------------
if [ "$mode" = fast ]; then
  say "go test (the suite)"
  go test -count=1 "${@:-./...}"
else
  say "go test -tags heavy (the heavy scenarios)"
  # The fault test restarts PostgreSQL: it gets a private cluster of its own.
  start_cluster || { echo "FAIL: no private PostgreSQL cluster for the restart test"; exit 1; }
  export AFTERSALE_TEST_RESTART_URL=$cluster_url
  restart="$(pg_bindir)/pg_ctl -D $cluster_dir/data -l $cluster_dir/server.log -m fast -w restart"
  [ "$(id -u)" = 0 ] && restart="runuser -u postgres -- $restart"
  export AFTERSALE_TEST_RESTART_CMD=$restart
  go test -count=1 -tags heavy -timeout 60m -run 'Heavy' "${@:-./...}"
fi
