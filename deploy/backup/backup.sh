#!/bin/sh
# The nightly backup: a custom-format pg_dump of the whole database (the event store is the
# truth; read models and timers are rebuilt from it), written to a temporary name and renamed
# once complete, the last $BACKUP_KEEP kept. Restore: docs/operations.md.
set -eu
every="${BACKUP_EVERY_SECONDS:-86400}"
keep="${BACKUP_KEEP:-14}"
dir="${BACKUP_DIR:-/backups}"
while true; do
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  if pg_dump --format=custom --file="$dir/.desk-$stamp.dump" && \
     mv "$dir/.desk-$stamp.dump" "$dir/desk-$stamp.dump"; then
    echo "backup desk-$stamp.dump written"
  else
    echo "backup failed" >&2
    rm -f "$dir/.desk-$stamp.dump"
  fi
  ls -1t "$dir"/desk-*.dump 2>/dev/null | tail -n "+$((keep + 1))" | xargs -r rm -f
  [ "${BACKUP_ONCE:-}" = 1 ] && exit 0
  sleep "$every"
done
