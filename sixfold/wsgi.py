"""WSGI entry point for gunicorn (`gunicorn sixfold.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixfold.settings")
application = get_wsgi_application()
