"""Property test of the sanitiser (nh3 and bleach): generated hostile HTML comes out safe,
and sanitising the output again changes nothing."""
import re
import shutil
import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.extensions import db
from core.sanitize import sanitize_html
from tests.conftest import make_app

ALLOWED_TAGS = """p br h2 h3 h4 strong em u s blockquote ul ol li a img figure figcaption table thead
    tbody tr th td caption hr pre code span sub sup""".split()
FORBIDDEN_TAGS = """script style iframe frame frameset object embed applet base meta link noscript template
    svg math form input button textarea select""".split()
OTHER_TAGS = "div font body html head title marquee xmp noembed noframes plaintext video audio source".split()
SAFE_SCHEMES = {"", "http", "https", "mailto"}
SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
NEVER_ATTRIBUTES = {"formaction", "srcdoc", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "cite", "background", "poster", "data", "xlink:href"}

INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u202e", "\x00", "\x01", "\t",
    "\n", "\r", " ", "&#x09;", "&#10;", "&#8203;", "&Tab;", "&NewLine;", "&#0;",
]  # fmt: skip
TEXT_BITS = [
    "质量", "评审", "深圳市质量协会", "，", "。", "“引号”", "x", " ", "&lt;", "&gt;", "&amp;", "&nbsp;", "&#60;",
    "&#x3c;", "&quot;", "<", ">", "&", '"', "'", "=", "/", "<!--", "-->", "<![CDATA[", "]]>", "<!doctype html>",
    "<?php ?>", "</", "\u200b", "😀",
]  # fmt: skip


@st.composite
def scheme_urls(draw):
    """URLs whose scheme may be split by invisible characters or written as entities."""
    scheme = draw(st.sampled_from(["javascript", "JaVaScRiPt", "vbscript", "data", "http", "https", "mailto", "ftp"]))
    letters = []
    for letter in scheme:
        if draw(st.booleans()) and draw(st.booleans()):
            letter = draw(st.sampled_from([f"&#{ord(letter)};", f"&#x{ord(letter):x};", f"&#00{ord(letter)}"]))
        letters.append(letter)
        if draw(st.integers(0, 5)) == 0:
            letters.append(draw(st.sampled_from(INVISIBLE)))
    colon = draw(st.sampled_from([":", "&colon;", "&#58;", "&#x3A;", "%3A"]))
    prefix = draw(st.sampled_from(["", " ", "\x01", "\u200b", "&#x20;"]))
    rest = draw(st.sampled_from(["alert(1)", "//evil.example/x", "text/html,<script>alert(1)</script>", "a@b.cn"]))
    return prefix + "".join(letters) + colon + rest


urls = st.one_of(
    scheme_urls(),
    st.sampled_from(["/news/a", "#top", "?page=2", "relative/path", "//evil.example", "", "/质量"]),
)
attribute_names = st.sampled_from([
    "href", "src", "title", "alt", "width", "colspan", "class", "id", "onclick", "onerror", "OnLoad",
    "onmouseover", "style", "formaction", "srcdoc", "action", "srcset", "rel", "xlink:href", "data", "poster",
    "background", "cite", "lang", "data-x", "target",
])  # fmt: skip


@st.composite
def attribute(draw):
    name = draw(attribute_names)
    value = draw(urls) if name in URL_ATTRIBUTES or draw(st.booleans()) else draw(text_bits)
    quote = draw(st.sampled_from(['"', "'", ""]))
    if quote == "":
        value = value.replace(" ", "").replace(">", "") or "x"
    else:
        value = value.replace(quote, "")
    return f" {name}={quote}{value}{quote}"


text_bits = st.lists(st.sampled_from(TEXT_BITS) | st.text(max_size=3), max_size=4).map("".join)


def element(children):
    @st.composite
    def build(draw):
        tag = draw(st.sampled_from(ALLOWED_TAGS) | st.sampled_from(FORBIDDEN_TAGS) | st.sampled_from(OTHER_TAGS))
        if draw(st.booleans()):
            tag = tag.upper()
        attrs = "".join(draw(st.lists(attribute(), max_size=3)))
        inner = "".join(draw(st.lists(children, max_size=3)))
        end = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", "", f"</{tag} >"]))
        opener = f"<{tag}{attrs}{draw(st.sampled_from(['', '/', ' /']))}>"
        return opener + inner + end

    return build()


@st.composite
def link_or_image(draw):
    """The two places where a URL survives the allow-list: a link's href and an image's src."""
    url = draw(urls).replace('"', "")
    if draw(st.booleans()):
        return f'<a href="{url}"{draw(attribute())}>{draw(text_bits)}</a>'
    return f'<img src="{url}" alt="{draw(text_bits).replace(chr(34), "")}">'


html_ish = st.recursive(text_bits | link_or_image(), element, max_leaves=12)


class Elements(HTMLParser):
    """Every start tag of the sanitised output with its attributes, as a browser would decode them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def visible_scheme(url):
    """The scheme after removing whatever a browser ignores (whitespace, controls, format characters).

    As in the URL standard, text before ":" is a scheme only if it has a scheme's shape
    ("javascri&Tab;pt:x" left as text is a relative path, not JavaScript)."""
    compact = "".join(
        c for c in url or "" if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp"))
    )
    match = SCHEME.match(compact.lower())
    return match.group(1) if match else ""


def assert_invariants(output):
    for tag, attrs in Elements(output).found:
        assert tag in ALLOWED_TAGS, (tag, output)
        for name, value in attrs:
            assert not name.startswith("on"), (name, output)
            assert name not in NEVER_ATTRIBUTES, (name, output)
            if name in URL_ATTRIBUTES:
                assert visible_scheme(value) in SAFE_SCHEMES, (value, output)


@pytest.fixture(scope="module", params=["nh3", "bleach"])
def sanitizer_app(request, tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp(f"sanitize-{request.param}")
    shutil.copy(sqlite_template, folder / "guildhall.db")
    # The enabled-plugin set (and so the allow-list) is read once, not on every call.
    app = make_app(folder, SANITIZER=request.param, PLUGIN_STATE_TTL=3600)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=html_ish)
# Found by this test: an entity that decodes to an invisible character inside RCDATA (<title>)
# came out as a raw invisible character, which the next pass removed.
@example(html='<p><title><img src="j\u200bava\u200bscript&#8203;:alert(1)" alt=""></title></p>')
@example(html='<img src="j\u200bava\u200bscri&Tab;pt&#58;alert(1)" alt="">')
def test_sanitising_is_idempotent_and_keeps_the_invariants(sanitizer_app, html):
    once = sanitize_html(html)
    assert sanitize_html(once) == once
    assert_invariants(str(once))


@pytest.mark.parametrize(
    "url",
    ["java\u200bscript:alert(1)", "&#106;ava&#x09;script&colon;alert(1)", "\x01data:text/html,x", "JAVA\u00adSCRIPT:x"],
)
def test_the_invariant_check_catches_split_schemes(url):
    """The oracle itself: a link with such a URL would fail assert_invariants."""
    with pytest.raises(AssertionError):
        assert_invariants(f'<a href="{url}">x</a>')
