#!/bin/sh
# Makes the compose stack's secrets once, outside the repository's tracked
# files: the payload key file, and the artifact store's (MinIO) credentials
# as MinIO reads them and as an AWS shared credentials file for the worker.
# Usage: deployments/compose/make-secrets.sh [DIR]   (default fleetpatch-data/compose)
set -eu
dir=${1:-fleetpatch-data/compose}
mkdir -p "$dir"
umask 077
rand() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
[ -s "$dir/codec-keys" ] || printf '%s %s\n' "$(date -u +%Y-%m)" "$(rand)" > "$dir/codec-keys"
if [ ! -s "$dir/minio-password" ]; then
  printf 'fleetpatch' > "$dir/minio-user"
  rand | tr -dc 'A-Za-z0-9' > "$dir/minio-password"
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$(cat "$dir/minio-user")" "$(cat "$dir/minio-password")" > "$dir/aws-credentials"
fi
# The containers run as non-root users: let them read the files.
chmod 644 "$dir"/codec-keys "$dir"/minio-user "$dir"/minio-password "$dir"/aws-credentials
chmod 700 "$dir"
echo "secrets in $dir: codec-keys, minio-user, minio-password, aws-credentials"
