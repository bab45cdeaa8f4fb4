#!/usr/bin/env bash
# Serve the portal on the embedded default: the web server, with the periodic
# scheduler beside it (background tasks run in the web process's own thread).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}

$BIN/python manage.py run_scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null || true' EXIT INT TERM

echo "Serving the portal at http://$HOST:$PORT (admin: http://$HOST:$PORT/admin/). Ctrl-C stops."
$BIN/python manage.py runserver "$HOST:$PORT"
