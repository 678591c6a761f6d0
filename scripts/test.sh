#!/usr/bin/env bash
# The test command (README, "Tests"): starts a throwaway PostgreSQL cluster
# in a temporary directory, listening only on a Unix socket there, runs the
# whole suite against it with `cargo test --locked` (arguments are passed
# on), and stops and removes the cluster however the tests end.
#
# Installs Debian's `postgresql` package where no PostgreSQL is found (as
# root only). initdb and pg_ctl refuse to run as root, so as root they run
# as the `postgres` user the package creates.
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
    # Debian keeps the server's programs out of PATH, one directory per
    # version; elsewhere they are on PATH.
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$initdb" ]; then
        initdb=$(command -v initdb 2>/dev/null || true)
    fi
    [ -n "$initdb" ] && dirname "$initdb"
}

pg_bin=$(find_pg_bin || true)
if [ -z "$pg_bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/test.sh: PostgreSQL is not installed; install Debian's postgresql package (or run this as root)" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
    pg_bin=$(find_pg_bin)
fi

# OpenSSH's client: the signature tests cross-check with ssh-keygen, and
# the tests of `umdesk serve` connect with ssh, ssh-agent and ssh-add.
if ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v ssh >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/test.sh: ssh-keygen is not installed; install Debian's openssh-client (or run this as root)" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-client
fi

# Python's fhir.resources (FHIR R4B models): tests/pas.rs checks every PAS
# export with it, independently of umdesk's own conformance rules. It goes
# into a virtual environment under target/, made once; where Python cannot
# make one (Debian without python3-venv) the package goes to the user's
# site-packages instead.
fhir_requirement="fhir.resources>=8,<9"
fhir_venv="target/pyenv-fhir"
has_fhir() { "$1" -c "import fhir.resources.R4B.bundle" >/dev/null 2>&1; }
UMDESK_PYTHON="$fhir_venv/bin/python"
if ! has_fhir "$UMDESK_PYTHON"; then
    if ! python3 -m venv "$fhir_venv" >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
        python3 -m venv "$fhir_venv" >/dev/null 2>&1 || true
    fi
    if [ -x "$fhir_venv/bin/python" ]; then
        "$fhir_venv/bin/python" -m pip install --quiet "$fhir_requirement"
    else
        UMDESK_PYTHON=python3
        if ! has_fhir python3; then
            python3 -m pip install --quiet --user "$fhir_requirement" \
                || python3 -m pip install --quiet --user --break-system-packages "$fhir_requirement"
        fi
    fi
fi
has_fhir "$UMDESK_PYTHON" || { echo "scripts/test.sh: could not install Python's $fhir_requirement" >&2; exit 1; }
export UMDESK_PYTHON

# Poppler's pdftotext: the letter tests read the text of the PDFs with it.
if ! command -v pdftotext >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/test.sh: pdftotext is not installed; install Debian's poppler-utils (or run this as root)" >&2
        exit 1
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/umdesk-pg.XXXXXX")
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
fi

stop() {
    as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" \
    || { cat "$dir/initdb.log" >&2; exit 1; }
# No TCP at all: only the socket in $dir. fsync off: the cluster is thrown away.
as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
"$pg_bin/createdb" -h "$dir" -U postgres umdesk_test

export UMDESK_TEST_POSTGRES="postgres:///umdesk_test?host=$dir&user=postgres"
echo "scripts/test.sh: PostgreSQL at $UMDESK_TEST_POSTGRES" >&2
cargo test --locked "$@"
