#!/bin/sh
# Run by the postgres image's entrypoint on first start only (empty data directory).
set -eu
: "${WEFT_DATABASE_PASSWORD:?WEFT_DATABASE_PASSWORD must be set}"
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=weft_password="$WEFT_DATABASE_PASSWORD" --file=/etc/weft/weft-database.sql
