"""gunicorn's own logs with API keys redacted (gunicorn.conf.py's `logger_class`).

gunicorn writes its error log itself, outside Django's logging: a malformed
request line or header line is logged whole (`Invalid HTTP request line:
'GET /?x-api-key=…'`), before any Django code runs. The same filter as
Django's handlers is put on gunicorn's handlers (every line they write passes
one; setup() rebuilds them on a reload, so the filters do not pile up on the
loggers). A separate module
from core.logging, which Django's settings import on every platform, because
gunicorn runs on Unix only.
"""

from gunicorn.glogging import Logger

from core.logging import RedactAPIKeyFilter


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        redacting = RedactAPIKeyFilter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(redacting)
