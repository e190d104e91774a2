"""The site header and footer (and the feeds and style sheets in <head>), rendered once and
reused for anonymous visitors.

Every anonymous visitor of one language sees the same header and footer, apart from three
things: which menu link is the current one, the CSRF token of the language switch and the
address that switch returns to. So base.html asks ``site_chrome("_site_header.html")``
instead of including the template: for a signed-in member it renders the template in the page's
context as an include would; for an anonymous visitor it keeps the HTML, rendered with
placeholders for the token and the return address, under a key of the template, theme,
language, enabled plugins and which menu links are current (the links themselves are kept by
menus.menu_links under the same content version), through ``pagecache.memo``, so it is
dropped when content changes, like the menus' own memo. The placeholders are then filled
with this visitor's values.

A theme's header or footer qualifies only if it names nothing but the variables listed in
SHARED below (checked on the template source and everything it includes, once per process);
one that reads the request, the session or a page's variables is rendered every time, as
before. This is not the page cache: the article, the breadcrumb and everything else in
<main> are rendered on every request.
"""
import logging

import jinja2
from flask import current_app, g, request
from flask_login import current_user
from jinja2 import TemplateNotFound, meta, pass_context
from markupsafe import Markup, escape

from core import pagecache
from core.kept import keep
from core.pages.themes import get_themes
from core.plugins import get_host

log = logging.getLogger(__name__)

# What a shared header or footer may name: helpers whose answer is the same for every anonymous
# visitor of one language, theme, plugin set and menu state (or, for the last two, a placeholder).
SHARED = frozenset({
    "_", "gettext", "ngettext", "url_for", "config", "site_name", "languages", "current_locale",
    "menu_links", "nav_items", "site_description", "site_contact", "theme_name", "current_user", "can",
    "csrf_token", "language_next",
})
CSRF_HOLE = "\x00chrome-csrf\x00"
NEXT_HOLE = "\x00chrome-next\x00"
MENUS = ("main", "footer")


def language_next():
    """Where the language switch returns to: this page, with its query string."""
    return request.full_path.rstrip("?")


@pass_context
def site_chrome(context, name):
    """The header or footer template `name`, for this request."""
    environment = context.environment
    visit = _visit(context)
    if visit is None or not visit.shared(environment, name):
        return _render(environment, name, context.get_all())
    html = pagecache.memo(("chrome", name, *visit.state), lambda: _render_shared(environment, name, context))
    return Markup(visit.fill(html, context))


def _render(environment, name, variables):
    return Markup(environment.get_template(name).render(variables))


def _render_shared(environment, name, context):
    variables = {key: context[key] for key in SHARED if key in context}
    variables.update(csrf_token=lambda: CSRF_HOLE, language_next=lambda: NEXT_HOLE)
    return str(_render(environment, name, variables))


class _Visit:
    """One anonymous request's part in the shared header and footer, worked out once a request
    (a page asks three times): ``state``, what the shared HTML depends on (theme, language,
    enabled plugins, which links of the menus are current), and the visitor's own values for the
    holes. The menu links themselves are the same for everyone of one language and plugin set
    until the content changes, as is the memo; they come through the templates' own helper, which
    answers none rather than fail when the database does."""

    __slots__ = ("state", "verdicts", "csrf", "next")

    def __init__(self, context):
        path, links = request.path, context["menu_links"]
        current = _current_links(path, tuple(links(menu) for menu in MENUS))
        self.state = (get_themes().current(), context.get("current_locale"), get_host().enabled_set(), current)
        self.verdicts = current_app.extensions.setdefault("guildhall.chrome", {})
        self.csrf = self.next = None

    def shared(self, environment, name):
        """Whether template `name` (as the theme resolves it) and its includes name only SHARED helpers."""
        key = (self.state[0], name)  # the theme resolves the name
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = _names_only_shared(environment, name, set())
        return verdict

    def fill(self, html, context):
        if CSRF_HOLE in html:
            if self.csrf is None:
                self.csrf = str(escape(context["csrf_token"]()))
            html = html.replace(CSRF_HOLE, self.csrf)
        if NEXT_HOLE in html:  # last: the address is the visitor's, nothing is replaced inside it
            if self.next is None:
                self.next = str(escape(language_next()))
            html = html.replace(NEXT_HOLE, self.next)
        return html


_CURRENT = {}  # (path, id of each menu's links) -> (the links, which of them are current)
_CURRENT_MAX = 4096


def _current_links(path, menus):
    """Which links of each menu are current at `path`, kept while the menus' links are the same
    objects (menus.menu_links keeps them until the content changes)."""
    key = (path, *map(id, menus))
    found = _CURRENT.get(key)
    if found is not None and all(kept is given for kept, given in zip(found[0], menus)):
        return found[1]
    current = tuple(tuple(i for i, link in enumerate(links) if link.is_current(path)) for links in menus)
    keep(_CURRENT, key, (menus, current), _CURRENT_MAX)
    return current


_MEMBER = object()  # g's marker: this request's chrome is rendered every time


def _visit(context):
    """This request's _Visit, or None when its chrome is rendered every time: a signed-in member,
    or templates reloading while they are edited (debug mode shows every edit at once)."""
    values = g.__dict__
    found = values.get("_chrome_visit")
    if found is None:
        if current_user.is_authenticated or context.environment.auto_reload:
            found = _MEMBER
        else:
            found = _Visit(context)
        values["_chrome_visit"] = found
    return None if found is _MEMBER else found


def _bare(environment):
    """An environment of the same syntax without the app's globals: meta.find_undeclared_variables
    leaves out names that are globals, and Flask's include request, session and g."""
    return jinja2.Environment(extensions=[type(extension) for extension in environment.extensions.values()])


def _names_only_shared(environment, name, seen):
    if name in seen:
        return True
    seen.add(name)
    try:
        source = environment.loader.get_source(environment, name)[0]
    except TemplateNotFound:
        return False
    tree = _bare(environment).parse(source)
    outside = meta.find_undeclared_variables(tree) - SHARED
    if outside:
        log.info("%s is rendered for every request: it names %s", name, ", ".join(sorted(outside)))
        return False
    for included in meta.find_referenced_templates(tree):
        if included is None or not _names_only_shared(environment, included, seen):
            return False
    return True
