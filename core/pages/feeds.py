"""RSS 2.0 and Atom feeds (site and per section), sitemap.xml and robots.txt.

The XML comes from autoescaped Jinja templates (*.xml); every link is absolute.
"""
from datetime import timezone
from email.utils import format_datetime

from flask import current_app, render_template, url_for
from flask_babel import get_locale

from core.extensions import db
from core.pages import public, seo
from core.pages.models import Page, Section
from core.pages.views import bp
from core.permissions import public as public_view
from core.users.models import utcnow

FEED_SIZE = 20
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
# Prefixes, so "/me" alone would also shut out /media and /membership; "$" ends a rule (RFC 9309).
DISALLOWED = ("/admin/", "/api/", "/me$", "/me/", "/files/")


def rfc822(moment):
    return format_datetime(moment.replace(tzinfo=timezone.utc))


def iso8601(moment):
    return moment.replace(microsecond=0).isoformat() + "Z"


def _xml(template, content_type, **context):
    body = render_template(template, rfc822=rfc822, iso8601=iso8601, absolute_url=seo.absolute_url, **context)
    return current_app.response_class(body, content_type=content_type)


def _feed(kind, section=None):
    items = db.session.scalars(public.visible_news(section).limit(FEED_SIZE)).all()
    if section is not None:
        title = f"{section.display_title(get_locale())} · {current_app.config['SITE_NAME']}"
        page_url = url_for("pages.section", slug=section.slug)
        self_url = url_for(f"pages.section_{kind}", slug=section.slug)
    else:
        title = current_app.config["SITE_NAME"]
        page_url = url_for("pages.news_index")
        self_url = url_for(f"pages.site_{kind}")
    updated = max((item.updated_at for item in items), default=utcnow())
    return _xml(
        f"pages/feeds/{kind}.xml",
        RSS_TYPE if kind == "rss" else ATOM_TYPE,
        title=title,
        description=(section.description if section is not None else "") or seo.site_description() or title,
        page_url=seo.absolute_url(page_url),
        self_url=seo.absolute_url(self_url),
        items=items,
        updated=updated,
        language=str(get_locale() or "zh_CN").replace("_", "-"),
    )


@bp.route("/rss.xml")
@public_view
def site_rss():
    return _feed("rss")


@bp.route("/atom.xml")
@public_view
def site_atom():
    return _feed("atom")


@bp.route("/section/<slug>/rss.xml")
@public_view
def section_rss(slug):
    return _feed("rss", db.first_or_404(db.select(Section).where(Section.slug == slug)))


@bp.route("/section/<slug>/atom.xml")
@public_view
def section_atom(slug):
    return _feed("atom", db.first_or_404(db.select(Section).where(Section.slug == slug)))


@bp.route("/sitemap.xml")
@public_view
def sitemap():
    pages = db.session.scalars(db.select(Page).where(Page.visible_filter()).order_by(Page.id)).all()
    newest = max((page.updated_at for page in pages), default=None)
    entries = [(url_for("pages.home"), newest), (url_for("pages.news_index"), newest)]
    entries += [(page.url, page.updated_at) for page in pages]
    for section in public.sections():
        latest = max((page.updated_at for page in pages if page.section_id == section.id), default=None)
        entries.append((url_for("pages.section", slug=section.slug), latest))
    for tag in public.visible_tags():
        entries.append((url_for("pages.tag", slug=tag.slug), None))
    return _xml("pages/feeds/sitemap.xml", XML_TYPE, entries=entries)


@bp.route("/robots.txt")
@public_view
def robots():
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in DISALLOWED), ""]
    lines.append(f"Sitemap: {seo.absolute_url(url_for('pages.sitemap'))}")
    return current_app.response_class("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
