"""SVG icons: known XSS vectors are removed or refused, a harmless icon survives."""

import pytest

from core.exceptions import BadRequest
from core.sanitize import SVG_MAX_BYTES, sanitize_svg

NS = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'

ICON = (
    f'<svg {NS} viewBox="0 0 24 24" width="24" height="24" fill="none">'
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f00"/></linearGradient>'
    "</defs>"
    '<g fill="url(#g)" stroke="currentColor" stroke-width="2" transform="translate(1 1)">'
    '<path d="M12 2L2 7l10 5 10-5-10-5z" fill-rule="evenodd"/>'
    '<circle cx="12" cy="12" r="3"/>'
    '<rect x="1" y="1" width="4" height="4" rx="1"/>'
    "</g>"
    "<title>Home</title>"
    "</svg>"
)


def refused(markup: str) -> str:
    with pytest.raises(BadRequest) as info:
        sanitize_svg(markup)
    assert list(info.value.details) == ["svg_icon"]
    return info.value.details["svg_icon"][0]


class TestHarmlessIcons:
    def test_a_plain_icon_survives_unchanged(self):
        assert sanitize_svg(ICON) == ICON

    def test_bare_svg_root_gets_the_svg_namespace(self):
        assert sanitize_svg('<svg viewBox="0 0 2 2"><circle r="1"/></svg>') == (
            f'<svg {NS} viewBox="0 0 2 2"><circle r="1"/></svg>'
        )

    def test_xml_declaration_comments_and_editor_metadata_are_dropped(self):
        markup = (
            '<?xml version="1.0" encoding="UTF-8"?><!-- made by hand -->'
            f'<svg {NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1.0">'
            "<inkscape:grid/><path d='M0 0'/></svg>"
        )
        assert sanitize_svg(markup) == f'<svg {NS}><path d="M0 0"/></svg>'

    def test_local_references_are_kept(self):
        markup = (
            f'<svg {NS} {XLINK}><symbol id="s"><path d="M0 0"/></symbol><use xlink:href="#s"/><use href="#s"/></svg>'
        )
        assert sanitize_svg(markup) == markup

    def test_text_is_escaped_on_output(self):
        out = sanitize_svg(f"<svg {NS}><text>a &lt; b &amp; <![CDATA[<c>]]></text></svg>")
        assert out == f"<svg {NS}><text>a &lt; b &amp; &lt;c&gt;</text></svg>"

    def test_sanitizing_twice_changes_nothing(self):
        once = sanitize_svg(f'<svg {NS}><script>x</script><g onclick="x"><path d="M0 0"/></g></svg>')
        assert sanitize_svg(once) == once

    def test_harmless_style_attribute_is_kept(self):
        markup = f'<svg {NS}><path style="fill:red;stroke:rgb(0,0,0)" d="M0 0"/></svg>'
        assert sanitize_svg(markup) == markup


# Markup with an XSS vector, and what is left of it once sanitized.
REMOVED = [
    pytest.param(
        f"<svg {NS}><script>alert(1)</script><script><![CDATA[alert(2)]]></script></svg>",
        f"<svg {NS}/>",
        id="script_element_and_its_content",
    ),
    pytest.param(
        f'<svg {NS} onload="alert(1)"><circle r="1" onclick="alert(2)" onmouseover="x"/></svg>',
        f'<svg {NS}><circle r="1"/></svg>',
        id="event_handler_attributes",
    ),
    pytest.param(
        f'<svg {NS}><foreignObject width="9" height="9">'
        '<body xmlns="http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"/>'
        '<img src="x" onerror="alert(1)"/></body></foreignObject><path d="M0 0"/></svg>',
        f'<svg {NS}><path d="M0 0"/></svg>',
        id="foreign_object_with_html",
    ),
    pytest.param(
        f'<svg {NS}><use href="http://evil.example/x.svg#a"/><use href="//evil/x.svg#a"/></svg>',
        f"<svg {NS}><use/><use/></svg>",
        id="use_of_an_external_document",
    ),
    pytest.param(
        f'<svg {NS}><set attributeName="onload" to="alert(1)"/><rect width="1"/></svg>',
        f'<svg {NS}><rect width="1"/></svg>',
        id="set_element_rewriting_an_event_handler",
    ),
    pytest.param(
        f'<svg {NS}><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>'
        '<animateTransform attributeName="transform" type="rotate" from="0" to="9"/></svg>',
        f"<svg {NS}><a><text>x</text></a></svg>",
        id="animate_to_a_javascript_url",
    ),
    pytest.param(
        f"<svg {NS}><style>@import url(http://evil.example/x.css);</style><path d='M0 0'/></svg>",
        f'<svg {NS}><path d="M0 0"/></svg>',
        id="style_element_with_import",
    ),
    pytest.param(
        f"<svg {NS}><style>path {{ fill: red }}</style></svg>",
        f"<svg {NS}/>",
        id="style_element_is_dropped_even_when_harmless",
    ),
    pytest.param(
        f'<svg {NS}><rect fill="url(http://evil.example/p.svg#g)" stroke="url(#ok)"/></svg>',
        f'<svg {NS}><rect stroke="url(#ok)"/></svg>',
        id="presentation_attribute_pointing_outside",
    ),
    pytest.param(
        f'<svg {NS} {XLINK}><image xlink:href="data:image/svg+xml;base64,PHN2Zz4="/>'
        '<use href="data:image/svg+xml,&lt;svg/&gt;#x"/><filter><feImage href="#x"/></filter></svg>',
        f"<svg {NS}><use/><filter/></svg>",
        id="data_urls_are_removed_anywhere",
    ),
    pytest.param(
        f'<svg {NS}><html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script></svg>',
        f"<svg {NS}/>",
        id="html_namespaced_script",
    ),
    pytest.param(
        f"<svg {NS}><text>Hello<script>alert(1)</script> world</text></svg>",
        f"<svg {NS}><text>Hello world</text></svg>",
        id="text_after_a_dropped_element_is_kept",
    ),
]


class TestXSSVectorsAreRemoved:
    @pytest.mark.parametrize(("markup", "expected"), REMOVED)
    def test_removed(self, markup, expected):
        assert sanitize_svg(markup) == expected

    def test_link_to_javascript(self):
        out = sanitize_svg(f'<svg {NS} {XLINK}><a xlink:href="javascript:alert(1)"><text>click</text></a></svg>')
        assert out == f"<svg {NS}><a><text>click</text></a></svg>"
        assert "javascript" not in out

    def test_javascript_url_hidden_with_whitespace_and_case(self):
        out = sanitize_svg(f'<svg {NS}><a href=" JaVa&#x09;Script:alert(1)"><text>x</text></a></svg>')
        assert "alert" not in out and "href" not in out

    @pytest.mark.parametrize(
        "style",
        [
            "background:url(http://evil.example/x.png)",
            "fill:URL( 'http://evil.example/#a' )",
            "background:u\\72l(http://evil.example/x.png)",
            "behavior:url(x.htc)",
            "width:expression(alert(1))",
            "fill:red/**/;background:image('x')",
        ],
    )
    def test_style_attribute_that_fetches_or_runs_code(self, style):
        out = sanitize_svg(f'<svg {NS}><rect width="1" style="{style}"/></svg>')
        assert out == f'<svg {NS}><rect width="1"/></svg>'


class TestRefused:
    def test_billion_laughs(self):
        markup = (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            f"<svg {NS}><text>&lol3;</text></svg>"
        )
        assert "DTD" in refused(markup)

    def test_external_entity(self):
        markup = (
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            f"<svg {NS}><text>&xxe;</text></svg>"
        )
        assert "DTD" in refused(markup)

    def test_external_dtd(self):
        markup = (
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
            f"<svg {NS}/>"
        )
        refused(markup)

    def test_undefined_entity(self):
        assert "well-formed" in refused(f"<svg {NS}><text>&nbsp;</text></svg>")

    @pytest.mark.parametrize("markup", ["", "not xml", "<svg>", "<svg></g>", "<svg><a xlink:href='#a'/></svg>"])
    def test_not_well_formed(self, markup):
        assert "well-formed" in refused(markup)

    @pytest.mark.parametrize(
        "markup",
        [
            '<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>',
            "<g/>",
            '<svg xmlns="http://example.com/not-svg"/>',
            '<script xmlns="http://www.w3.org/2000/svg"/>',
        ],
    )
    def test_root_that_is_not_svg(self, markup):
        assert "root" in refused(markup)

    def test_over_64_kib(self):
        padding = "x" * (SVG_MAX_BYTES - len(f"<svg {NS}><desc></desc></svg>") + 1)
        assert "64 KiB" in refused(f"<svg {NS}><desc>{padding}</desc></svg>")

    def test_exactly_64_kib_is_accepted(self):
        padding = "x" * (SVG_MAX_BYTES - len(f"<svg {NS}><desc></desc></svg>"))
        markup = f"<svg {NS}><desc>{padding}</desc></svg>"
        assert len(markup.encode()) == SVG_MAX_BYTES
        assert sanitize_svg(markup) == markup

    def test_size_counts_bytes_not_characters(self):
        padding = "é" * (SVG_MAX_BYTES // 2)
        refused(f"<svg {NS}><desc>{padding}</desc></svg>")

    def test_nested_too_deeply(self):
        assert "nested" in refused(f"<svg {NS}>" + "<g>" * 150 + "</g>" * 150 + "</svg>")

    def test_not_a_string(self):
        refused(b"<svg/>")


def use_bomb(levels: int = 10, fan_out: int = 10) -> str:
    """The review's icon: a path, then groups each holding `fan_out` <use> of the previous one."""
    names = "abcdefghijklmnopqrstuvwxyz"
    parts = [f'<svg {NS} {XLINK}><defs><path id="a" d="M0 0h1v1z"/>']
    for previous, name in zip(names[: levels - 1], names[1:levels], strict=True):
        parts.append(f'<g id="{name}">' + f'<use href="#{previous}"/>' * fan_out + "</g>")
    parts.append(f'</defs><use href="#{names[levels - 1]}"/></svg>')
    return "".join(parts)


class TestExpansionIsBounded:
    """An icon may reuse its parts, but not expand to more than SVG_MAX_RENDERED_NODES shapes."""

    def test_the_reviews_use_bomb_is_refused(self):
        markup = use_bomb()
        assert len(markup) < 2000
        assert "expands" in refused(markup)

    def test_xlink_laughs_are_refused(self):
        # svg-sanitizer's xlinkLaughsTest: the same chain through xlink:href on <use> and <symbol>.
        parts = [f'<svg {NS} {XLINK}><symbol id="l0"><path d="M0 0"/></symbol>']
        for level in range(1, 9):
            parts.append(f'<symbol id="l{level}">' + f'<use xlink:href="#l{level - 1}"/>' * 10 + "</symbol>")
        parts.append('<use xlink:href="#l8"/></svg>')
        assert "expands" in refused("".join(parts))

    def test_a_chain_through_paint_servers_is_refused(self):
        # A pattern drawn by every shape that holds a <use> of a big group.
        markup = (
            use_bomb(levels=5)
            .replace("</defs>", '<pattern id="p" width="1" height="1"><use href="#e"/></pattern></defs>')
            .replace('<use href="#e"/></svg>', '<rect fill="url(#p)"/>' * 200 + "</svg>")
        )
        assert "expands" in refused(markup)

    def test_markers_count_once_per_vertex(self):
        marker = '<marker id="m">' + '<use href="#d"/>' * 2 + "</marker>"
        markup = (
            use_bomb(levels=4)
            .replace("</defs>", marker + "</defs>")
            .replace('<use href="#d"/></svg>', '<path marker-mid="url(#m)" d="' + "l1 1 " * 3000 + '"/></svg>')
        )
        assert "expands" in refused(markup)

    def test_a_use_that_contains_itself_is_refused(self):
        markup = f'<svg {NS}><g id="a"><path d="M0 0"/><use href="#a"/></g></svg>'
        assert "itself" in refused(markup)

    def test_a_cycle_of_two_is_refused(self):
        markup = f'<svg {NS}><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>'
        assert "itself" in refused(markup)

    def test_modest_reuse_is_kept(self):
        markup = use_bomb(levels=3)  # 100 paths in the end
        assert sanitize_svg(markup) == markup.replace(f" {XLINK}", "")

    def test_a_reference_to_a_missing_id_is_harmless(self):
        markup = f'<svg {NS}><use href="#nowhere"/><rect fill="url(#none)"/></svg>'
        assert sanitize_svg(markup) == markup


class TestEveryCSSValueIsChecked:
    """Presentation attributes are CSS: no function that can fetch, wherever it stands (issue 16, item 3)."""

    @pytest.mark.parametrize(
        "value",
        [
            "image-set('https://evil.example/m.png' 1x)",
            "-webkit-image-set(url(https://evil.example/m.png) 1x)",
            "IMAGE-SET( 'https://evil.example/m.png' 1x )",
            "url(#ok) image-set('https://evil.example/m.png' 1x)",
            "url(//evil.example/m.svg#a)",
            "url('//evil.example/m.svg#a')",
            "url( #a ) url(https://evil.example/)",
            "cross-fade(url(#a), url(https://evil.example/x.png), 50%)",
            "image('https://evil.example/x.png')",
            "element(#x)",
            "src('https://evil.example/x.png')",
            "u\\72l(https://evil.example/x.png)",
            "url(#a)/**/image-set(x)",
            "@import 'https://evil.example/x.css'",
            "var(--x, url(https://evil.example/x.png))",
        ],
    )
    @pytest.mark.parametrize("attribute", ["mask", "fill", "filter", "clip-path", "marker-end", "style"])
    def test_fetching_values_are_removed(self, attribute, value):
        declared = f"{attribute}:{value}" if attribute == "style" else value
        markup = f'<svg {NS}><rect width="1" {attribute}={quoted(declared)}/></svg>'
        assert sanitize_svg(markup) == f'<svg {NS}><rect width="1"/></svg>'

    @pytest.mark.parametrize(
        ("attribute", "value"),
        [
            ("fill", "url(#g)"),
            ("fill", "url('#g') red"),
            ("filter", "blur(2px) drop-shadow(1px 1px 1px rgb(0 0 0 / 50%))"),
            ("transform", "translate(1 1) rotate(45) scale(2) matrix(1 0 0 1 0 0)"),
            ("clip-path", "circle(50% at 50% 50%)"),
            ("fill", "hsl(120deg 50% 50%)"),
            ("style", "fill:url(#g);stroke:rgba(0,0,0,.5)"),
        ],
    )
    def test_local_and_harmless_functions_are_kept(self, attribute, value):
        markup = f"<svg {NS}><rect {attribute}={quoted(value)}/></svg>"
        assert sanitize_svg(markup) == markup


def quoted(value: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(value)
