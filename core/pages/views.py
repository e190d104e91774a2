"""The public site: home page, fixed pages in a tree, news, sections, archives and tags.

Visitors see only visible pages (published, or scheduled with their time come);
editors may look at any page with ?preview=1. Feeds, sitemap and robots.txt are
in feeds.py, the search page in search_views.py.
"""
import logging
from datetime import date

from babel.dates import format_skeleton
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from core import pagecache
from core.extensions import db
from core.forms import choice
from core.pages import blocks, chrome, gallery, menus, public, seo, urls
from core.pages.models import STATUSES, Page, Section, Tag
from core.pages.themes import get_themes
from core.permissions import public as public_view

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)
bp.record_once(lambda state: urls.install(state.app))
bp.record_once(lambda state: state.app.jinja_env.globals.update(SITE_HELPERS))


class LanguageForm(FlaskForm):
    lang = SelectField(validators=[DataRequired()])
    next = HiddenField()


def _survives_database_errors(helper, fallback):
    """Error pages render the header and footer too, also when the database is what failed."""

    def wrapper(*args, **kwargs):
        try:
            return helper(*args, **kwargs)
        except SQLAlchemyError:
            log.exception("site helper %s failed", helper.__name__)
            db.session.rollback()
            return fallback

    return wrapper


def _theme_name():
    return get_themes().current()


def _page_status_label(page):
    return STATUSES.get(page.status, page.status)


# The same functions for every template: Jinja globals, so that macro files imported without the
# page's context (cached once per template) can call them too.
SITE_HELPERS = {
    "menu_links": _survives_database_errors(menus.menu_links, []),
    "canonical_url": seo.canonical_url,
    "no_meta": seo.NO_META,
    "absolute_url": seo.absolute_url,
    "site_description": _survives_database_errors(seo.site_description, ""),
    "site_contact": _survives_database_errors(seo.site_contact, {}),
    "cover_url": public.cover_url,
    "gallery_images": gallery.public_images,
    "page_status_label": _page_status_label,
    "month_label": lambda year, month: month_label(year, month),
    "theme_name": _theme_name,
    "site_chrome": chrome.site_chrome,
    "language_next": chrome.language_next,
}


def month_label(year, month):
    return format_skeleton("yMMMM", date(year, month, 1), locale=get_locale())


@bp.before_request
def refuse_nul_in_path():
    # PostgreSQL refuses NUL in text parameters; such an address names no page.
    if "\x00" in request.path:
        abort(404)


@bp.route("/")
@public_view
def home():
    return render_template("pages/home.html", blocks=blocks.home_blocks())


@bp.route("/language", methods=["POST"])
@public_view
def set_language():
    form = LanguageForm()
    form.lang.choices = [choice(code, label) for code, label in current_app.config["LANGUAGES"].items()]
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    target = form.next.data or ""
    # Only same-site paths: never redirect to another host.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("pages.home")
    return redirect(target)


def preview_headers(response, preview):
    """A preview is for one editor's eyes: never cached, never indexed."""
    response = current_app.make_response(response)
    if preview:
        pagecache.skip()
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/news/")
@public_view
def news_index():
    return render_template(
        "pages/news_list.html",
        pagination=public.paginate(public.visible_news()),
        heading_kind="news",
        months=public.archive_months(),
        sections=public.sections(),
        endpoint="pages.news_index",
        endpoint_args={},
        feed_url=url_for("pages.site_rss"),
    )


@bp.route("/news/<slug>")
@public_view
def news_post(slug):
    page = public.find_news_post(slug)
    if page is None:
        return public.redirect_from_old_path(f"news/{slug}") or abort(404)
    page, preview = public.shown_or_404(page)
    older, newer = public.neighbours(page)
    response = render_template(
        "pages/news_post.html", page=page, preview=preview, older=older, newer=newer, meta=seo.meta_for(page)
    )
    return preview_headers(response, preview)


@bp.route("/news/<int:year>/<int:month>/")
@public_view
def archive(year, month):
    start, end = public.month_bounds(year, month)
    query = public.visible_news().where(public.news_date() >= start, public.news_date() < end)
    return render_template(
        "pages/news_list.html",
        pagination=public.paginate(query),
        heading_kind="month",
        year=year,
        month=month,
        months=public.archive_months(),
        sections=public.sections(),
        endpoint="pages.archive",
        endpoint_args={"year": year, "month": month},
        feed_url=url_for("pages.site_rss"),
    )


@bp.route("/section/<slug>/")
@public_view
def section(slug):
    found = db.first_or_404(db.select(Section).where(Section.slug == slug))
    return render_template(
        "pages/news_list.html",
        pagination=public.paginate(public.visible_news(found)),
        heading_kind="section",
        section=found,
        months=public.archive_months(found),
        sections=public.sections(),
        endpoint="pages.section",
        endpoint_args={"slug": slug},
        feed_url=url_for("pages.section_rss", slug=slug),
        atom_url=url_for("pages.section_atom", slug=slug),
    )


@bp.route("/tag/<slug>/")
@public_view
def tag(slug):
    found = db.first_or_404(db.select(Tag).where(Tag.slug == slug))
    query = (
        db.select(Page)
        .where(Page.tags.any(Tag.id == found.id), Page.visible_filter())
        .order_by(public.news_date().desc(), Page.id.desc())
    )
    pagination = public.paginate(query)
    if not pagination.items and pagination.page == 1:
        abort(404)  # a tag only drafts carry does not exist for visitors
    return render_template(
        "pages/news_list.html",
        pagination=pagination,
        heading_kind="tag",
        tag=found,
        months=[],
        sections=public.sections(),
        endpoint="pages.tag",
        endpoint_args={"slug": slug},
        feed_url=url_for("pages.site_rss"),
    )


@bp.route("/<path:path>")
@public_view
def page(path):
    not_a_page()
    found = public.find_fixed_page(path.rstrip("/"))
    if found is None:
        return public.redirect_from_old_path(path) or abort(404)
    found, preview = public.shown_or_404(found)
    if path.endswith("/"):  # one address per page
        return redirect(url_for("pages.page", path=found.path, **request.args), code=301)
    response = render_template(
        "pages/page.html",
        page=found,
        preview=preview,
        trail=[node for node in found.ancestors() if node.is_visible()],
        children=public.visible_children(found),
        siblings=public.visible_siblings(found) if found.parent_id is not None else [],
        meta=seo.meta_for(found),
    )
    return preview_headers(response, preview)


def not_a_page():
    """The catch-all must not hide what other routes answer: addresses of the site itself stay
    404 (JSON under /api), and a path another route serves with other methods stays 405."""
    from core.pages.service import RESERVED_SLUGS

    try:
        allowed = set(current_app.create_url_adapter(request).allowed_methods(request.path))
    except HTTPException:
        allowed = set()
    others = allowed - {"GET", "HEAD", "OPTIONS"}
    if others:
        abort(405, valid_methods=sorted(others | {"OPTIONS"}))
    if request.path.strip("/").split("/", 1)[0] in RESERVED_SLUGS:
        abort(404)


# Feeds and search have their own modules; imported last because they import bp.
from core.pages import feeds  # noqa: E402,F401,I001
from core.pages import search_views  # noqa: E402,F401
