#!/usr/bin/env bash
# Serve the portal on the embedded default as a deployment: gunicorn with DEBUG
# off, static files through WhiteNoise, the periodic scheduler beside it, logs
# under var/log/. `make dev` runs Django's development server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}
WORKERS=${PORTAL_WEB_WORKERS:-2}
LOG_DIR=${PORTAL_LOG_DIR:-var/log}
mkdir -p "$LOG_DIR"

$BIN/python manage.py run_scheduler >>"$LOG_DIR/scheduler.log" 2>&1 &
scheduler=$!
trap 'kill $scheduler 2>/dev/null || true' EXIT INT TERM

echo "Serving the portal at http://$HOST:$PORT (admin: http://$HOST:$PORT/admin/). Ctrl-C stops."
echo "Logs: $LOG_DIR/portal.log (errors), $LOG_DIR/access.log, $LOG_DIR/scheduler.log"
$BIN/gunicorn portal.wsgi:application \
    --bind "$HOST:$PORT" \
    --workers "$WORKERS" --threads 4 --worker-class gthread \
    --timeout 300 --graceful-timeout 30 \
    --access-logfile "$LOG_DIR/access.log" \
    --error-logfile "$LOG_DIR/portal.log" \
    --capture-output
