#!/usr/bin/env bash
# Starts the server for the browser tests on a fresh SQLite database with the demo data.
# Before serving it mints an admin API key into $E2E_STATE_DIR/admin.key, so a test can
# drive the REST API (adminKey() in tests/helpers.ts).
set -euo pipefail
port=${1:-3100}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CREDITDESK_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/creditdesk}
state=${E2E_STATE_DIR:?set by playwright.config.ts}
rm -rf "$state" && mkdir -p "$state"
db=(--database-url "sqlite://$state/e2e.db" --master-key-file "$state/master.key")
"$bin" migrate "${db[@]}"
"$bin" api-key create "${db[@]}" --name e2e-admin --admin >"$state/admin.key"
"$bin" serve --bind "127.0.0.1:$port" "${db[@]}" \
  --site-root "${CREDITDESK_SITE_ROOT:-$root/target/site}" --seed-demo-if-empty &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$state"' EXIT INT TERM
wait $pid
