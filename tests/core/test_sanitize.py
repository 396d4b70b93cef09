"""Caption HTML allow-list (contract §4 `caption_html`)."""

import pytest

from core.sanitize import html_to_text
from core.sanitize import sanitize_caption_html as clean


class TestRemoved:
    def test_script_goes_with_its_content(self):
        assert clean("<p>Hi <script>alert(1)</script>there</p>") == "<p>Hi there</p>"

    def test_style_element_goes_with_its_content(self):
        assert clean("<style>p { color: red }</style>text") == "text"

    @pytest.mark.parametrize("attribute", ['onclick="x()"', 'onmouseover="x()"', "onload=alert(1)"])
    def test_event_handlers(self, attribute):
        assert clean(f"<p {attribute}>t</p>") == "<p>t</p>"

    def test_style_attribute(self):
        assert clean('<p style="color:red">t</p>') == "<p>t</p>"

    @pytest.mark.parametrize(
        "href",
        [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java&#x09;script:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "ftp://example.com/x",
            "/relative/path",
            "//evil.example/x",
            "relative.html",
            "#fragment",
        ],
    )
    def test_other_url_schemes_lose_their_href(self, href):
        out = clean(f'<a href="{href}">x</a>')
        assert "href" not in out
        assert ">x</a>" in out

    @pytest.mark.parametrize(
        "html",
        ["<img src=x onerror=alert(1)>", "<iframe src=https://e.com></iframe>", "<svg onload=alert(1)></svg>"],
    )
    def test_tags_outside_the_list(self, html):
        out = clean(html)
        assert "<img" not in out and "<iframe" not in out and "<svg" not in out
        assert "alert" not in out

    def test_comments(self):
        assert clean("<!-- hidden -->t") == "t"

    def test_unknown_tag_keeps_its_text(self):
        assert clean("<div><span>text</span></div>") == "text"


class TestKept:
    def test_paragraphs_breaks_emphasis(self):
        html = "<p>a<br>b <em>c</em> <strong>d</strong></p>"
        assert clean(html) == html

    def test_lists(self):
        html = "<ul><li>a</li></ul><ol><li>b</li></ol>"
        assert clean(html) == html

    @pytest.mark.parametrize("href", ["http://example.com/x", "https://example.com/x?a=1&amp;b=2", "mailto:a@b.org"])
    def test_links_with_allowed_schemes(self, href):
        out = clean(f'<a href="{href}">link</a>')
        assert f'href="{href}"' in out
        assert out.startswith("<a ") and out.endswith(">link</a>")

    def test_links_are_marked_noopener(self):
        assert 'rel="noopener noreferrer"' in clean('<a href="https://e.com">x</a>')

    def test_text_is_escaped_not_dropped(self):
        assert clean("a < b & c") == "a &lt; b &amp; c"

    def test_unicode_text(self):
        assert clean("<p>Zoë — 東京</p>") == "<p>Zoë — 東京</p>"

    def test_empty(self):
        assert clean("") == ""

    def test_sanitizing_twice_changes_nothing(self):
        once = clean('<p onclick="x">a <a href="https://e.com" style="x">b</a><script>c</script></p>')
        assert clean(once) == once


class TestHtmlToText:
    @pytest.mark.parametrize(
        ("html", "text"),
        [
            ("", ""),
            ("<p>The <em>harbour</em> at dawn</p>", "The harbour at dawn"),
            ("<p>One</p><p>Two</p>", "One Two"),
            ("a<br>b<br/>c", "a b c"),
            ("<ul><li>x</li><li>y</li></ul>", "x y"),
            ("<p>a &lt; b &amp; c &quot;d&quot; &#233;</p>", 'a < b & c "d" é'),
            ("<p>x<script>alert(1)</script><style>p{}</style>y</p>", "xy"),
            ("<p>  spaced\n\tout  </p>", "spaced out"),
            ("<p>wo<strong>rd</strong></p>", "word"),
            ('<a href="https://e.com">link</a><!-- note -->', "link"),
            ("plain text", "plain text"),
            # Tags go, entities are decoded, whitespace collapses.
            (
                "<p>Fish &amp; chips at <em>Brighton</em>,\n  2024</p><p>Second&nbsp;line</p>",
                "Fish & chips at Brighton, 2024 Second line",
            ),
            # Paragraphs, breaks and list items stay apart; inline tags join their neighbours.
            ("<p>one</p><p>two</p>three<br>four<ul><li>five</li><li>six</li></ul>", "one two three four five six"),
            ("<p>Photo<em>s</em> of <strong>the</strong> day</p>", "Photos of the day"),
            ("<p>a<script>alert(1)</script><style>p{}</style>b</p>", "ab"),
            ("<p>a</p>\n<p>b</p>", "a b"),
        ],
    )
    def test_plain_text(self, html, text):
        assert html_to_text(html) == text

    def test_the_text_of_a_sanitized_caption_is_the_text_of_the_original(self):
        html = '<p onclick="x()">Le <a href="javascript:alert(1)">port</a><script>bad()</script></p>'
        assert html_to_text(clean(html)) == html_to_text(html) == "Le port"
