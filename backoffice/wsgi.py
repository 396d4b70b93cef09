"""WSGI entry point (gunicorn backoffice.wsgi).

Cached rendition hits (/r/…) are answered before Django builds a request, by
the same checks as the view (assets/renditions/wsgi.py); every other request,
and every rendition request that is not a plain cached hit, goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
django_application = get_wsgi_application()

from assets.renditions.wsgi import RenditionApplication  # noqa: E402 - needs the apps loaded above

application = RenditionApplication(django_application)
