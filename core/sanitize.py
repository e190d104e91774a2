"""The one HTML sanitiser: every piece of user HTML passes through sanitize_html().

Two backends implement the same allow-list: nh3 (default, maintained) and bleach
(archived upstream, kept as an alternative), chosen by the SANITIZER setting.
Enabled plugins may widen the allow-list through ``register_sanitizer_allowlist``;
the FORBIDDEN_* sets below stay forbidden whatever a plugin asks for.
"""
import logging
import re
import unicodedata
from dataclasses import dataclass

import nh3
from flask import current_app, has_app_context
from markupsafe import Markup

log = logging.getLogger(__name__)

BACKENDS = ("nh3", "bleach")
LINK_REL = "noopener noreferrer nofollow"

ALLOWED_TAGS = frozenset(
    """p br h2 h3 h4 strong em u s blockquote ul ol li a img figure figcaption
    table thead tbody tr th td caption hr pre code span sub sup""".split()
)
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})  # plus relative URLs

FORBIDDEN_TAGS = frozenset(
    """script style iframe frame frameset object embed applet base meta link noscript
    template svg math form input button textarea select""".split()
)
# ``rel`` is ours to set on links (and nh3 refuses to run if it is also allowed).
FORBIDDEN_ATTRIBUTES = frozenset(
    {"formaction", "srcdoc", "style", "srcset", "action", "xlink:href", "http-equiv", "rel"}
)
FORBIDDEN_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "data"})
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster", "background", "longdesc", "action", "formaction"})

# Characters that render as nothing but can split a scheme ("java\u200bscript:")
# so that one parser sees it and another does not. ZWJ/ZWNJ are kept: emoji and
# several scripts need them, and a scheme containing one is simply not a scheme.
_INVISIBLE = "\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
_STRIP = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def strip_invisible(text):
    return _STRIP.sub("", text)


def url_is_allowed(value, schemes):
    """Judge a URL as a browser would read it, after removing everything invisible."""
    compact = "".join(ch for ch in value if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")))
    match = _SCHEME.match(compact.lower())
    if match is None:
        return ":" not in compact.split("/", 1)[0] or compact.startswith(("/", "#", "?", "."))
    return match.group(1) in schemes and match.group(1) not in FORBIDDEN_SCHEMES


def attribute_is_forbidden(name):
    return name.startswith("on") or name in FORBIDDEN_ATTRIBUTES


@dataclass(frozen=True)
class Allowlist:
    tags: frozenset
    attributes: dict  # tag -> frozenset of attribute names
    schemes: frozenset

    def allows_attribute(self, tag, name):
        return name in self.attributes.get(tag, ()) or name in self.attributes.get("*", ())


CORE_ALLOWLIST = Allowlist(ALLOWED_TAGS, ALLOWED_ATTRIBUTES, ALLOWED_SCHEMES)


def widen(base, contributions):
    """The base allow-list plus what plugins asked for, minus the forbidden set."""
    tags, schemes = set(base.tags), set(base.schemes)
    attributes = {tag: set(names) for tag, names in base.attributes.items()}
    for plugin, extra in contributions:
        try:
            tags.update(str(t).lower() for t in extra.get("tags", ()))
            schemes.update(str(s).lower() for s in extra.get("url_schemes", ()))
            for tag, names in (extra.get("attributes") or {}).items():
                attributes.setdefault(str(tag).lower(), set()).update(str(n).lower() for n in names)
        except (AttributeError, TypeError, ValueError) as error:
            log.warning("plugin %s returned an unusable sanitizer allow-list: %s", plugin, error)
    refused = (tags & FORBIDDEN_TAGS) | (schemes & FORBIDDEN_SCHEMES)
    refused |= {name for names in attributes.values() for name in names if attribute_is_forbidden(name)}
    if refused:
        log.warning("plugins asked the sanitizer to allow forbidden items, refused: %s", sorted(refused))
    return Allowlist(
        tags=frozenset(tags - FORBIDDEN_TAGS),
        attributes={
            tag: frozenset(n for n in names if not attribute_is_forbidden(n))
            for tag, names in attributes.items()
            if tag not in FORBIDDEN_TAGS
        },
        schemes=frozenset(schemes - FORBIDDEN_SCHEMES),
    )


# -- backends -------------------------------------------------------------------


def clean_with_nh3(html, allow):
    def attribute_filter(tag, name, value):
        if name in URL_ATTRIBUTES and not url_is_allowed(value, allow.schemes):
            return None
        return value

    return nh3.clean(
        html,
        tags=set(allow.tags),
        clean_content_tags=set(FORBIDDEN_TAGS),
        # Without an explicit "*" entry nh3 keeps its own defaults (lang, title) on every tag.
        attributes={"*": set(), **{tag: set(names) for tag, names in allow.attributes.items()}},
        attribute_filter=attribute_filter,
        url_schemes=set(allow.schemes),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def import_bleach():
    try:
        import bleach
    except ImportError as error:
        raise RuntimeError(
            "SANITIZER = 'bleach' needs the bleach package: pip install 'guildhall[bleach]' "
            "(or use the default SANITIZER = 'nh3')"
        ) from error
    return bleach


def clean_with_bleach(html, allow):
    bleach = import_bleach()
    from bleach.html5lib_shim import Filter

    class LinkRel(Filter):
        def __iter__(self):
            for token in super().__iter__():
                if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                    token["data"][(None, "rel")] = LINK_REL
                yield token

    def attribute_ok(tag, name, value):
        if not allow.allows_attribute(tag, name) or attribute_is_forbidden(name):
            return False
        return name not in URL_ATTRIBUTES or url_is_allowed(value, allow.schemes)

    cleaner = bleach.Cleaner(
        tags=allow.tags,
        attributes=attribute_ok,
        protocols=allow.schemes,
        strip=True,
        strip_comments=True,
        filters=[LinkRel],
    )
    return cleaner.clean(html)


CLEANERS = {"nh3": clean_with_nh3, "bleach": clean_with_bleach}


# -- the entry point ------------------------------------------------------------


def current_allowlist():
    from core.plugins import get_host

    host = get_host()
    enabled = frozenset(host.enabled_names())
    cache = current_app.extensions.setdefault("guildhall.sanitizer", {})
    if enabled not in cache:
        contributions = []
        for name in sorted(enabled):
            try:
                extra = host.call_one(name, "register_sanitizer_allowlist")
            except Exception:  # a broken plugin keeps the core allow-list, never a 500
                log.exception("plugin %s failed in register_sanitizer_allowlist", name)
                continue
            if extra:
                contributions.append((name, extra))
        cache[enabled] = widen(CORE_ALLOWLIST, contributions)
    return cache[enabled]


def sanitize_html(html: str) -> Markup:
    """Return ``html`` reduced to the allow-list, as Markup safe to store and render."""
    if has_app_context():
        backend, allow = current_app.config["SANITIZER"], current_allowlist()
    else:
        backend, allow = "nh3", CORE_ALLOWLIST

    def clean(text):
        # Entities decode to invisible characters too (&#8203; in a <title> comes out as text).
        return strip_invisible(CLEANERS[backend](text, allow))

    result = clean(strip_invisible(str(html or "")))
    # Re-parsing can still move things (foster-parented table text, entities);
    # clean until nothing changes so that storing sanitised HTML twice is a no-op.
    for _ in range(3):
        again = clean(result)
        if again == result:
            break
        result = again
    return Markup(result)


def init_app(app):
    """Refuse to start without the configured backend; offer the ``sanitize`` filter."""
    if app.config["SANITIZER"] == "bleach":
        import_bleach()
    app.jinja_env.filters["sanitize"] = sanitize_html
