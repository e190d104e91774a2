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
