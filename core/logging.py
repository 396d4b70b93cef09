"""One redaction function that keeps API keys out of every log line (contract §1).

Used by Django's logging (the filter below, on every configured handler) and by
gunicorn's own error and access logs (gunicorn.conf.py's `logger_class`).
"""

import logging
import re
from urllib.parse import unquote_plus

QUERY_PARAM = "x-api-key"
REDACTED = "[redacted]"

# `name=value` in a query string, up to the next separator. The name is matched after
# percent-decoding (Django decodes `x-api-ke%79` to `x-api-key`, and authenticates with it).
_PARAMETER = re.compile(r"(?P<name>[^\s?&;=\"'/#]+)=(?P<value>[^&\s\"']*)")
# A header line as servers quote it when it is malformed: the name, then a space, tab
# (written `\t` by repr()), colon or semicolon, and the rest of the line.
_HEADER = re.compile(r"(?i)(x-api-key)((?:\s|\\t|:|;)[^'\"\r\n]*)")


def _decoded_name(name: str) -> str:
    # Decoded until stable (at most 3 times): a double-encoded name is caught too.
    for _ in range(3):
        decoded = unquote_plus(name)
        if decoded == name:
            break
        name = decoded
    return name.strip().rstrip("=").strip().lower()


def _redact_parameter(match: re.Match) -> str:
    if _decoded_name(match["name"]) != QUERY_PARAM:
        return match[0]
    return f"{match['name']}={REDACTED}"


def redact(text: str) -> str:
    """`text` with the value of every API key parameter or header line replaced."""
    if "=" in text:
        text = _PARAMETER.sub(_redact_parameter, text)
    return _HEADER.sub(rf"\1 {REDACTED}", text)


class RedactAPIKeyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
