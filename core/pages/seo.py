"""Absolute and canonical addresses, and the site description used in meta tags."""
from flask import current_app, g, request

from core import pagecache
from core.kept import keep
from core.pages.models import get_setting

DESCRIPTION_SETTING = "site_description"
CONTACT_SETTING = "site_contact"  # {"address", "phone", "email"}


def base_url():
    """SITE_URL when configured (the canonical host), else the host the request came to (worked
    out once a request: the canonical address and the cover image both ask)."""
    values = g.__dict__
    found = values.get("_base_url")
    if found is None:
        configured = (current_app.config.get("SITE_URL") or "").strip()
        found = values["_base_url"] = (configured or _host_url()).rstrip("/")
    return found


HOST_URLS = "guildhall.host_urls"  # app.extensions: what request.host_url gave for these environ values
HOST_URLS_MAX = 256


def _host_url():
    """request.host_url, kept per scheme, host and script root (werkzeug works it out from the
    environ through its IRI conversion, about 25 µs, for every request that asks)."""
    environ = request.environ
    key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
           environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""))
    kept = current_app.extensions.setdefault(HOST_URLS, {})
    found = kept.get(key)
    if found is None:
        found = keep(kept, key, request.host_url, HOST_URLS_MAX)
    return found


def absolute_url(path):
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + ("" if path.startswith("/") else "/") + path


def canonical_url():
    """This page's address without tracking or preview arguments; list pages keep their page number."""
    url = absolute_url(request.path)
    page = request.args.get("page", 1, type=int)
    return f"{url}?page={page}" if page and page > 1 else url


def _setting(key):
    """A site setting, read again only when the content changes (the header and footer both ask)."""
    return pagecache.memo(("setting", key), lambda: get_setting(key))


def site_description():
    return _setting(DESCRIPTION_SETTING) or ""


def site_contact():
    contact = _setting(CONTACT_SETTING)
    return contact if isinstance(contact, dict) else {}


class PageMeta:
    """What base.html puts in meta, Open Graph and Twitter card tags. Attributes, not dict keys:
    Jinja tries an attribute before a key, and a failed attribute look-up costs an exception."""

    __slots__ = ("title", "description", "type", "image", "image_alt", "published", "modified", "section", "tags")

    def __init__(self, title=None, description=None, type=None, image=None, image_alt=None, published=None,
                 modified=None, section=None, tags=()):
        self.title, self.description, self.type, self.image, self.image_alt = title, description, type, image, image_alt
        self.published, self.modified, self.section, self.tags = published, modified, section, tags


NO_META = PageMeta()  # a page that passes none: the site's description and the page's title


def meta_for(page):
    """Meta, Open Graph and Twitter card values for one page or news post."""
    from core.pages.public import cover_url

    description = page.seo_description or page.summary or site_description()
    image = cover_url(page)
    return PageMeta(
        title=page.seo_title or page.title,
        description=" ".join(description.split())[:300],
        type="article" if page.is_news else "website",
        image=absolute_url(image) if image else None,
        image_alt=(page.cover.alt if page.cover is not None else "") or page.title,
        published=page.display_date,
        modified=page.updated_at,
        section=page.section.display_title() if page.section is not None else None,
        tags=[tag.name for tag in page.tags],
    )
