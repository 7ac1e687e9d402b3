# shellcheck shell=bash
# Shared setup for the README commands (sourced, never run on its own).
#
# - finds Odoo 18 (python3 -m odoo must work) and its addons folders;
# - links this checkout as an addon named account_receivable_management under
#   .run/addons, whatever the checkout's own folder is called;
# - makes sure a PostgreSQL server is reachable with the dedicated role
#   AR_DB_USER, starting the system cluster or a private one under .run/pg;
# - writes .run/odoo.conf for Odoo and pytest-odoo.
set -euo pipefail

AR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AR_RUN="$AR_ROOT/.run"
AR_MODULE=account_receivable_management
# What the demo database and the tests install: the addon, and Odoo's demo
# payment provider for the portal's online payments (not a dependency: a live
# database pays through its own providers).
AR_INSTALL="$AR_MODULE,payment_demo"
AR_DB_USER="${AR_DB_USER:-ar_odoo}"
AR_DB_PASSWORD="${AR_DB_PASSWORD:-ar_odoo}"
AR_DB_HOST="${AR_DB_HOST:-127.0.0.1}"
AR_DB_PORT="${AR_DB_PORT:-5432}"
AR_PYTHON="${AR_PYTHON:-python3}"
mkdir -p "$AR_RUN/addons"

ar_die() { echo "ERROR: $*" >&2; exit 1; }
ar_log() { echo "[ar] $*" >&2; }

# What installs missing pieces (apt when root, else the command to run).
source "$AR_ROOT/.ci/odoo_setup.sh"

# --- Odoo -------------------------------------------------------------------
ar_odoo_major() { "$1" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null; }
if [ "$(ar_odoo_major "$AR_PYTHON")" != "18" ]; then
  # no Odoo 18 here: the one set up under .run/ (made now if need be)
  ar_setup_odoo
  [ "$(ar_odoo_major "$AR_PYTHON")" = "18" ] \
    || ar_die "Odoo 18.0 is still not importable by $AR_PYTHON: see readme/CONFIGURE.md, 'A machine without Odoo'."
fi
AR_ODOO_ADDONS="$("$AR_PYTHON" - <<'PY'
import os, odoo
base = os.path.dirname(odoo.__file__)
paths = [os.path.join(base, "addons"), os.path.join(os.path.dirname(base), "addons")]
print(",".join(p for p in paths if os.path.isdir(p)))
PY
)"
ln -sfn "$AR_ROOT" "$AR_RUN/addons/$AR_MODULE"
AR_ADDON_DIR="$AR_RUN/addons/$AR_MODULE"

# --- PostgreSQL -------------------------------------------------------------
ar_db_ok() {
  PGPASSWORD="$AR_DB_PASSWORD" psql -h "$AR_DB_HOST" -p "$AR_DB_PORT" -U "$AR_DB_USER" \
    -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ar_create_role() {  # $@: command prefix that runs psql as a superuser
  "$@" psql -v ON_ERROR_STOP=1 -Atq -d postgres <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$AR_DB_USER') THEN
    CREATE ROLE "$AR_DB_USER" LOGIN CREATEDB PASSWORD '$AR_DB_PASSWORD';
  ELSE
    ALTER ROLE "$AR_DB_USER" LOGIN CREATEDB PASSWORD '$AR_DB_PASSWORD';
  END IF;
END \$\$;
SQL
}

ar_start_system_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  [ "$(id -u)" = 0 ] || return 1
  local line ver name port
  line="$(pg_lsclusters -h 2>/dev/null | head -n1)"
  [ -n "$line" ] || return 1
  read -r ver name port _ <<<"$line"
  [ "$port" = "$AR_DB_PORT" ] || return 1
  ar_log "starting the system PostgreSQL cluster $ver/$name on port $port"
  pg_ctlcluster "$ver" "$name" start 2>/dev/null || true
  for _ in $(seq 30); do
    runuser -u postgres -- psql -Atqc 'select 1' >/dev/null 2>&1 && break
    sleep 1
  done
  ar_create_role runuser -u postgres -- || return 1
}

ar_start_private_cluster() {
  local bindir pgdata owner=()
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  if [ ! -x "$bindir/initdb" ]; then
    ar_apt_install "the database server" postgresql
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  fi
  [ -x "$bindir/initdb" ] || ar_die "no PostgreSQL server binaries found: install PostgreSQL 15 or set AR_DB_HOST/AR_DB_PORT."
  pgdata="$AR_RUN/pg"
  AR_DB_PORT="${AR_PRIVATE_PG_PORT:-54329}"
  if [ "$(id -u)" = 0 ]; then owner=(runuser -u postgres --); fi
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    ar_log "creating a private PostgreSQL cluster in $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres: "$pgdata"
    "${owner[@]}" "$bindir/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
  fi
  if ! ar_db_ok; then
    ar_log "starting the private PostgreSQL cluster on port $AR_DB_PORT"
    "${owner[@]}" "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
      -o "-p $AR_DB_PORT -k $pgdata -c listen_addresses=127.0.0.1" start >/dev/null
    ar_create_role "${owner[@]}" env PGHOST="$pgdata" PGPORT="$AR_DB_PORT" PGUSER=postgres --
  fi
}

command -v psql >/dev/null 2>&1 || ar_apt_install "the database client" postgresql-client
if ! ar_db_ok; then
  if [ -n "${AR_DB_EXTERNAL:-}" ]; then
    ar_die "cannot connect to PostgreSQL at $AR_DB_HOST:$AR_DB_PORT as $AR_DB_USER."
  fi
  ar_start_system_cluster || true
  ar_db_ok || ar_start_private_cluster
  ar_db_ok || ar_die "no usable PostgreSQL server: see readme/CONFIGURE.md, 'Database'."
fi

# --- Odoo configuration -----------------------------------------------------
AR_CONF="$AR_RUN/odoo.conf"
cat >"$AR_CONF" <<CONF
[options]
addons_path = $AR_ODOO_ADDONS,$AR_RUN/addons
data_dir = $AR_RUN/data
db_host = $AR_DB_HOST
db_port = $AR_DB_PORT
db_user = $AR_DB_USER
db_password = $AR_DB_PASSWORD
admin_passwd = admin
http_interface = 127.0.0.1
CONF
export AR_ROOT AR_RUN AR_MODULE AR_CONF AR_ADDON_DIR AR_PYTHON
export PGHOST="$AR_DB_HOST" PGPORT="$AR_DB_PORT" PGUSER="$AR_DB_USER" PGPASSWORD="$AR_DB_PASSWORD"
