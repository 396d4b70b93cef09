"""A logging filter that keeps API keys out of every log line (contract §1)."""

import logging
import re

# `x-api-key=<value>` in a query string (also percent-encoded names), up to the next separator.
_QUERY_KEY = re.compile(r"(?i)(x(?:-|%2d)api(?:-|%2d)key=)[^&\s\"']*")


def redact(text: str) -> str:
    return _QUERY_KEY.sub(r"\1[redacted]", text)


class RedactAPIKeyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
