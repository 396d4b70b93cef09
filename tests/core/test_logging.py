"""API keys never reach the logs, also when sent in the query string (contract §1)."""

import io
import logging

import pytest
from django.conf import settings

from core.logging import RedactAPIKeyFilter, redact
from tests.utils import API


def _console_handlers() -> list[logging.Handler]:
    """The handlers the LOGGING setting attached (the console one on each configured logger)."""
    handlers = []
    for name in ("", "django.request", "django.server"):
        for handler in logging.getLogger(name).handlers:
            if any(isinstance(f, RedactAPIKeyFilter) for f in handler.filters) and handler not in handlers:
                handlers.append(handler)
    return handlers


@pytest.fixture
def console_output():
    """What the configured console handler writes, captured in memory."""
    handlers = _console_handlers()
    assert handlers, "no configured handler carries the redaction filter"
    buffer = io.StringIO()
    old_streams = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, old_streams, strict=True):
        handler.setStream(stream)


class TestLoggingSetting:
    def test_console_handler_applies_the_filter(self):
        config = settings.LOGGING
        filter_names = config["handlers"]["console"]["filters"]
        assert any(config["filters"][name]["()"] == "core.logging.RedactAPIKeyFilter" for name in filter_names)

    @pytest.mark.parametrize("logger_name", ["", "django.request", "django.server"])
    def test_every_configured_logger_writes_through_a_filtered_handler(self, logger_name):
        handlers = logging.getLogger(logger_name).handlers
        filtered = [h for h in handlers if any(isinstance(f, RedactAPIKeyFilter) for f in h.filters)]
        assert filtered


class TestRedact:
    @pytest.mark.parametrize(
        "text",
        [
            "GET /api/core/v2/assets/images?x-api-key=SECRET.KEY HTTP/1.1",
            "GET /api/core/v2/assets/images?limit=2&x-api-key=SECRET.KEY&search=a",
            "GET /x?X-API-KEY=SECRET.KEY",
            "GET /x?x%2Dapi%2Dkey=SECRET.KEY",
            "url='/x?x-api-key=SECRET.KEY'",
            # Percent-encoded names: Django decodes them and authenticates with the key.
            "GET /x?x-api-ke%79=SECRET.KEY HTTP/1.1",
            "GET /x?%78-api-key=SECRET.KEY HTTP/1.1",
            "GET /x?%78%2d%61%70%69%2D%6b%65%79=SECRET.KEY",
            "GET /x?limit=2&X-Api-Ke%59=SECRET.KEY&search=a",
            "GET /x?x-api-key%3D=SECRET.KEY",
            "GET /x?x%252Dapi-key=SECRET.KEY",
        ],
    )
    def test_the_key_is_removed(self, text):
        cleaned = redact(text)
        assert "SECRET" not in cleaned
        assert "[redacted]" in cleaned

    @pytest.mark.parametrize(
        "text",
        [
            "Invalid HTTP Header: 'x-api-key SECRET.KEY'",
            "Invalid HTTP Header: 'X-API-KEY\\tSECRET.KEY'",
            "Invalid HTTP header name: 'x-api-key;SECRET.KEY'",
            "x-api-key: SECRET.KEY",
        ],
    )
    def test_header_lines_are_redacted(self, text):
        assert "SECRET" not in redact(text)

    @pytest.mark.parametrize(
        ("text", "redacted"),
        [
            pytest.param(
                "GET /x?api-key=1&x-api-keys=2&a=x-api-key",
                "GET /x?api-key=1&x-api-keys=2&a=x-api-key",
                id="other_parameters_are_left_alone",
            ),
            pytest.param(
                "GET /x?limit=2&x-api-key=K.S&search=a",
                "GET /x?limit=2&x-api-key=[redacted]&search=a",
                id="the_rest_of_the_line_stays",
            ),
            pytest.param(
                "GET /api/core/v2/assets/images?limit=2",
                "GET /api/core/v2/assets/images?limit=2",
                id="a_line_without_key_is_unchanged",
            ),
        ],
    )
    def test_only_the_key_changes(self, text, redacted):
        assert redact(text) == redacted

    def test_filter_rewrites_a_record_with_arguments(self):
        record = logging.LogRecord(
            "django.server",
            logging.INFO,
            __file__,
            1,
            '"%s" %s %s',
            ("GET /x?x-api-key=K.SECRET HTTP/1.1", 200, 5),
            None,
        )
        assert RedactAPIKeyFilter().filter(record) is True
        assert "SECRET" not in record.getMessage()
        assert record.getMessage() == '"GET /x?x-api-key=[redacted] HTTP/1.1" 200 5'


@pytest.mark.django_db
class TestRequestsWithAKeyInTheQuery:
    def test_a_404_logged_by_django_request_does_not_show_the_key(self, client_for, make_key, caplog, console_output):
        key = make_key("admin")
        with caplog.at_level(logging.INFO):
            assert client_for().get(f"{API}/no-such-thing", {"x-api-key": key}).status_code == 404
            missing = f"{API}/assets/images/by-id/00000000-0000-0000-0000-000000000000"
            assert client_for().get(missing, {"x-api-key": key}).status_code == 404
            assert client_for().get(f"{API}/assets/images", {"x-api-key": key + "x"}).status_code == 401
        assert any(r.name == "django.request" for r in caplog.records)
        assert key not in caplog.text
        assert console_output.getvalue()
        assert key not in console_output.getvalue()

    def test_a_server_access_line_does_not_show_the_key(self, make_key, caplog, console_output):
        key = make_key("admin")
        with caplog.at_level(logging.INFO):
            # The line runserver writes for each request.
            logging.getLogger("django.server").info(
                '"%s" %s %s', f"GET {API}/assets/images?x-api-key={key} HTTP/1.1", 200, 17
            )
        written = console_output.getvalue()
        assert "x-api-key=[redacted]" in written
        assert key not in written
        assert key not in caplog.text

    def test_an_application_log_line_does_not_show_the_key(self, make_key, console_output):
        key = make_key("admin")
        logging.getLogger("backoffice.api").warning("slow request %s", f"/api/core/v2/assets/images?x-api-key={key}")
        written = console_output.getvalue()
        assert "slow request" in written
        assert key not in written
