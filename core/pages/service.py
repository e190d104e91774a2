"""Saving pages and news: slugs, old-path redirects, revisions, tags, scheduling, optimistic locking.

Every change to a page goes through save_page() (the admin and the API alike), so
that each save is sanitised, validated as a whole and recorded as a revision.
"""
import re
import unicodedata
from datetime import datetime

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from core import pagecache, search
from core.extensions import db
from core.pages.models import STATUSES, Page, PageRevision, Section, SlugRedirect, Tag
from core.sanitize import sanitize_html
from core.storage.models import Media
from core.users.models import utcnow

SLUG_MAX = 80  # generated slugs stop at a word boundary before this
SLUG_LIMIT = 120  # what an editor may type
SLUG_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FALLBACK_SLUG = "page"

# First path segments that belong to the site's fixed routes: a top-level page may not take them.
RESERVED_SLUGS = frozenset(
    """admin api news section tag media files search login me static theme rss.xml atom.xml
    sitemap.xml robots.txt healthz language register reset logout favicon.ico""".split()
)

# Editable fields kept in every revision (and restored from it). Ordering in the tree is not content.
FIELDS = (
    "title", "slug", "summary", "body", "cover_id", "section_id", "parent_id", "tags",
    "byline", "seo_title", "seo_description", "featured", "status", "publish_at",
)
TEXT_LIMITS = {"title": 200, "summary": 2000, "byline": 120, "seo_title": 200, "seo_description": 300}
TAG_LIMIT = 80
TAG_SEPARATORS = re.compile(r"[,，、;；]")


class PageError(ValueError):
    """Bad input for a page; ``field`` names the form field it concerns (None: the whole form).

    ``conflict`` marks a clash with another save (slug taken, newer revision), not bad input as such.
    """

    def __init__(self, message, field=None, *, conflict=False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.conflict = conflict


# -- slugs ----------------------------------------------------------------------


def _ascii_words(text):
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", ascii_text)


def slugify(title, max_length=SLUG_MAX):
    """A readable slug: Chinese as toneless pinyin words, ASCII letters and digits kept, joined by "-"."""
    words = []
    for piece in lazy_pinyin(str(title or ""), style=Style.NORMAL):
        words.extend(_ascii_words(piece))
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            if not slug:  # one very long word: cut it
                slug = word[:max_length]
            break
        slug = candidate
    return slug or FALLBACK_SLUG


def slug_problem(slug, top_level):
    """A translated reason why an editor's slug cannot be used, or None."""
    if len(slug) > SLUG_LIMIT:
        return _("A slug may have at most %(limit)s characters.", limit=SLUG_LIMIT)
    if not SLUG_SHAPE.match(slug):
        return _("Use only lowercase letters, digits and single hyphens (for example zhi-liang-yue).")
    if top_level and slug in RESERVED_SLUGS:
        return _("The address /%(slug)s is reserved for the site itself. Choose another slug.", slug=slug)
    return None


def _slug_taken(slug, page):
    other = db.session.scalar(db.select(Page.id).where(Page.slug == slug))
    return other is not None and other != page.id


def first_free(base, taken):
    """base, or base-2, base-3, ... : the first one for which ``taken(candidate)`` is false."""
    number = 1
    while True:
        candidate = base if number == 1 else f"{base[: SLUG_LIMIT - len(str(number)) - 1]}-{number}"
        if not taken(candidate):
            return candidate
        number += 1


def unique_slug(base, page, top_level):
    """The first free slug from base that no other page has and the site does not reserve."""
    return first_free(base, lambda slug: (top_level and slug in RESERVED_SLUGS) or _slug_taken(slug, page))


def unique_tag_slug(name):
    return first_free(
        slugify(name), lambda slug: db.session.scalar(db.select(Tag.id).where(Tag.slug == slug)) is not None
    )


# -- input ----------------------------------------------------------------------


def current_data(page):
    """Every editable field of ``page`` as stored in a revision (JSON-safe)."""
    return {
        "title": page.title or "",
        "slug": page.slug or "",
        "summary": page.summary or "",
        "body": page.body or "",
        "cover_id": page.cover_id,
        "section_id": page.section_id,
        "parent_id": page.parent_id,
        "tags": sorted(tag.name for tag in page.tags),
        "byline": page.byline or "",
        "seo_title": page.seo_title or "",
        "seo_description": page.seo_description or "",
        "featured": bool(page.featured),
        "status": page.status or "draft",
        "publish_at": page.publish_at.isoformat(timespec="seconds") if page.publish_at else None,
    }


def tag_names(value):
    """A list of distinct tag names from a list or a comma-separated string (Chinese commas too)."""
    if value is None:
        return []
    items = TAG_SEPARATORS.split(value) if isinstance(value, str) else [str(v) for v in value]
    names, seen = [], set()
    for item in items:
        name = " ".join(item.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def _as_datetime(value):
    if value is None or value == "" or isinstance(value, datetime):
        return value or None
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        raise PageError(_("Enter the publish time as a date and a time."), "publish_at") from None


def _optional_id(value):
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a row: reported as "does not exist" by the caller


def _descendant_ids(page):
    found, frontier = set(), [page.id]
    while frontier:
        children = db.session.scalars(db.select(Page.id).where(Page.parent_id.in_(frontier))).all()
        frontier = [child for child in children if child not in found]
        found.update(frontier)
    return found


def _check_parent(page, parent_id):
    if parent_id is None:
        return None
    parent = db.session.get(Page, parent_id)
    if parent is None:
        raise PageError(_("The chosen parent page does not exist."), "parent_id")
    if parent.section_id is not None:
        raise PageError(_("A news post cannot be the parent of a page."), "parent_id")
    if page.id is not None and (parent.id == page.id or parent.id in _descendant_ids(page)):
        raise PageError(_("A page cannot be placed under itself or one of its sub-pages."), "parent_id")
    return parent


def _check_cover(cover_id):
    if cover_id is None:
        return None
    media = db.session.get(Media, cover_id)
    if media is None or media.private or media.kind != "image":
        raise PageError(_("The cover must be an image from the media library."), "cover_id")
    return media


def clean_input(page, data, *, allow_past_schedule=False):
    """Validate ``data`` (missing keys keep the page's values) into a complete dict of new values."""
    values = current_data(page)
    values.update({key: data[key] for key in FIELDS if key in data})

    for field, limit in TEXT_LIMITS.items():
        text = str(values[field] or "")
        values[field] = text.strip() if field == "summary" else " ".join(text.split())
        if len(values[field]) > limit:
            raise PageError(_("At most %(limit)s characters.", limit=limit), field)
    if not values["title"]:
        raise PageError(_("Enter a title."), "title")

    values["section_id"] = _optional_id(values["section_id"])
    values["parent_id"] = _optional_id(values["parent_id"])
    kind = data.get("kind") or ("news" if values["section_id"] else "page")
    if kind == "news":
        if values["section_id"] is None or db.session.get(Section, values["section_id"]) is None:
            raise PageError(_("Choose the section of this news post."), "section_id")
        if values["parent_id"] is not None:
            raise PageError(_("A news post belongs to a section and has no parent page."), "parent_id")
    else:
        values["section_id"] = None
    parent = _check_parent(page, values["parent_id"])
    top_level = kind == "page" and parent is None

    slug = str(values["slug"] or "").strip().lower() if "slug" in data else values["slug"]
    if slug:
        problem = slug_problem(slug, top_level)
        if problem:
            raise PageError(problem, "slug")
        if _slug_taken(slug, page):
            raise PageError(_("Another page already uses the slug %(slug)s.", slug=slug), "slug", conflict=True)
    else:
        slug = unique_slug(slugify(values["title"]), page, top_level)
    values["slug"] = slug

    values["cover_id"] = _optional_id(values["cover_id"])
    _check_cover(values["cover_id"])
    values["tags"] = tag_names(values["tags"])
    if any(len(name) > TAG_LIMIT for name in values["tags"]):
        raise PageError(_("A tag may have at most %(limit)s characters.", limit=TAG_LIMIT), "tags")
    values["featured"] = bool(values["featured"])
    values["body"] = str(sanitize_html(values["body"] or ""))

    status = values["status"]
    if status not in STATUSES:
        raise PageError(_("Choose a valid status."), "status")
    publish_at = _as_datetime(values["publish_at"])
    if status == "scheduled":
        if publish_at is None:
            raise PageError(_("A scheduled page needs a publish time."), "publish_at")
        unchanged = page.status == "scheduled" and page.publish_at == publish_at
        if publish_at <= utcnow() and not (unchanged or allow_past_schedule):
            raise PageError(_("The publish time of a scheduled page must lie in the future."), "publish_at")
    if status == "published" and publish_at is None:
        publish_at = utcnow().replace(microsecond=0)
    values["publish_at"] = publish_at
    return values


# -- saving ---------------------------------------------------------------------


def latest_revision_number(page):
    if page.id is None:
        return 0
    number = db.session.scalar(db.select(func.max(PageRevision.number)).where(PageRevision.page_id == page.id))
    return number or 0


def _public_paths(page):
    """{page id: public path} of a page and every page below it."""
    pages = [page] + [db.session.get(Page, pid) for pid in _descendant_ids(page)]
    return {p.id: ("news/" + p.slug if p.section_id is not None else p.path) for p in pages}


def _remember_old_paths(before, after):
    for page_id, old_path in before.items():
        new_path = after.get(page_id)
        if new_path is None or new_path == old_path:
            continue
        existing = db.session.scalar(db.select(SlugRedirect).where(SlugRedirect.old_path == old_path))
        if existing is None:
            db.session.add(SlugRedirect(old_path=old_path, page_id=page_id))
        else:  # the path once belonged to another page: it now leads to this one
            existing.page_id = page_id
    # A redirect must never hide a live page.
    live = list(after.values())
    db.session.execute(db.delete(SlugRedirect).where(SlugRedirect.old_path.in_(live)))


def _tags_for(names):
    tags = []
    for name in names:
        tag = db.session.scalar(db.select(Tag).where(func.lower(Tag.name) == name.lower()))
        if tag is None:
            tag = Tag(name=name, slug=unique_tag_slug(name))
            db.session.add(tag)
            db.session.flush()
        tags.append(tag)
    return tags


def _apply(page, values):
    for field in FIELDS:
        if field != "tags":
            setattr(page, field, values[field])
    # Keep the relationships in step with the ids (path and url read them before a reload).
    page.parent = db.session.get(Page, values["parent_id"]) if values["parent_id"] else None
    page.section = db.session.get(Section, values["section_id"]) if values["section_id"] else None
    page.cover = db.session.get(Media, values["cover_id"]) if values["cover_id"] else None
    page.tags = _tags_for(values["tags"])


def conflict_message(number):
    return _(
        "Someone else saved this page (revision #%(number)s) while you were editing. "
        "Your changes are still in the form: compare them with the latest version, then save again.",
        number=number,
    )


def save_page(page, data, author, note="", *, allow_past_schedule=False):
    """Validate and store ``data`` into ``page``, record a revision, reindex; raises PageError.

    ``data`` may carry ``base_revision`` (the revision number the editor started from):
    if someone saved since, the save is refused. On any error nothing is stored.
    """
    try:
        latest = latest_revision_number(page)
        base = data.get("base_revision")
        if base not in (None, "") and page.id is not None and str(base).strip() != str(latest):
            raise PageError(conflict_message(latest), "base_revision", conflict=True)
        values = clean_input(page, data, allow_past_schedule=allow_past_schedule)
        with db.session.no_autoflush:
            before = _public_paths(page) if page.id is not None else {}
            if page.id is None:
                page.author = author
                page.position = _next_position(values["parent_id"]) if values["section_id"] is None else 0
                db.session.add(page)
            _apply(page, values)
        db.session.flush()
        _remember_old_paths(before, _public_paths(page))
        revision_data = current_data(page)
        db.session.add(
            PageRevision(page=page, number=latest + 1, author=author, note=str(note or "")[:200], data=revision_data)
        )
        db.session.flush()
        search.index_page(page)
        db.session.commit()
    except PageError:
        db.session.rollback()
        raise
    except IntegrityError:  # another save took the slug or the revision number first
        db.session.rollback()
        raise PageError(conflict_message(latest + 1), "base_revision", conflict=True) from None
    pagecache.content_changed()
    return page


def _siblings(parent_id):
    """The filter for the fixed pages under parent_id (None: at the top)."""
    under = Page.parent_id.is_(None) if parent_id is None else Page.parent_id == parent_id
    return db.and_(Page.section_id.is_(None), under)


def _next_position(parent_id):
    highest = db.session.scalar(db.select(func.max(Page.position)).where(_siblings(parent_id)))
    return (highest or 0) + 1


def get_revision(page, number):
    return db.session.scalar(
        db.select(PageRevision).where(PageRevision.page_id == page.id, PageRevision.number == number)
    )


def restore_revision(page, number, author, *, keep_featured=False):
    """Copy revision ``number`` back into the page as a new revision ("restored from #n")."""
    revision = get_revision(page, number)
    if revision is None:
        raise PageError(_("Revision #%(number)s does not exist.", number=number))
    data = {key: revision.data.get(key) for key in FIELDS if key in revision.data}
    if keep_featured:
        data["featured"] = bool(page.featured)
    # Things deleted since the revision was taken are left out rather than failing the restore.
    if data.get("cover_id") and db.session.get(Media, data["cover_id"]) is None:
        data["cover_id"] = None
    if data.get("section_id") and db.session.get(Section, data["section_id"]) is None:
        data["section_id"] = page.section_id
    if data.get("parent_id") and db.session.get(Page, data["parent_id"]) is None:
        data["parent_id"] = None
    data["kind"] = "news" if data.get("section_id") else "page"
    note = _("Restored from #%(number)s", number=number)
    return save_page(page, data, author, note, allow_past_schedule=True)


def delete_page(page):
    """Delete a page with its revisions and redirects; refused while it has sub-pages."""
    if db.session.scalar(db.select(func.count(Page.id)).where(Page.parent_id == page.id)):
        raise PageError(_("Move or delete the sub-pages of this page first."))
    page_id = page.id
    db.session.execute(db.delete(SlugRedirect).where(SlugRedirect.page_id == page_id))
    db.session.delete(page)
    search.remove_page(page_id)
    db.session.commit()
    pagecache.content_changed()


def move_page(page, direction):
    """Swap a fixed page with its neighbour among its siblings (direction -1 up, +1 down)."""
    siblings = db.session.scalars(
        db.select(Page).where(_siblings(page.parent_id)).order_by(Page.position, Page.id)
    ).all()
    swap_with_neighbour(siblings, page, direction)
    db.session.commit()
    pagecache.content_changed()


def swap_with_neighbour(ordered, item, direction):
    """Number ``ordered`` 1, 2, ... (closing gaps and ties), then swap item with its neighbour."""
    for position, each in enumerate(ordered, start=1):
        each.position = position
    index = ordered.index(item)
    other = index + direction
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = ordered[other].position, ordered[index].position


# -- scoped editing -------------------------------------------------------------
# content.edit lets an editor change every page and post. A news section or a page subtree
# root may also carry an ``edit_permission``: a holder of that permission who lacks
# content.edit may write news in such sections and edit the root and the pages under it,
# and nothing else. The admin's page views ask these functions; the API stays content.edit only.

SITE_WIDE = "content.edit"


def edit_scopes(user):
    """None when ``user`` may edit every page; otherwise the set of scoped edit permissions they hold."""
    from core.permissions import user_permissions

    from core.plugins import get_host

    held = user_permissions(user)
    if SITE_WIDE in held:
        return None
    carried = set(db.session.scalars(db.select(Section.edit_permission).where(Section.edit_permission.is_not(None))))
    carried |= set(db.session.scalars(db.select(Page.edit_permission).where(Page.edit_permission.is_not(None))))
    host = get_host()  # a disabled plugin's permission opens nothing
    return {name for name in held & carried if host.permission_active(name)}


def may_edit_some(user):
    """Whether ``user`` may open the page editor at all (site-wide or in some scope)."""
    scopes = edit_scopes(user)
    return scopes is None or bool(scopes)


def scoped_section_ids(scopes):
    if not scopes:
        return set()
    return set(db.session.scalars(db.select(Section.id).where(Section.edit_permission.in_(scopes))))


def scoped_page_ids(scopes):
    """The ids of the subtree roots carrying one of ``scopes`` and of every fixed page below them."""
    if not scopes:
        return set()
    roots = db.session.scalars(
        db.select(Page).where(Page.edit_permission.in_(scopes), Page.section_id.is_(None))
    ).all()
    found = set()
    for root in roots:
        found.add(root.id)
        found |= _descendant_ids(root)
    return found


def scope_root_ids(scopes):
    if not scopes:
        return set()
    return set(db.session.scalars(db.select(Page.id).where(Page.edit_permission.in_(scopes))))


def editable_filter(scopes):
    """A WHERE clause for the pages and posts a scoped editor may see in the admin lists."""
    return db.or_(Page.section_id.in_(scoped_section_ids(scopes)), Page.id.in_(scoped_page_ids(scopes)))


def may_edit_page(user, page):
    """Whether ``user`` may edit, publish, restore or delete ``page`` as it is stored now."""
    scopes = edit_scopes(user)
    if scopes is None:
        return True
    if page.section_id is not None:
        return page.section_id in scoped_section_ids(scopes)
    return page.id is not None and page.id in scoped_page_ids(scopes)


def scope_problem(user, page, section_id, parent_id):
    """Why ``user`` may not put ``page`` in that section or under that parent (a translated message), or None."""
    scopes = edit_scopes(user)
    if scopes is None:
        return None
    section_id, parent_id = _optional_id(section_id), _optional_id(parent_id)
    if section_id is not None:
        if section_id in scoped_section_ids(scopes):
            return None
        return _("You may write news only in the sections you are responsible for.")
    if page.id is not None and page.id in scope_root_ids(scopes) and parent_id == page.parent_id:
        return None  # the root of the subtree stays where it is
    if parent_id is not None and parent_id in scoped_page_ids(scopes) and parent_id not in _descendants_or_self(page):
        return None
    return _("You may place pages only under the pages you are responsible for.")


def scope_root_problem(user, page, slug, parent_id):
    """Why a scoped editor may not give the root of their scope this slug or parent, or None.

    Returns (field, translated message): the root's address and place belong to site-wide editors."""
    scopes = edit_scopes(user)
    if scopes is None or page.id is None or page.id not in scope_root_ids(scopes):
        return None
    if str(slug or "").strip().lower() != page.slug:
        return "slug", _("Only site-wide editors may change the address of this page.")
    if _optional_id(parent_id) != page.parent_id:
        return "parent_id", _("Only site-wide editors may move this page.")
    return None


def keeps_featured(user):
    """Whether saving as ``user`` keeps the stored "featured" flag (a site-wide home block): scoped editors."""
    return edit_scopes(user) is not None


def _descendants_or_self(page):
    if page.id is None:
        return set()
    return {page.id} | _descendant_ids(page)
