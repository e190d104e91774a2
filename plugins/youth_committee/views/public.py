"""Home, structure, work areas, and the yearly work plans and reports."""
from flask import abort, redirect, render_template, url_for

from core.permissions import public
from plugins.youth_committee import content
from plugins.youth_committee.events_query import upcoming
from plugins.youth_committee.views import bp

HOME_ACTIVITIES = 6
AREA_ACTIVITIES = 20


@bp.route("")
@public
def home():
    return render_template(
        "youth_committee/home.html",
        root=content.visible_page(content.root_slug()),  # a draft or archived mission stays private
        areas=content.AREAS.values(),
        activities=content.activities(limit=HOME_ACTIVITIES),
        events=upcoming(limit=5),
        founded=content.FOUNDED,
    )


@bp.route("/structure")
@public
def structure():
    return render_template("youth_committee/structure.html", page=content.visible_page(content.STRUCTURE_SLUG))


@bp.route("/areas/<key>")
@public
def area(key):
    area = content.AREAS.get(key) or abort(404)
    return render_template(
        "youth_committee/area.html",
        area=area,
        areas=content.AREAS.values(),
        page=content.area_page(area),
        activities=content.activities(area, limit=AREA_ACTIVITIES),
        events=upcoming(area=area.key, limit=10),
    )


def _yearly(prefix, endpoint, title, year):
    years = content.yearly_pages(prefix)
    if year is None:
        if not years:
            return render_template("youth_committee/yearly.html", title=title, page=None, years=[], year=None,
                                   endpoint=endpoint)
        return redirect(url_for(endpoint, year=next(iter(years))))
    page = years.get(year) or abort(404)
    return render_template("youth_committee/yearly.html", title=title, page=page, years=list(years), year=year,
                           endpoint=endpoint)


@bp.route("/plans", defaults={"year": None})
@bp.route("/plans/<int:year>")
@public
def plans(year):
    return _yearly(content.PLAN_PREFIX, "youth_committee.plans", "plan", year)


@bp.route("/reports", defaults={"year": None})
@bp.route("/reports/<int:year>")
@public
def reports(year):
    return _yearly(content.REPORT_PREFIX, "youth_committee.reports", "report", year)
