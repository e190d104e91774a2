"""The site header and footer (and the feeds and style sheets in <head>), rendered once and
reused for anonymous visitors.

Every anonymous visitor of one language sees the same header and footer, apart from three
things: which menu link is the current one, the CSRF token of the language switch and the
address that switch returns to. So base.html asks ``site_chrome("_site_header.html")``
instead of including the template: for a signed-in member it renders the template in the page's
context as an include would; for an anonymous visitor it keeps the HTML, rendered with
placeholders for the token and the return address, under a key of the template, theme,
language, enabled plugins and which menu links are current (the links themselves are kept by
menus.menu_links under the same content version), through ``pagecache.memo`` (so it is dropped when content changes, like the menus' own memo). The
placeholders are then filled with this visitor's values.

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
    if current_user.is_authenticated or environment.auto_reload or not _is_shared(environment, name):
        # (auto_reload: while templates are being edited, debug mode, every page shows the edit)
        return _render(environment, name, context.get_all())
    html = pagecache.memo(("chrome", name, *_shared_state(context)), lambda: _render_shared(environment, name, context))
    if CSRF_HOLE in html:
        html = html.replace(CSRF_HOLE, str(escape(context["csrf_token"]())))
    if NEXT_HOLE in html:  # last: the address is the visitor's, nothing is replaced inside it
        html = html.replace(NEXT_HOLE, str(escape(language_next())))
    return Markup(html)


def _render(environment, name, variables):
    return Markup(environment.get_template(name).render(variables))


def _render_shared(environment, name, context):
    variables = {key: context[key] for key in SHARED if key in context}
    variables.update(csrf_token=lambda: CSRF_HOLE, language_next=lambda: NEXT_HOLE)
    return str(_render(environment, name, variables))


def _shared_state(context):
    """What an anonymous visitor's header and footer depend on, worked out once a request: theme,
    language, enabled plugins and which links of the menus are current. The links themselves are
    the same for everyone of one language and plugin set until the content changes, as is the
    memo; they come through the templates' own helper, which answers none rather than fail when
    the database does."""
    found = g.get("_chrome_state")
    if found is None:
        path, links = request.path, context["menu_links"]
        current = tuple(tuple(i for i, link in enumerate(links(menu)) if link.is_current(path)) for menu in MENUS)
        found = g._chrome_state = (get_themes().current(), context.get("current_locale"),
                                   get_host().enabled_set(), current)
    return found


def _is_shared(environment, name):
    """Whether template `name` (as the theme resolves it) and its includes name only SHARED helpers."""
    verdicts = current_app.extensions.setdefault("guildhall.chrome", {})
    key = (get_themes().current(), name)
    if key not in verdicts:
        verdicts[key] = _names_only_shared(environment, name, set())
    return verdicts[key]


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
