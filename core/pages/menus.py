"""The header and footer menus as visitors see them.

Editors arrange MenuItem rows; plugins offer NavItems (extra_nav_items, called
only for enabled plugins). A row naming a plugin entry shows that entry where
the editor put it; entries nobody placed follow the arranged ones, so a newly
enabled plugin shows up and a disabled one vanishes without anyone editing the
menu. A menu without any row shows a sensible default.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import g, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from core import pagecache
from core.extensions import db
from core.pages import public
from core.pages.models import MENUS, MenuItem, Page
from core.pages.urls import url_for
from core.plugins import get_host
from core.web import nav_items


UNSAFE_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")


def is_safe_url(url):
    """Only http(s) addresses and addresses on this site may stand in a menu."""
    if not url or UNSAFE_URL_CHARACTERS.search(url):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


@dataclass
class MenuLink:
    label: str
    url: str

    @property
    def current(self):
        return self.is_current(request.path)

    def is_current(self, path):
        return self.url == path or (self.url not in ("/", "") and path.startswith(self.url.rstrip("/") + "/"))


def entry_key(item):
    """How a MenuItem.plugin_entry names a plugin's NavItem."""
    return item.endpoint or item.url or ""


def nav_item_url(item):
    if item.url:
        return item.url
    try:
        return url_for(item.endpoint, **item.values)
    except BuildError:  # a plugin named an endpoint that does not exist
        return None


def offered_entries(menus=tuple(MENUS)):
    """{key: NavItem} of every entry the enabled plugins offer this user, in any menu."""
    host = get_host()
    offered = {}
    for menu in menus:
        for item in nav_items(host, menu):
            offered.setdefault(entry_key(item), item)
    return offered


def _english():
    return not str(get_locale() or "").startswith("zh")


def item_label(item, target_label=""):
    if _english() and item.label_en:
        return item.label_en
    return item.label or str(target_label)


@dataclass(frozen=True)
class PluginSlot:
    """Where the editor placed a plugin's entry; filled per visitor from the entries offered."""

    entry: str
    label: str  # the editor's label in the visitor's language, "" for the plugin's own


def resolve(item):
    """What a MenuItem stands for: a MenuLink, a PluginSlot, or None when visitors must not see it."""
    if item.hidden:
        return None
    if item.page_id is not None:
        page = item.page
        if page is None or not page.is_visible():
            return None
        return MenuLink(item_label(item, page.title), page.url)
    if item.section_id is not None:
        section = item.section
        if section is None:
            return None
        return MenuLink(
            item_label(item, section.display_title(get_locale())), url_for("pages.section", slug=section.slug)
        )
    if item.plugin_entry:
        return PluginSlot(item.plugin_entry, item_label(item))
    if item.url and is_safe_url(item.url):  # checked when saved; rows written elsewhere are checked here
        return MenuLink(item_label(item, item.url), item.url)
    return None


def fill_slot(slot, offered):
    nav = offered.get(slot.entry)
    url = nav_item_url(nav) if nav is not None else None
    return MenuLink(slot.label or str(nav.label), url) if url else None


def default_links(menu, offered_here):
    links = []
    if menu == "main":
        links.append(MenuLink(str(_l("Home")), url_for("pages.home")))
        links.append(MenuLink(str(_l("News")), url_for("pages.news_index")))
        links += pagecache.memo(("section-links", str(get_locale())), lambda: [
            MenuLink(section.display_title(get_locale()), url_for("pages.section", slug=section.slug))
            for section in public.sections()])
    return links + [link for link in (_plugin_link(nav) for nav in offered_here) if link]


def _plugin_link(nav):
    url = nav_item_url(nav)
    return MenuLink(str(nav.label), url) if url else None


def arranged(menu):
    """(whether the menu has rows, its links and plugin slots, plugin entries placed in any menu).

    The same for every visitor of one language, so it is kept until the content changes."""

    def build():
        rows = db.session.scalars(
            db.select(MenuItem)
            .options(
                selectinload(MenuItem.page).selectinload(Page.parent).selectinload(Page.parent),
                selectinload(MenuItem.section),
            )
            .order_by(MenuItem.menu, MenuItem.position, MenuItem.id)
        ).all()
        mine = [row for row in rows if row.menu == menu]
        placed = frozenset(row.plugin_entry for row in rows if row.plugin_entry)  # even hidden ones
        return bool(mine), [entry for entry in (resolve(row) for row in mine) if entry], placed

    return pagecache.memo(("menu", menu, str(get_locale())), build)


def menu_links(menu):
    """The links of one menu for the current visitor (cached for the request; for anonymous
    visitors, who all see the same links, kept like the menus' rows until the content changes)."""
    cache = g.__dict__.setdefault("_menu_links", {})
    found = cache.get(menu)
    if found is None:
        if current_user.is_authenticated:
            found = _visitor_links(menu)
        else:
            key = ("menu-links", menu, str(get_locale()), get_host().enabled_set())
            found = pagecache.memo(key, lambda: _visitor_links(menu))
        cache[menu] = found
    return found


def _visitor_links(menu):
    has_rows, entries, placed = arranged(menu)
    offered_here = nav_items(get_host(), menu)
    if not has_rows:
        return default_links(menu, offered_here)
    offered = offered_entries() if any(isinstance(entry, PluginSlot) for entry in entries) else {}
    links = [entry if isinstance(entry, MenuLink) else fill_slot(entry, offered) for entry in entries]
    links = [link for link in links if link]
    links += [link for link in (_plugin_link(nav) for nav in offered_here if entry_key(nav) not in placed) if link]
    return links
