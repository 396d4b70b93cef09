"""Cached rendition hits answered at the WSGI level, before Django builds a request (as whitenoise does).

A hit is the hottest path of the project: a public, signed, immutable image
already rendered and stored. `RenditionApplication` wraps the WSGI
application (backoffice/wsgi.py) and answers a GET or HEAD of `/r/…` whose
signature verifies and whose stored output is found (304, HEAD or the bytes)
with the same checks, in the same order, and the same status, headers and
body as the view (views.deliver). Everything else goes to Django unchanged: a
URL that does not verify (the view answers its 403), a first hit (the view
renders), a deleted image (404 no-store), another method, a file missing from
storage, and any error (the view answers it, and logs it the usual way).

So the checks stay where they were: the signature before any database or
storage access, then one indexed query (selectors.rendition_stored, which
joins through the image: a soft delete gives a 404 at once, a restore serves
again), then the storage opened without asking whether the file exists. No
state is kept between requests. The database connection a hit uses is
checked before and after it as Django's request_started and request_finished
receivers check every connection (`check_connection`: a broken or obsolete
connection is closed, CONN_MAX_AGE holds); the signals themselves are not
sent, their dispatch being 5 % of a hit's throughput (docs/performance.md),
and no other receiver concerns a hit (it touches no cache, no session, logs
no query unless DEBUG: a bounded log).

What it saves is Django's request and response objects, its handler and the
middleware chain: measured in docs/performance.md. The test client does not
come through here; tests/assets/test_renditions_wsgi.py drives it directly
and compares it with the view.
"""

import logging
import posixpath

from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.http import content_disposition_header

from assets.renditions import selectors, signing, views
from assets.renditions.specs import FORMATS

logger = logging.getLogger("backoffice.renditions")


class RenditionApplication:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(signing.PREFIX) and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ref = signing.verify(path[len(signing.PREFIX) :])
            if ref is not None:
                answer = self._hit(environ, ref)
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return body
        return self.application(environ, start_response)

    def _hit(self, environ, ref):
        """(status, headers, body) of a cached hit; None to let Django answer."""
        check_connection()
        handle = None
        try:
            stored = selectors.rendition_stored(ref=ref)
            if stored is None:
                return None  # a first hit, or the image is gone: the view answers
            key, byte_size, etag = stored
            cache_headers = views.caching_headers(etag)
            caching = list(cache_headers.items())
            if views.not_modified(environ.get("HTTP_IF_NONE_MATCH"), cache_headers["ETag"]):
                # As the view's HttpResponse(status=304): Django's default Content-Type included.
                return "304 Not Modified", [("Content-Type", "text/html; charset=utf-8"), *caching], []
            headers = [("Content-Type", FORMATS[ref.format]), *caching, ("Content-Length", str(byte_size))]
            if environ["REQUEST_METHOD"] == "HEAD":
                return "200 OK", headers, []
            handle = default_storage.open(key, "rb")
            # FileResponse names the file inline, from the stored file's name.
            disposition = content_disposition_header(False, posixpath.basename(key))
            if disposition:
                headers.append(("Content-Disposition", disposition))
            wrapper = environ.get("wsgi.file_wrapper")
            body = wrapper(handle, 4096) if wrapper else _chunks(handle)
            handle = None  # the server closes it with the body
            return "200 OK", headers, body
        except Exception:
            # The view does it again and answers (a missing file is rendered again, an error is logged).
            logger.debug("rendition hit %s left to the view", environ.get("PATH_INFO"), exc_info=True)
            return None
        finally:
            if handle is not None:
                handle.close()
            check_connection()


def check_connection() -> None:
    """Close the hit's database connection if it is broken or past CONN_MAX_AGE, as
    django.db.close_old_connections does for every connection around a request."""
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()


def _chunks(handle, size: int = 64 * 1024):
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()
