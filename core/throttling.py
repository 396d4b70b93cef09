"""Per-key rate limits (contract §2, 429 with Retry-After).

DRF's SimpleRateThrottle over Django's cache: with a shared cache
(CACHE_URL=redis://...) the limit holds across server processes.
"""

from rest_framework.throttling import SimpleRateThrottle


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = request.auth
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}
