"""The hostile markup corpus through the caption and icon sanitizers, and what they store
rendered in headless Chromium: no script runs, nothing is fetched from outside.

Each stored result is shown the ways the project's users meet it: written into a page
(inline), set through `innerHTML` (how a front end inserts a caption), as an `<img>`
(icons: the admin's preview) and as a standalone SVG document (an icon opened on its own).
Every request for anything but the test page's own origin is recorded and aborted; every
event handler is given its event. A control run with the unsanitized corpus proves the
harness sees the attacks it is looking for.
"""

import base64
import json
import re
from html.parser import HTMLParser

import pytest

from core.exceptions import BadRequest
from core.sanitize import sanitize_caption_html, sanitize_svg
from tests.security.hostile_markup import CLASSES, EVIL, SVG, VECTORS, P, as_icon

ORIGIN = "http://render.test"
PROBE = """
window.__ran = [];
window.__pwned = (name) => window.__ran.push(String(name));
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => window.__ran.push(name + ':' + args.join(','));
}
"""
# Fires every event a handler in the corpus waits for, on every element, then lets
# animations and loads run.
STIR = """
async (settle) => {
  const events = ['click', 'mouseover', 'mouseenter', 'focus', 'load', 'error', 'toggle', 'begin', 'end'];
  for (const el of document.querySelectorAll('*')) {
    for (const type of events) {
      try { el.dispatchEvent(new Event(type)); } catch (e) {}
    }
  }
  await new Promise(r => setTimeout(r, settle));
  // A link whose target is a script URL is a script waiting for a click.
  const bad = [];
  for (const a of document.querySelectorAll('a, area')) {
    const href = a.href && a.href.baseVal !== undefined ? a.href.baseVal : a.getAttribute('href');
    if (href !== null && href !== '' && !/^(https?:|mailto:|#)/i.test(href.trim())) bad.push(href);
  }
  for (const a of document.querySelectorAll('a')) {
    for (const attr of ['href', 'xlink:href']) {
      const v = a.getAttribute(attr) || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
      if (v && /^\\s*(javascript|data|vbscript):/i.test(v)) bad.push(v);
    }
  }
  return {ran: window.__ran, badLinks: bad};
}
"""


def _sanitized(function, markup: str) -> str | None:
    try:
        return function(markup)
    except BadRequest:
        return None  # refused: nothing stored


CAPTIONS = [(kind, markup, sanitize_caption_html(markup)) for kind, markup in VECTORS]
ICONS = [(kind, as_icon(markup), _sanitized(sanitize_svg, as_icon(markup))) for kind, markup in VECTORS]


def test_the_corpus_covers_every_class():
    assert CLASSES == sorted(
        ["script", "style", "handler", "url", "css", "use", "mutation", "foreignObject", "animation"]
    )
    assert len(VECTORS) >= 90


def test_stored_markup_is_stable():
    """What was stored is what a second pass stores: nothing reappears on re-sanitizing."""
    for _kind, _markup, stored in CAPTIONS:
        assert sanitize_caption_html(stored) == stored
    for _kind, _markup, stored in ICONS:
        if stored is not None:
            assert sanitize_svg(stored) == stored


class Harness:
    """A browser context where render.test serves our pages and everything else is refused."""

    def __init__(self, browser):
        self.outside: list[str] = []
        self.documents: dict[str, tuple[str, str]] = {}
        self.context = browser.new_context()
        self.context.add_init_script(PROBE)
        self.context.route("**/*", self._route)
        self.dialogs: list[str] = []

    def _route(self, route):
        url = route.request.url
        if url.startswith(ORIGIN + "/"):
            body, content_type = self.documents.get(url[len(ORIGIN) :], ("", "text/html"))
            route.fulfill(status=200, body=body, content_type=content_type)
        else:
            self.outside.append(url)
            route.abort()

    def show(self, path: str, body: str, content_type: str = "text/html", setup: str | None = None, settle=400):
        """Load the page, run `setup`, give every element its events, wait `settle` ms: what ran."""
        self.documents[path] = (body, content_type)
        page = self.context.new_page()
        page.set_default_timeout(20000)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        # Not "load": the raw corpus holds frames and objects whose loads never settle.
        page.goto(ORIGIN + path, wait_until="commit")
        page.wait_for_timeout(settle // 2)
        if setup:
            page.evaluate(setup)
        result = page.evaluate(STIR, settle)
        page.close()
        return result

    def show_frames(self, path: str, body: str, expected: int) -> list[dict]:
        """Like show(), for a page of frames: what ran in each frame's document."""
        self.documents[path] = (body, "text/html")
        page = self.context.new_page()
        page.set_default_timeout(30000)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(ORIGIN + path, wait_until="load")
        children = [frame for frame in page.frames if frame != page.main_frame]
        assert len(children) == expected
        results = [frame.evaluate(STIR, 0) for frame in children]
        page.wait_for_timeout(300)  # animations and loads started by the events
        results += [{"ran": frame.evaluate("window.__ran"), "badLinks": []} for frame in children]
        page.close()
        return results

    def close(self):
        self.context.close()


@pytest.fixture
def harness(browser):
    harness = Harness(browser)
    yield harness
    harness.close()


def _page(fragments: list[str]) -> str:
    blocks = "".join(f'<div class="item" data-n="{n}">{fragment}</div>' for n, fragment in enumerate(fragments))
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{blocks}</body></html>"


def _inner_html_page(fragments: list[str]) -> tuple[str, str]:
    """An empty page, and the script that sets each fragment through innerHTML."""
    setup = f"""
    () => {{
      for (const fragment of {json.dumps(fragments)}) {{
        const div = document.createElement('div');
        div.innerHTML = fragment;
        document.body.appendChild(div);
      }}
    }}
    """
    return _page([]), setup


def _verdict(harness: Harness, results: list[dict]) -> dict:
    return {
        "ran": sorted({name for result in results for name in result["ran"]} | set(harness.dialogs)),
        "bad_links": sorted({link for result in results for link in result["badLinks"]}),
        "outside": sorted(set(harness.outside)),
    }


@pytest.mark.browser
class TestInChromium:
    def test_control_unsanitized_vectors_are_caught(self, harness):
        """Without the sanitizers, the harness sees scripts run, script links and outside
        fetches: it can fail. (One vector of each signal; the whole raw corpus on one page
        navigates away through its forms and refresh tags.)"""
        raw = [
            f"<img src=x onerror={P}('control-img')>",
            f"<svg {SVG}><rect width='9' height='9' onclick=\"{P}('control-click')\"/></svg>",
            f'<p style="background:url({EVIL}/control.png)">x</p>',
            f"<svg {SVG}><image href=\"{EVIL}/control-image.png\" width='9' height='9'/></svg>",
            f"<a href=\"javascript:{P}('control-link')\">x</a>",
        ]
        results = [harness.show("/raw-inline", _page(raw))]
        body, setup = _inner_html_page(raw)
        results.append(harness.show("/raw-inner", body, setup=setup))
        verdict = _verdict(harness, results)
        assert {"control-img", "control-click"} <= set(verdict["ran"]), verdict
        assert any("evil.example" in url for url in verdict["outside"]), verdict
        assert verdict["bad_links"], verdict

    @pytest.mark.parametrize("what", ["captions", "icons"])
    def test_stored_markup_inline_and_through_inner_html(self, harness, what):
        stored = [out for _kind, _markup, out in (CAPTIONS if what == "captions" else ICONS) if out is not None]
        results = [harness.show(f"/{what}-inline", _page(stored))]
        body, setup = _inner_html_page(stored)
        results.append(harness.show(f"/{what}-inner", body, setup=setup))
        assert _verdict(harness, results) == {"ran": [], "bad_links": [], "outside": []}

    def test_icons_as_images(self, harness):
        stored = [icon for _kind, _markup, icon in ICONS if icon is not None]
        images = [
            f'<img width="32" height="32" src="data:image/svg+xml;base64,{base64.b64encode(icon.encode()).decode()}">'
            for icon in stored
        ]
        results = [harness.show("/icons-img", _page(images))]
        assert _verdict(harness, results) == {"ran": [], "bad_links": [], "outside": []}

    def test_control_a_script_in_a_standalone_document_is_caught(self, harness):
        harness.documents["/raw.svg"] = (f"<svg {SVG} onload=\"{P}('raw-document')\"/>", "image/svg+xml")
        results = harness.show_frames("/raw-frames", _page(['<iframe src="/raw.svg"></iframe>']), expected=1)
        assert "raw-document" in _verdict(harness, results)["ran"]

    def test_icons_as_standalone_documents(self, harness):
        """Each icon as a document of its own (image/svg+xml), in frames of one page."""
        paths = []
        for n, (_kind, _markup, icon) in enumerate(ICONS):
            if icon is not None:
                harness.documents[f"/icon-{n}.svg"] = (icon, "image/svg+xml")
                paths.append(f"/icon-{n}.svg")
        frames = "".join(f'<iframe src="{path}" width="40" height="40"></iframe>' for path in paths)
        results = harness.show_frames("/icon-frames", _page([frames]), expected=len(paths))
        assert len(results) == 2 * len(paths)
        assert _verdict(harness, results) == {"ran": [], "bad_links": [], "outside": []}


def counts() -> dict[str, dict[str, int]]:
    """Per class: vectors, captions changed by the sanitizer, icons stored and icons refused."""
    table: dict[str, dict[str, int]] = {}
    for (kind, markup, caption), (_k, _icon_in, icon) in zip(CAPTIONS, ICONS, strict=True):
        row = table.setdefault(kind, {"vectors": 0, "captions changed": 0, "icons stored": 0, "icons refused": 0})
        row["vectors"] += 1
        row["captions changed"] += caption != markup
        row["icons stored" if icon is not None else "icons refused"] += 1
    return table


def test_no_stored_tag_keeps_a_handler_a_script_or_a_script_url():
    """A check beside the browser's, on the parsed tags: escaped text (`&lt;img onerror=…&gt;`)
    and attribute values that merely contain such words are harmless."""
    for _kind, _markup, stored in CAPTIONS + [icon for icon in ICONS if icon[2] is not None]:
        for tag, attributes in _tags(stored):
            assert tag not in {"script", "style", "iframe", "object", "embed", "foreignobject"}, stored
            for name, value in attributes:
                assert not name.lower().startswith("on"), stored
                if name.lower() in {"href", "xlink:href", "src", "action"}:
                    assert not re.match(r"\s*(javascript|vbscript|data):", value or "", re.I), stored


def _tags(markup: str) -> list[tuple[str, list]]:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

        handle_startendtag = handle_starttag

    Collector().feed(markup)
    return found
