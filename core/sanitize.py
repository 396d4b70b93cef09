"""Sanitizing with allow-lists: caption HTML (nh3, the Ammonia sanitizer) and SVG icons."""

import html as html_entities
import re
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape, quoteattr

import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _parse_xml

from core.exceptions import BadRequest

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
        attribute_filter=_absolute_links_only,
    )


# Where a block ends or a line breaks, words of two blocks must not run together in the text.
_BLOCK_BOUNDARY = re.compile(r"<(?:/?(?:p|li|ul|ol|div|h[1-6]|blockquote)|br)\b[^>]*>", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """The plain text of an HTML fragment (a caption's `caption_text`).

    Tags are dropped (scripts and styles with their content), entities decoded,
    whitespace collapsed to single spaces; paragraphs, list items and line
    breaks become a space. The result is text: a consumer escapes it like any text.
    """
    text = nh3.clean(
        _BLOCK_BOUNDARY.sub(" ", html), tags=set(), clean_content_tags={"script", "style"}, strip_comments=True
    )
    return " ".join(html_entities.unescape(text).split())


_LINK_SCHEME = re.compile(r"^\s*(https?|mailto):", re.IGNORECASE)


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    """nh3 keeps relative and protocol-relative hrefs (`/x`, `//host/x`); only
    http, https and mailto links are allowed in captions."""
    if attribute == "href" and not _LINK_SCHEME.match(value):
        return None
    return value


# --- SVG icons (contract §5) -------------------------------------------------
#
# No maintained Python library sanitizes SVG (bleach is deprecated, nh3 and
# html-sanitizer handle HTML, not SVG's elements and namespaces), so the
# allow-list is written here. The markup is parsed with defusedxml (no DTD, no
# entities, no external references), and a new document is written from the
# allowed elements and attributes only: whatever the parser saw but this code
# does not name is dropped, rather than a list of known-bad things removed.
#
# Decisions, kept strict because icons need none of these:
# - `<style>` elements are dropped entirely (CSS can fetch with `url()` and
#   `@import`, and filtering CSS safely needs a CSS parser). Every attribute
#   value, `style` included, is read as CSS: one that names a function off the
#   allow-list, `url()` to anything but `#id`, an escape, a comment or an
#   at-rule is removed (the attribute, not the icon).
# - What the icon expands to through `<use>` and `url(#id)` is bounded: over
#   SVG_MAX_RENDERED_NODES, or a reference loop, is refused (400).
# - Animation elements (`set`, `animate`, ...) are dropped: they can rewrite
#   other attributes (`href`, `on*`) after sanitizing.
# - `href` / `xlink:href` only point inside the document (`#id`); `url()` in
#   presentation attributes (`fill="url(#grad)"`) likewise.
# - `image`, `feImage`, `foreignObject`, `script`, `iframe`-like HTML and
#   elements of any other namespace are dropped with their content.


SVG_MAX_BYTES = 64 * 1024
SVG_MAX_DEPTH = 100
# Elements an icon may draw once every <use> and url(#id) reference is followed (a 64 KiB
# icon written out flat holds at most some 16,000 elements).
SVG_MAX_RENDERED_NODES = 20_000
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

SVG_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "a", "switch",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
        "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
        "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood",
        "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode",
        "feMorphology", "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile",
        "feTurbulence",
    }
)  # fmt: skip

SVG_ATTRIBUTES = frozenset(
    {
        # structure and geometry
        "id", "class", "lang", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2",
        "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points", "pathLength", "transform",
        "preserveAspectRatio", "version", "dx", "dy", "rotate", "textLength", "lengthAdjust",
        "startOffset", "method", "spacing", "side", "role", "aria-label", "aria-hidden",
        "aria-labelledby", "aria-describedby", "focusable", "systemLanguage", "requiredExtensions",
        # presentation
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
        "stroke-opacity", "opacity", "color", "display", "visibility", "overflow", "clip-path",
        "clip-rule", "mask", "filter", "font-family", "font-size", "font-weight", "font-style",
        "font-variant", "font-stretch", "text-anchor", "text-decoration", "dominant-baseline",
        "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "writing-mode",
        "stop-color", "stop-opacity", "marker-start", "marker-mid", "marker-end", "paint-order",
        "vector-effect", "shape-rendering", "text-rendering", "image-rendering", "color-interpolation",
        "color-interpolation-filters", "flood-color", "flood-opacity", "lighting-color",
        "mix-blend-mode", "isolation", "transform-origin", "style",
        # gradients, patterns, clipping, masking, markers
        "gradientUnits", "gradientTransform", "spreadMethod", "offset", "patternUnits",
        "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits",
        "markerUnits", "markerWidth", "markerHeight", "refX", "refY", "orient",
        # filter primitives
        "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "edgeMode", "mode",
        "type", "values", "tableValues", "slope", "intercept", "amplitude", "exponent", "operator",
        "k1", "k2", "k3", "k4", "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY",
        "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant", "specularExponent",
        "kernelUnitLength", "scale", "xChannelSelector", "yChannelSelector", "radius", "azimuth",
        "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle",
        "baseFrequency", "numOctaves", "seed", "stitchTiles",
        # links, local fragments only (checked below)
        "href",
    }
)  # fmt: skip

# Characters a browser ignores inside a URL scheme ("java\tscript:").
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_URL = re.compile(r"(javascript|vbscript|data|livescript):")
_URL_FUNCTION = re.compile(r"url\((['\"]?)([^)'\"]*)", re.IGNORECASE)
# A function's name: the identifier before "(", also when whitespace separates them.
_CSS_FUNCTION = re.compile(r"([a-z0-9_-]*)\s*\(")
# Presentation attributes and `style` are CSS: every function named in them must be one of
# these (colours, lengths, transforms, filter and shape functions), wherever it stands, and
# `url()` may only point inside the icon. An allow-list, because CSS keeps adding functions
# that fetch (`image-set()`, `-webkit-image-set()`, `cross-fade()`, `image()`, `src()`...).
_CSS_FUNCTIONS = frozenset(
    {
        "url", "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color",
        "calc", "min", "max", "clamp",
        "translate", "translatex", "translatey", "rotate", "scale", "scalex", "scaley",
        "skew", "skewx", "skewy", "matrix",
        "blur", "brightness", "contrast", "drop-shadow", "grayscale", "hue-rotate", "invert",
        "opacity", "saturate", "sepia",
        "circle", "ellipse", "inset", "polygon",
        "",  # parentheses that group, inside calc()
    }
)  # fmt: skip
# Anywhere in a CSS value: at-rules (`@import`), escapes (`\72` spells `r`), comments (which
# split words), protocol-relative URLs, markup, and the old ways of running code from CSS.
_UNSAFE_CSS = re.compile(r"@|\\|/\*|//|<|expression|behavior|binding|javascript")
# Attributes that hold text or names, never CSS: only the script-URL check applies to them.
_TEXT_ATTRIBUTES = frozenset(
    {"id", "class", "lang", "role", "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden"}
)


def _svg_error(message: str) -> BadRequest:
    return BadRequest({"svg_icon": [message]})


def _safe_css(value: str, compact: str) -> bool:
    """Whether a CSS value can neither fetch nor run anything: only allowed functions, `url()`
    to local fragments only. `compact` is the value without whitespace and control characters."""
    if _UNSAFE_CSS.search(compact):
        return False
    if any(name not in _CSS_FUNCTIONS for name in _CSS_FUNCTION.findall(value.lower())):
        return False
    return all(target.startswith("#") for _quote, target in _URL_FUNCTION.findall(compact))


def _safe_attribute(name: str, value: str) -> bool:
    compact = _IGNORED_IN_URLS.sub("", value).lower()
    if _SCRIPT_URL.search(compact):
        return False
    if name == "href":
        return value.strip().startswith("#") and "\\" not in value
    if name in _TEXT_ATTRIBUTES:
        return True
    return _safe_css(value, compact)


def _attribute_name(qualified: str) -> str | None:
    """The name to write for an attribute, or None when it is not allowed."""
    if qualified.startswith("{"):
        namespace, _, local = qualified[1:].partition("}")
        if namespace == XLINK_NS and local == "href":
            return "xlink:href"
        if namespace == XML_NS and local in {"space", "lang"}:
            return f"xml:{local}"
        return None
    if qualified.lower().startswith("on") or qualified not in SVG_ATTRIBUTES:
        return None
    return qualified


def _element_name(tag) -> str | None:
    if not isinstance(tag, str):
        return None  # comments and processing instructions
    namespace, local = ("", tag)
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
    if namespace not in (SVG_NS, "") or local not in SVG_ELEMENTS:
        return None
    return local


def _write(element, name: str, out: list[str], depth: int, uses_xlink: list[bool]) -> None:
    if depth > SVG_MAX_DEPTH:
        raise _svg_error(f"The SVG is nested more than {SVG_MAX_DEPTH} levels deep.")
    attributes = []
    for qualified, value in element.attrib.items():
        attr = _attribute_name(qualified)
        if attr is None or not _safe_attribute(attr.removeprefix("xlink:"), value):
            continue
        uses_xlink[0] = uses_xlink[0] or attr.startswith("xlink:")
        attributes.append(f" {attr}={quoteattr(value)}")
    start = len(out)
    out.append(f"<{name}{''.join(attributes)}>")
    if element.text:
        out.append(escape(element.text))
    for child in element:
        child_name = _element_name(child.tag)
        if child_name is not None:
            _write(child, child_name, out, depth + 1, uses_xlink)
        # A dropped element loses its content, but the text after it belongs to the parent.
        if child.tail:
            out.append(escape(child.tail))
    if len(out) == start + 1:
        out[start] = out[start][:-1] + "/>"
    else:
        out.append(f"</{name}>")


def sanitize_svg(markup: str) -> str:
    """Inline SVG markup reduced to an allow-list of elements and attributes.

    400 (`BadRequest` on `svg_icon`) when it is over 64 KiB, not well-formed
    XML, uses a DTD or entities, or its root is not an `svg` element.
    """
    if not isinstance(markup, str):
        raise _svg_error("Send the SVG markup as a string.")
    data = markup.encode("utf-8", errors="surrogatepass")
    if len(data) > SVG_MAX_BYTES:
        raise _svg_error(f"The SVG is larger than {SVG_MAX_BYTES // 1024} KiB.")
    try:
        root = _parse_xml(markup, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _svg_error("The SVG may not contain a DTD, entities or external references.") from None
    except (ParseError, ValueError):
        raise _svg_error("The SVG is not well-formed XML.") from None
    if _element_name(root.tag) != "svg":
        raise _svg_error("The root element must be an SVG <svg> element.")
    out: list[str] = []
    uses_xlink = [False]
    _write(root, "svg", out, 0, uses_xlink)
    namespaces = f' xmlns="{SVG_NS}"' + (f' xmlns:xlink="{XLINK_NS}"' if uses_xlink[0] else "")
    # Namespaces go on the root at the end, when it is known whether xlink is used.
    cleaned = "<svg" + namespaces + out[0][len("<svg") :] + "".join(out[1:])
    _check_expansion(cleaned)
    return cleaned


# --- What an icon expands to -------------------------------------------------
#
# `<use>` draws a copy of what it points at, and a pattern, marker, mask, clip
# path or filter (`fill="url(#p)"`) is drawn again for every element using it
# (a marker at every vertex). Ten groups of ten `<use>` of the previous group
# make 10^10 shapes from 1.7 KB, and the browser showing the icon (the admin's
# category pages among them) hangs. The weight of an element is itself, its
# children and the weight of everything it references; an icon over the cap,
# or whose references loop, is refused (400), as an oversized one is.

_REFERENCE_ATTRIBUTES = ("href", f"{{{XLINK_NS}}}href")
_MARKER_ATTRIBUTES = frozenset({"marker-start", "marker-mid", "marker-end"})
_LOCAL_URL = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]*)")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class _Expansion:
    def __init__(self, root):
        self.by_id: dict[str, list] = {}
        for element in root.iter():
            if element.get("id"):
                self.by_id.setdefault(element.get("id"), []).append(element)
        self.weights: dict[int, int] = {}
        self.visiting: set[int] = set()

    def weight(self, element, depth: int = 0) -> int:
        key = id(element)
        if key in self.weights:
            return self.weights[key]
        if key in self.visiting:
            raise _svg_error("The SVG refers to itself (a <use> or url(#…) reference loops).")
        if depth > 2 * SVG_MAX_DEPTH:
            raise _svg_error(f"The SVG's references are chained more than {2 * SVG_MAX_DEPTH} levels deep.")
        self.visiting.add(key)
        total = 1
        for child in element:
            total += self.weight(child, depth + 1)
            self._check(total)
        local = element.tag.rpartition("}")[2]
        for name, value in element.attrib.items():
            if name in _REFERENCE_ATTRIBUTES and local != "a":
                targets = [value.strip()[1:]]
                times = 1
            else:
                targets = _LOCAL_URL.findall(value)
                times = _vertices(element) if name in _MARKER_ATTRIBUTES else 1
            for target in targets:
                for referenced in self.by_id.get(target, ()):
                    total += times * self.weight(referenced, depth + 1)
                    self._check(total)
        self.visiting.discard(key)
        self.weights[key] = total
        return total

    @staticmethod
    def _check(total: int) -> None:
        if total > SVG_MAX_RENDERED_NODES:
            raise _svg_error(
                f"The SVG expands to more than {SVG_MAX_RENDERED_NODES} elements "
                "once its <use> and url(#…) references are followed."
            )


def _vertices(element) -> int:
    """An upper bound of the vertices a marker is drawn at: the numbers in the shape's data."""
    data = element.get("d") or element.get("points") or ""
    return max(3, len(_NUMBER.findall(data)))


def _check_expansion(cleaned: str) -> None:
    # Our own output: well-formed, without DTD or entities, so the standard parser is safe here.
    root = ElementTree.fromstring(cleaned)
    _Expansion(root).weight(root)
