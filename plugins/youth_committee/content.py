"""The committee's content in the core CMS: a page subtree and a news section, both carrying
the committee's edit permission, so that committee editors edit them with the core editor.

The root page (slug = the committee's path, e.g. "youth") holds the mission; its children hold
the structure page, one page per work area and the yearly work plans and reports. Activities
are news posts in the committee's section, tagged with the Chinese name of their work area.
"""
import re
from collections import namedtuple

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.pages.models import Page, Section, Tag

EDIT = "youth_committee.edit"
SECTION_SLUG = "youth-activities"
STRUCTURE_SLUG = "youth-structure"
AREA_PAGE_PREFIX = "youth-area-"
PLAN_PREFIX, REPORT_PREFIX = "youth-plan-", "youth-report-"
DEFAULT_PATH = "/youth"
FOUNDED = "2021-07-22"

Area = namedtuple("Area", "key tag label")
AREAS = {
    "education": Area("education", "青少年教育", _l("Youth education")),
    "young-workers": Area("young-workers", "青工素质提升", _l("Young workers' skills")),
    "bases": Area("bases", "示范基地推广", _l("Demonstration bases")),
    "publicity": Area("publicity", "媒体宣传", _l("Publicity")),
}


def base_path(app=None):
    """The committee's URL prefix from YOUTH_COMMITTEE_PATH, normalised to "/segment"."""
    path = (app or current_app).config.get("YOUTH_COMMITTEE_PATH") or DEFAULT_PATH
    return "/" + path.strip("/")


def root_slug(app=None):
    return re.sub(r"[^a-z0-9-]", "-", base_path(app).strip("/").split("/")[-1].lower()) or "youth"


def _visible(query):
    return query.where(Page.visible_filter())


def root_page():
    return db.session.scalar(db.select(Page).where(Page.slug == root_slug(), Page.section_id.is_(None)))


def section():
    return db.session.scalar(db.select(Section).where(Section.slug == SECTION_SLUG))


def visible_page(slug):
    return db.session.scalar(_visible(db.select(Page).where(Page.slug == slug, Page.section_id.is_(None))))


def area_page(area):
    return visible_page(AREA_PAGE_PREFIX + area.key)


def activities(area=None, limit=10):
    """Published activity posts, newest first; with ``area`` only those tagged with it."""
    current = section()
    if current is None:
        return []
    query = _visible(db.select(Page).where(Page.section_id == current.id))
    if area is not None:
        query = query.where(Page.tags.any(Tag.name == area.tag))
    order = (db.func.coalesce(Page.publish_at, Page.created_at).desc(), Page.id.desc())
    return db.session.scalars(query.order_by(*order).limit(limit)).all()


def area_of(post):
    names = {tag.name for tag in post.tags}
    return next((area for area in AREAS.values() if area.tag in names), None)


def yearly_pages(prefix):
    """{year: page} of the published plans (or reports), newest year first."""
    pages = db.session.scalars(_visible(db.select(Page).where(Page.slug.like(prefix + "%")))).all()
    years = {}
    for page in pages:
        suffix = page.slug[len(prefix):]
        if suffix.isdigit() and len(suffix) == 4:
            years[int(suffix)] = page
    return dict(sorted(years.items(), reverse=True))


# -- the structure editors need ------------------------------------------------------

SECTION_TITLE, SECTION_TITLE_EN = "关工委动态", "Youth-work committee"
ROOT_TITLE, STRUCTURE_TITLE = "关心下一代工作委员会", "组织架构"


def ensure_structure():
    """Create what committee editors need and nothing else: the activities section and the root
    page, both carrying the committee's edit permission, and under the root the structure page
    and one page per work area, as empty drafts (the public pages show their empty states until
    an editor writes and publishes them). Idempotent; existing content is never changed, except
    that the section and the root get the permission if they lack it. Commits.

    Runs when the plugin is enabled, from ``flask youth-committee init`` and before the demo."""
    from flask import has_request_context

    if has_request_context():
        return _ensure_structure()
    with current_app.test_request_context("/"):
        return _ensure_structure()


def _ensure_structure():
    from sqlalchemy.exc import IntegrityError

    created = []
    current = section()
    if current is None:
        try:
            db.session.add(Section(slug=SECTION_SLUG, title=SECTION_TITLE, title_en=SECTION_TITLE_EN,
                                   description="", on_home=False, edit_permission=EDIT, position=99))
            db.session.commit()
            created.append(SECTION_SLUG)
        except IntegrityError:  # created by another process at the same moment
            db.session.rollback()
    elif current.edit_permission is None:
        current.edit_permission = EDIT
        db.session.commit()
    root = root_page()
    if root is None:
        if db.session.scalar(db.select(Page.id).where(Page.slug == root_slug())) is not None:
            current_app.logger.warning("youth_committee: the slug %r is taken by a news post", root_slug())
            return created
        root = _draft(root_slug(), ROOT_TITLE, None)
        created.append(root_slug())
    if root.edit_permission is None:
        root.edit_permission = EDIT
        db.session.commit()
    children = [(STRUCTURE_SLUG, STRUCTURE_TITLE)] + [(AREA_PAGE_PREFIX + a.key, a.tag) for a in AREAS.values()]
    for slug, title in children:
        if db.session.scalar(db.select(Page.id).where(Page.slug == slug)) is None:
            _draft(slug, title, root.id)
            created.append(slug)
    return created


def _draft(slug, title, parent_id):
    from core.pages.service import PageError, save_page

    try:
        return save_page(Page(), dict(kind="page", slug=slug, title=title, body="", summary="", status="draft",
                                      parent_id=parent_id), None, note="youth-committee init")
    except PageError:  # the slug was taken at the same moment
        return db.session.scalar(db.select(Page).where(Page.slug == slug))


def is_untouched_draft(page):
    """A page ensure_structure created and nobody has written yet (the demo fills these)."""
    return page.status == "draft" and not (page.body or "").strip()
