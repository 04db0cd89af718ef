#!/usr/bin/env bash
# Start the Mendwell app for a proxy in front of it: 127.0.0.1 only, and only the host names people use.
#   MENDWELL_ALLOWED_HOSTS  comma-separated host names (default: localhost)
#   MENDWELL_PORT           the app's port on 127.0.0.1 (default 8501)
set -euo pipefail
cd "$(dirname "$0")/.."
allowed=()
IFS=',' read -ra hosts <<< "${MENDWELL_ALLOWED_HOSTS:-localhost}"
for host in "${hosts[@]}"; do allowed+=(--server.allowedHosts "$host"); done
exec .venv/bin/python -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "${MENDWELL_PORT:-8501}" \
    --server.headless true --server.fileWatcherType none "${allowed[@]}"
