"""Celery application. Without a broker (`REDIS_URL` unset) tasks run inline (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixfold.settings")

app = Celery("sixfold")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
