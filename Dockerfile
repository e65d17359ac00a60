# Production image: the panel's web server, Celery worker and beat all run from it
# (see docker-compose.yml for which command each service uses).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PANEL_DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles

RUN groupadd --system panel && useradd --system --gid panel --home /app panel \
    && mkdir -p /data && chown panel:panel /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY panel ./panel
COPY accounts ./accounts
RUN pip install --no-cache-dir ".[postgres]"
COPY . .
# collectstatic needs settings, not secrets: a throw-away key is enough at build time.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput

USER panel
EXPOSE 8000
CMD ["gunicorn", "panel.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
