#!/bin/sh
# Creates (or upgrades in place) the Temporal and visibility schemas on the
# compose stack's PostgreSQL with the admin-tools image's temporal-sql-tool.
# Safe to run again: an existing database is kept and brought up to date.
set -eu
schema=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal --pw temporal "$@"; }
for db in temporal temporal_visibility; do
  sql --db "$db" create-database 2>/dev/null || echo "database $db exists"
done
sql --db temporal setup-schema -v 0.0
sql --db temporal update-schema -d "$schema/temporal/versioned"
sql --db temporal_visibility setup-schema -v 0.0
sql --db temporal_visibility update-schema -d "$schema/visibility/versioned"
