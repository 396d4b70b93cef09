"""Rendition hits skip the rest of the middleware: they need none of it, and they are the hottest path.

First in MIDDLEWARE. Sessions, users, messages, CSRF and the admin's
headers mean nothing for a public, signed, immutable image; the view sets
the headers it needs (nosniff, caching) itself. Measured on a cached hit:
see docs/performance.md. Without this middleware the same view answers
through the URLconf, with the same result.
"""

from assets.renditions import views
from assets.renditions.signing import PREFIX


class RenditionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PREFIX):
            return views.deliver(request, path[len(PREFIX) :])
        return self.get_response(request)
