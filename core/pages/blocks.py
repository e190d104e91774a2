"""The home page's blocks: the core's (featured items, latest news per section) and the plugins'.

The admin stores the chosen order in the Setting "home_blocks" (a list of block
names) and the blocks switched off in "home_blocks_hidden". A block in neither
list (a newly enabled plugin's, a new section's) follows the chosen ones;
blocks of disabled plugins are never offered, so they vanish.
"""
from flask import render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core import pagecache
from core.contrib import ContentBlock
from core.extensions import db
from core.pages import public
from core.pages.models import Page, Section, get_setting
from core.plugins import get_host

SETTING = "home_blocks"  # the names of the shown blocks, in order
HIDDEN_SETTING = "home_blocks_hidden"  # the names the admin switched off
FEATURED = "core.featured"
SECTION_PREFIX = "core.section."
LATEST_COUNT = 5
FEATURED_COUNT = 4


def _memo_html(name, render):
    """A core block's HTML depends on content, language and theme only, never on the visitor."""
    from core.pages.themes import get_themes

    return pagecache.memo(("home-block", name, str(get_locale()), get_themes().current()), render)


def _render_featured(context):
    return _memo_html(FEATURED, _featured_html)


def _featured_html():
    items = db.session.scalars(
        db.select(Page)
        .where(Page.featured.is_(True), Page.visible_filter())
        .order_by(public.news_date().desc(), Page.id.desc())
        .limit(FEATURED_COUNT)
    ).all()
    return Markup(render_template("pages/_block_featured.html", items=items))


def _section_renderer(section_id):
    def html():
        section = db.session.get(Section, section_id)
        items = db.session.scalars(public.visible_news(section).limit(LATEST_COUNT)).all()
        return Markup(render_template("pages/_block_section.html", section=section, items=items))

    return lambda context: _memo_html(f"{SECTION_PREFIX}{section_id}", html)


class SectionTitle:
    """A block title that follows the visitor's language like the section's own title."""

    def __init__(self, title, title_en):
        self.title, self.title_en = title, title_en

    def __str__(self):
        english = not str(get_locale() or "").startswith("zh")
        return self.title_en if english and self.title_en else self.title

    def __html__(self):
        return str(Markup.escape(str(self)))


def _home_sections():
    """(id, slug, title, title_en, position) of the sections shown on the home page."""
    query = db.select(Section).where(Section.on_home.is_(True)).order_by(Section.position, Section.title)
    return pagecache.memo(
        ("home-sections",),
        lambda: [(s.id, s.slug, s.title, s.title_en, s.position) for s in db.session.scalars(query)],
    )


def core_blocks():
    blocks = [ContentBlock(FEATURED, _l("Featured"), _render_featured, home=True, order=0)]
    for section_id, slug, title, title_en, position in _home_sections():
        blocks.append(
            ContentBlock(
                SECTION_PREFIX + slug,
                SectionTitle(title, title_en),
                _section_renderer(section_id),
                home=True,
                order=1 + position,
            )
        )
    return blocks


def plugin_blocks():
    return sorted(
        (block for block in get_host().collect("register_content_blocks") if block.home),
        key=lambda block: block.order,
    )


def available_blocks():
    """Every block the home page could show now: core first, then plugins by their order."""
    return core_blocks() + plugin_blocks()


def home_blocks():
    """The blocks in the order the admin chose; blocks the admin has not seen yet follow."""
    chosen, hidden = pagecache.memo(("home-layout",), lambda: (get_setting(SETTING), get_setting(HIDDEN_SETTING)))
    return arrange(core_blocks(), plugin_blocks(), chosen, hidden)


def arrange(core, plugins, chosen, hidden):
    available = core + plugins
    if not isinstance(chosen, list):
        return available
    hidden = set(hidden) if isinstance(hidden, list) else set()
    by_name = {block.name: block for block in available}
    ordered = [by_name[name] for name in dict.fromkeys(chosen) if name in by_name]
    return ordered + [block for block in available if block.name not in chosen and block.name not in hidden]
