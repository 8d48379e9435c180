#!/usr/bin/env bash
# PostgreSQL first-start script (mounted into /docker-entrypoint-initdb.d of the postgres:16 container; it
# runs once, when the data volume is empty, as the postgres OS user against the temporary init server).
#
# 1. WAHA's session storage gets its own role and database. The database is closed to PUBLIC (REVOKE
#    CONNECT/TEMPORARY), so no other role - in particular the API's runtime role - can connect to it. The
#    role has CREATEDB because WAHA Plus/Community creates one extra database per session
#    (waha_<namespace>_<session>) next to the one named in WHATSAPP_SESSIONS_POSTGRESQL_URL.
# 2. pg_hba.conf gets rules in front of the image's catch-all line, so over TCP:
#      - the API runtime role (DATABASE_APP_USER) may only open the application database; every other
#        database (WAHA's, the per-session ones WAHA creates later, postgres) is refused for it;
#      - the WAHA role may not open the application database.
#    The migrator logs in as the owner (POSTGRES_USER) and is not affected.
#
# Environment (from docker-compose.yml): POSTGRES_USER, POSTGRES_DB (set by the image), WAHA_DB_USER,
# WAHA_DB_PASSWORD, WAHA_DB_NAME, APP_DB_NAME, DATABASE_APP_USER.
set -euo pipefail

: "${WAHA_DB_PASSWORD:?WAHA_DB_PASSWORD must be set for the postgres container}"
waha_user="${WAHA_DB_USER:-waha}"
waha_db="${WAHA_DB_NAME:-waha}"
app_db="${APP_DB_NAME:-whatsapp}"
app_user="${DATABASE_APP_USER:-whatsapp_app}"

for name in "$waha_user" "$waha_db" "$app_db" "$app_user"; do
  if [[ ! "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "postgres-init: \"$name\" is not a lower-case PostgreSQL identifier" >&2
    exit 1
  fi
done

echo "postgres-init: creating role ${waha_user} and database ${waha_db} for WAHA session storage"
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v waha_user="$waha_user" -v waha_db="$waha_db" -v waha_password="$WAHA_DB_PASSWORD" <<'SQL'
CREATE ROLE :"waha_user" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'waha_password';
CREATE DATABASE :"waha_db" OWNER :"waha_user";
REVOKE ALL ON DATABASE :"waha_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"waha_db" TO :"waha_user";
SQL

hba="${PGDATA:?PGDATA is not set}/pg_hba.conf"
echo "postgres-init: restricting ${app_user} to database ${app_db} and ${waha_user} away from it in ${hba}"
tmp="$(mktemp)"
{
  echo "# --- added by scripts/postgres-init/10-waha-database.sh (first match wins) ---"
  echo "host    ${app_db}    ${app_user}    all    scram-sha-256"
  echo "host    all    ${app_user}    all    reject"
  echo "host    ${app_db}    ${waha_user}    all    reject"
  echo "# --- image defaults ---"
  cat "$hba"
} >"$tmp"
cat "$tmp" >"$hba"
rm -f "$tmp"
