"""What visitors may see of pages and news: queries, previews, archives, old addresses."""
from datetime import datetime

from flask import abort, current_app, g, redirect, request
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.pages.models import Page, Section, SlugRedirect, Tag
from core.permissions import user_has_permission
from core.storage import media_url

PREVIEW_PERMISSION = "content.edit"


def news_date():
    """The date a news post carries: its publication time, else its creation."""
    return func.coalesce(Page.publish_at, Page.created_at)


def visible_news(section=None):
    query = (
        db.select(Page)
        .where(Page.section_id.is_not(None), Page.visible_filter())
        .options(selectinload(Page.section), selectinload(Page.cover))
    )
    if section is not None:
        query = query.where(Page.section_id == section.id)
    return query.order_by(news_date().desc(), Page.id.desc())


def visible_fixed_pages():
    return db.select(Page).where(Page.section_id.is_(None), Page.visible_filter())


def sections():
    """Every section in menu order (read once per request: lists, menus and feeds all ask)."""
    if "_sections" not in g:
        g._sections = db.session.scalars(db.select(Section).order_by(Section.position, Section.title)).all()
    return g._sections


def paginate(query):
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(query, page=max(page, 1), per_page=current_app.config["NEWS_PER_PAGE"], error_out=False)


def wants_preview(page=None):
    """Editors may look at a page that is not public yet with ?preview=1: site-wide editors at
    every page, scoped editors (core.pages.service.edit_scopes) at the pages in their scope."""
    from core.pages.service import may_edit_page

    if request.args.get("preview") != "1" or not current_user.is_authenticated:
        return False
    if user_has_permission(current_user, PREVIEW_PERMISSION):
        return True
    return page is not None and may_edit_page(current_user, page)


def shown_or_404(page):
    """The page if a visitor may read it; True as second value when it is an editor's preview."""
    if page is None:
        abort(404)
    if page.is_visible():
        return page, False
    if wants_preview(page):
        return page, True
    abort(404)


def redirect_from_old_path(path):
    """A 301 to the page that used to live at path, or None. Never reveals a page visitors cannot read."""
    old = db.session.scalar(db.select(SlugRedirect).where(SlugRedirect.old_path == path.strip("/")))
    if old is None or old.page is None or not old.page.is_visible():
        return None
    return redirect(old.page.url, code=301)


def find_fixed_page(path):
    slug = path.strip("/").rsplit("/", 1)[-1]
    page = db.session.scalar(db.select(Page).where(Page.slug == slug, Page.section_id.is_(None)))
    return page if page is not None and page.path == path.strip("/") else None


def neighbours(page):
    """(older, newer) visible posts of the same section."""
    if page.section_id is None:
        return None, None
    # Only titles and addresses are shown: no eager loading of covers and sections.
    same = db.select(Page).where(Page.section_id == page.section_id, Page.visible_filter(), Page.id != page.id)
    date = page.display_date
    older = db.session.scalar(
        same.order_by(news_date().desc(), Page.id.desc())
        .where(db.or_(news_date() < date, db.and_(news_date() == date, Page.id < page.id))).limit(1)
    )
    newer = db.session.scalar(
        same.where(db.or_(news_date() > date, db.and_(news_date() == date, Page.id > page.id)))
        .order_by(news_date(), Page.id)
        .limit(1)
    )
    return older, newer


def visible_children(page):
    return [child for child in page.children if child.is_visible() and child.section_id is None]


def visible_siblings(page):
    query = visible_fixed_pages().order_by(Page.position, Page.title)
    if page.parent_id is None:
        query = query.where(Page.parent_id.is_(None))
    else:
        query = query.where(Page.parent_id == page.parent_id)
    return db.session.scalars(query).all()


def month_bounds(year, month):
    """The UTC interval of a calendar month in the site's time zone; 404 for impossible months."""
    if not (1 <= month <= 12 and 1990 <= year <= 9999):
        abort(404)
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return to_utc(start), to_utc(end)


def archive_months(section=None):
    """[(year, month, count)] of visible news, newest month first, counted in local time."""
    query = db.select(news_date()).where(Page.section_id.is_not(None), Page.visible_filter())
    if section is not None:
        query = query.where(Page.section_id == section.id)
    counts = {}
    for (moment,) in db.session.execute(query):
        local = to_user_timezone(moment)
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
    return [(year, month, count) for (year, month), count in sorted(counts.items(), reverse=True)]


def visible_tags():
    """Tags that at least one visible page carries."""
    from core.pages.models import page_tags

    return db.session.scalars(
        db.select(Tag)
        .join(page_tags, page_tags.c.tag_id == Tag.id)
        .join(Page, Page.id == page_tags.c.page_id)
        .where(Page.visible_filter())
        .group_by(Tag.id)
        .order_by(Tag.name)
    ).all()


def cover_url(page, thumb=False):
    """The public address of a page's cover image, or None (no cover, or a private file)."""
    cover = page.cover
    if cover is None or cover.private:
        return None
    return media_url(cover, thumb=thumb)
