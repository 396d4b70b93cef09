"""gunicorn settings for production: `gunicorn backoffice.wsgi -c gunicorn.conf.py`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Connections a worker holds at once (gunicorn's default: 1000).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# The path without its query string: a key sent as ?x-api-key= never reaches the access log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# gunicorn logs a malformed request line or header line whole, key included: its own logs
# go through the same redaction as Django's (core/gunicorn_logging.py).
logger_class = "core.gunicorn_logging.RedactingLogger"

# glibc's malloc gives freed memory back to the system as soon as 128 KiB to a few MiB lie
# unused at the top of a heap, and maps every large block afresh. Reading a request body
# makes many short-lived blocks of up to 1 MiB (gunicorn's buffers, the multipart parser's
# chunks): each was then faulted in page by page again, and reading the body of a 25 MB
# upload cost 30 ms of CPU, 6 ms with the setting below (docs/performance.md). A worker keeps up to
# MALLOC_KEEP_MIB (default 32) of freed memory for reuse instead. Linux with glibc only; an
# environment that sets MALLOC_TRIM_THRESHOLD_ itself keeps its own setting.
MALLOC_KEEP_MIB = int(os.environ.get("MALLOC_KEEP_MIB", "32"))


def post_fork(server, worker):
    if MALLOC_KEEP_MIB <= 0 or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    keep = MALLOC_KEEP_MIB * 1024 * 1024
    # Blocks up to 4 MiB come from the heap; what is freed stays until `keep` lies unused.
    if not (mallopt(m_mmap_threshold, 4 * 1024 * 1024) and mallopt(m_trim_threshold, keep)):
        server.log.warning("mallopt refused the malloc settings of gunicorn.conf.py")
