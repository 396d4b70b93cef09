"""The `{"data": ...}` envelope, made in one place: the renderer (contract §2)."""

from rest_framework.renderers import JSONRenderer


class Envelope(dict):
    """A body that is already enveloped (a list page: `data` and `meta`)."""


class EnvelopeJSONRenderer(JSONRenderer):
    # Compact output; ensure_ascii off keeps UTF-8 text as it is.
    compact = True
    ensure_ascii = False

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if (
            response is not None
            and data is not None
            and response.status_code < 400
            and not isinstance(data, Envelope)
            and not getattr(response, "is_error_body", False)
        ):
            data = {"data": data}
        return super().render(data, accepted_media_type, renderer_context)
