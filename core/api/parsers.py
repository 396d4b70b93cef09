"""The JSON parser of the API: DRF's, plus two refusals that would otherwise be 500s."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        try:
            # Lone surrogates (`"\ud800"`) parse in Python but cannot be stored as UTF-8.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - the text is not valid Unicode.") from None
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        return data
