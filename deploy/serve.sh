#!/usr/bin/env bash
# `make serve`: the app on 127.0.0.1 and Caddy in front of it with HTTPS, for phones on a home network.
#   MENDWELL_HOST  the address or name the phones use (default: this machine's first LAN address)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v caddy >/dev/null 2>&1; then
    echo "make serve needs Caddy: sudo apt-get install caddy (Debian/Ubuntu), or see https://caddyserver.com" >&2
    exit 1
fi
export MENDWELL_HOST="${MENDWELL_HOST:-$(hostname -I 2>/dev/null | awk '{print $1}')}"
export MENDWELL_HOST="${MENDWELL_HOST:-localhost}"
export MENDWELL_HTTPS_PORT="${MENDWELL_HTTPS_PORT:-8443}"
export MENDWELL_HTTP_PORT="${MENDWELL_HTTP_PORT:-8080}"
export MENDWELL_ALLOWED_HOSTS="${MENDWELL_ALLOWED_HOSTS:-$MENDWELL_HOST,localhost}"
export MENDWELL_UPSTREAM="127.0.0.1:${MENDWELL_PORT:-8501}"
deploy/serve-app.sh &
app=$!
trap 'kill $app 2>/dev/null || true' EXIT INT TERM
echo "Mendwell: https://$MENDWELL_HOST:$MENDWELL_HTTPS_PORT (trust Caddy's local certificate authority on each phone once; see the README)"
caddy run --config deploy/Caddyfile.home --adapter caddyfile
