#!/usr/bin/env bash
# Django's development server with DEBUG on (auto-reload, debug pages), the
# scheduler beside it. For working on the code; `make run` serves as deployed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}
export DJANGO_DEBUG=true

$BIN/python manage.py run_scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null || true' EXIT INT TERM

echo "Development server at http://$HOST:$PORT (DEBUG on). Ctrl-C stops."
$BIN/python manage.py runserver "$HOST:$PORT"
