#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb in a temp dir, start it on a
# free port (TCP on 127.0.0.1 only), export AUDITBOT_TEST_DATABASE_URL, run "$@", then stop
# the server and remove the directory, also when the command fails or is interrupted.
# As root the cluster runs as the postgres user (initdb refuses root).
set -euo pipefail

bindir="${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    bindir="$(pg_config --bindir 2>/dev/null || true)"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "pg_cluster: PostgreSQL server tools not found (install the postgresql package)" >&2
    exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/auditbot-pg.XXXXXX")"
run_as=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$tmp"
    run_as=(runuser -u postgres --)
fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
    "${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"${run_as[@]}" "$bindir/initdb" -D "$tmp/data" -U auditbot --auth=trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1 \
    || { cat "$tmp/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 start \
    -o "-k $tmp -p $port -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }

export AUDITBOT_TEST_DATABASE_URL="postgresql://auditbot@127.0.0.1:$port/postgres"
# For the test that restarts the server under load.
export AUDITBOT_TEST_PG_RESTART="${run_as[*]} $bindir/pg_ctl -D $tmp/data -l $tmp/server.log -w -t 60 restart -m fast"
echo "pg_cluster: $("$bindir/postgres" --version) on 127.0.0.1:$port" >&2
"$@"
