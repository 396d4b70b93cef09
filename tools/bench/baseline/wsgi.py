"""WSGI entry point of the baseline server: `gunicorn tools.bench.baseline.wsgi -c gunicorn.conf.py`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tools.bench.baseline.settings")
application = get_wsgi_application()
