"""HTML sanitizing with an allow-list (nh3, the Ammonia sanitizer)."""

import nh3

CAPTION_TAGS = {"p", "br", "em", "strong", "i", "b", "u", "a", "ul", "ol", "li"}
CAPTION_ATTRIBUTES = {"a": {"href", "title"}}
CAPTION_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_caption_html(html: str) -> str:
    """Keep paragraphs, line breaks, emphasis, lists and http/https/mailto links.

    Scripts and styles are dropped with their content; event handlers, style
    attributes and other URL schemes (`javascript:`) are removed.
    """
    return nh3.clean(
        html,
        tags=CAPTION_TAGS,
        attributes=CAPTION_ATTRIBUTES,
        url_schemes=CAPTION_URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
