"""The admin's session, user and messages middleware, kept out of the API.

The API authenticates every request by its API key (core.api.auth): a session
cookie means nothing there, and it has no messages to show. Django's
middleware would still build a session store, a lazy user (which the audit
middleware then resolves) and a message storage on every API request: 7 % of
the CPU time of a read (docs/performance.md). These subclasses do nothing for
paths under the API prefix and behave as Django's everywhere else; being
subclasses, the admin's system checks still find them.
"""

from csp.middleware import CSPMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware

from core.api.views import API_BASE, API_PREFIX

# Where backoffice.urls serves the API docs (its "docs/" under API_BASE), as a path_info.
API_DOCS_PATH = f"/{API_BASE}docs/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def is_api_docs_request(request) -> bool:
    return request.path_info.startswith(API_DOCS_PATH)


class AdminSessionMiddleware(SessionMiddleware):
    def process_request(self, request):
        if not is_api_request(request):
            super().process_request(request)

    def process_response(self, request, response):
        if not hasattr(request, "session"):
            return response
        return super().process_response(request, response)


class AdminAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request):
        if not is_api_request(request):
            super().process_request(request)


class AdminMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        if not is_api_request(request):
            super().process_request(request)


class PagesCSPMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy on the pages a browser shows: the admin and the API
    docs. The API's JSON answers are no documents to protect and skip the work."""

    @staticmethod
    def _is_page(request) -> bool:
        return not is_api_request(request) or is_api_docs_request(request)

    def process_request(self, request):
        if self._is_page(request):
            super().process_request(request)

    def process_response(self, request, response):
        if not self._is_page(request):
            return response
        return super().process_response(request, response)
