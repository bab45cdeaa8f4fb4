# The portal's image: web (gunicorn), Celery worker and beat all run from it.

# The browser libraries pinned in frontend/package-lock.json (Apache ECharts), from npm.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    PORTAL_VAR_DIR=/var/lib/portal

# CJK font for PDF reports; gettext compiles the translations; libpq for psycopg.
# pg_dump/pg_restore for `manage.py backup`/`restore` must be at least the server's
# major version (the db service in docker-compose.yml), so they come from PGDG.
ARG POSTGRES_CLIENT_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-wqy-zenhei gettext libpq5 curl ca-certificates \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-${POSTGRES_CLIENT_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /app portal
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=portal:portal . .
COPY --from=frontend --chown=portal:portal /frontend/node_modules/echarts/dist/echarts.min.js \
    portal/static/vendor/echarts/echarts.min.js

# Static files and compiled messages are built into the image; the build needs
# throwaway values for settings that production requires at run time.
RUN DJANGO_SECRET_KEY=build-only PORTAL_IDENTITY_HASH_KEY=build-only PORTAL_REPORT_SIGNING_KEY=build-only PORTAL_AUDIT_KEY=build-only \
        python manage.py collectstatic --noinput --verbosity 0 \
    && DJANGO_SECRET_KEY=build-only PORTAL_IDENTITY_HASH_KEY=build-only PORTAL_REPORT_SIGNING_KEY=build-only PORTAL_AUDIT_KEY=build-only \
        python manage.py compilemessages --ignore .venv --verbosity 0 \
    && mkdir -p /var/lib/portal && chown -R portal:portal /var/lib/portal /app

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
