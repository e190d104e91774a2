"""What visitors may see of pages and news: queries, previews, archives, old addresses."""
from datetime import datetime
from functools import cached_property

from flask import abort, current_app, g, redirect, request
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from sqlalchemy import bindparam, exists, func, literal_column, select, union_all
from sqlalchemy.orm import joinedload, selectinload, with_expression

from core.extensions import db
from core.pages import gallery
from core.pages.models import Page, PageGalleryItem, Section, SlugRedirect, Tag, page_tags
from core.permissions import user_has_permission
from core.prepared import PreparedRead
from core.storage import media_url
from core.storage.models import Media
from core.users.models import utcnow

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


_STATEMENTS = {}


def _statement(name, build):
    """A statement built once per process: its parameters are bound at execution. Building one
    costs more than SQLAlchemy's cached compilation of it."""
    statement = _STATEMENTS.get(name)
    if statement is None:
        statement = _STATEMENTS[name] = build()
    return statement


def _fixed_page_query():
    """A fixed page with what its template and meta tags show, in one statement: the row with its
    section, cover and tags joined, and whether it has a gallery (tags are few: a row each costs
    less than a second statement). An ORM Page: its template walks the tree (parent, children)."""
    has_gallery = exists().where(PageGalleryItem.page_id == Page.id)
    return (
        db.select(Page)
        .where(Page.slug == bindparam("slug"), Page.section_id.is_(None))
        .options(
            joinedload(Page.section),
            joinedload(Page.cover),
            joinedload(Page.tags),
            with_expression(Page.has_gallery, has_gallery),
        )
    )


class Record:
    """Plain values read from a row, as attributes: what a template shows of a news post's
    section, cover or tag. Read-only in spirit: nothing tracks changes, nothing is saved."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __repr__(self):
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"


class SectionRecord(Record):
    display_title = Section.display_title


class MediaRecord(Record):
    shows_on_pages = Media.shows_on_pages


class NewsPost(Record):
    """A news post as its page shows it (find_news_post): every column of the post, its section,
    cover and tags (Record objects) and whether it has a gallery, read with plain columns in one
    statement - no ORM instances, identity map or change tracking. Offers what Page offers the
    templates and meta tags (url, display_date, is_visible, section.display_title, ...); the author
    and the gallery items are read when asked, like the relationships. Never edit or save one:
    editors work on core.pages.models.Page."""

    is_news = Page.is_news
    url = Page.url
    display_date = Page.display_date
    is_visible = Page.is_visible

    @cached_property
    def author(self):
        from core.users.models import User

        return db.session.get(User, self.author_id) if self.author_id is not None else None

    @cached_property
    def gallery(self):
        return gallery.items(self)


_PAGE, _SECTION, _TAG = Page.__table__, Section.__table__, Tag.__table__
_COVER = Media.__table__.alias("cover")


def _news_post_statement():
    """The post, its section, cover and whether it has a gallery, with its tags joined: a row per
    tag (tags are few: a row each costs less than a second statement), in the tags' order."""
    has_gallery = exists().where(PageGalleryItem.page_id == _PAGE.c.id)
    joined = (
        _PAGE.outerjoin(_SECTION, _SECTION.c.id == _PAGE.c.section_id)
        .outerjoin(_COVER, _COVER.c.id == _PAGE.c.cover_id)
        .outerjoin(page_tags, page_tags.c.page_id == _PAGE.c.id)
        .outerjoin(_TAG, _TAG.c.id == page_tags.c.tag_id)
    )
    return (
        select(*_PAGE.c, *_SECTION.c, *_COVER.c, *_TAG.c, has_gallery.label("has_gallery"))
        .select_from(joined)
        .where(_PAGE.c.slug == bindparam("slug"), _PAGE.c.section_id.is_not(None))
        .order_by(_TAG.c.name)
    )


def _slices():
    """(keys, start, end) of the page's, section's, cover's and tag's columns in a row."""
    spans, start = [], 0
    for table in (_PAGE, _SECTION, _COVER, _TAG):
        keys = tuple(column.key for column in table.c)
        spans.append((keys, start, start + len(keys)))
        start += len(keys)
    return spans


_SPANS = _slices()
_NEWS_POST = PreparedRead(_news_post_statement)


def find_news_post(slug):
    """The news post with this slug (visible or not) as a NewsPost ready to show, or None."""
    rows = _NEWS_POST.read(slug=slug)
    if not rows:
        return None
    (page_keys, page_start, page_end), (section_keys, section_start, section_end), \
        (cover_keys, cover_start, cover_end), (tag_keys, tag_start, tag_end) = _SPANS
    first = rows[0]
    post = NewsPost(zip(page_keys, first[page_start:page_end]))
    post.has_gallery = bool(first[-1])
    post.section = SectionRecord(zip(section_keys, first[section_start:section_end])) \
        if first[section_start] is not None else None
    post.cover = MediaRecord(zip(cover_keys, first[cover_start:cover_end])) if first[cover_start] is not None else None
    post.tags = [Record(zip(tag_keys, row[tag_start:tag_end])) for row in rows if row[tag_start] is not None]
    return post


def find_fixed_page(path):
    slug = path.strip("/").rsplit("/", 1)[-1]
    statement = _statement("fixed-page", _fixed_page_query)
    page = db.session.execute(statement, {"slug": slug}).unique().scalar()
    return page if page is not None and page.path == path.strip("/") else None


class Neighbour:
    """A post shown by its title and address only (the previous and next links under a post)."""

    __slots__ = ("id", "title", "slug", "publish_at", "created_at")
    is_news = True

    def __init__(self, id, title, slug, publish_at, created_at):
        self.id, self.title, self.slug, self.publish_at, self.created_at = id, title, slug, publish_at, created_at

    @property
    def display_date(self):
        return self.publish_at or self.created_at

    @property
    def url(self):
        from core.pages.urls import url_for

        return url_for("pages.news_post", slug=self.slug)


def _neighbours_statement():
    """Both neighbours in one statement of plain columns: the older post, then the newer one."""
    date, page_id = news_date(), bindparam("page_id")
    same = db.and_(
        Page.section_id == bindparam("section_id"), Page.id != page_id, Page.visible_filter(bindparam("now"))
    )
    columns = (Page.id, Page.title, Page.slug, Page.publish_at, Page.created_at)
    older = (
        select(literal_column("0").label("newer"), *columns)
        .where(same, db.or_(date < bindparam("date"), db.and_(date == bindparam("date"), Page.id < page_id)))
        .order_by(date.desc(), Page.id.desc())
        .limit(1)
        .subquery()
    )
    newer = (
        select(literal_column("1").label("newer"), *columns)
        .where(same, db.or_(date > bindparam("date"), db.and_(date == bindparam("date"), Page.id > page_id)))
        .order_by(date, Page.id)
        .limit(1)
        .subquery()
    )
    return union_all(select(older), select(newer))


_NEIGHBOURS = PreparedRead(_neighbours_statement)


def neighbours(page):
    """(older, newer) visible posts of the same section, as Neighbour objects (title and address)."""
    if page.section_id is None:
        return None, None
    found = [None, None]
    rows = _NEIGHBOURS.read(section_id=page.section_id, page_id=page.id, date=page.display_date, now=utcnow())
    for newer, *columns in rows:
        found[newer] = Neighbour(*columns)
    return found[0], found[1]


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
