"""The Celery application: broker and result backend on Redis, configured from Django settings."""

import os

from celery import Celery

from panel.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panel.settings")

app = Celery("panel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker writes a heartbeat to Redis, which /healthz reads (panel/heartbeat.py).
app.steps["consumer"].add(WorkerHeartbeat)
