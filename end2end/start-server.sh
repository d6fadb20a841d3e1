#!/usr/bin/env bash
# Starts the server for the browser tests on a fresh SQLite database with the demo data.
set -euo pipefail
port=${1:-3100}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CREDITDESK_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/creditdesk}
db_dir=$(mktemp -d)
"$bin" serve --bind "127.0.0.1:$port" --database-url "sqlite://$db_dir/e2e.db" --master-key-file "$db_dir/master.key" \
  --site-root "${CREDITDESK_SITE_ROOT:-$root/target/site}" --seed-demo-if-empty &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$db_dir"' EXIT INT TERM
wait $pid
