"""Public pages: the list of competitions and a competition's page (schedule, categories,
rubric, awards and what a visitor can do now). Results, entering and voting are in
results.py, entries.py and vote.py; links to them are built only if they exist."""
from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user

from core import pagecache
from core.extensions import db
from core.permissions import public
from core.sanitize import sanitize_html
from core.users.models import utcnow
from plugins.competitions import access, configuration
from plugins.competitions.models import RESULTS, SUBMISSION, VOTING, Competition
from plugins.competitions.views import bp

# Documented addresses of pages other parts provide, used when their view is not registered.
FALLBACK_PATHS = {
    "competitions.enter": "/competitions/{slug}/enter",
    "competitions.vote": "/competitions/{slug}/vote",
    "competitions.results": "/competitions/{slug}/results",
    "competitions.my_entries": "/me/competitions",
}


def link(endpoint, **values):
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return FALLBACK_PATHS[endpoint].format(**values)


def _cache_until_next_stage(competitions, now):
    """Anonymous pages are cached whole; never keep one past the moment a stage opens or closes."""
    boundary = configuration.next_boundary(competitions, now)
    if boundary is not None and (boundary - now).total_seconds() <= current_app.config.get("PAGE_CACHE_SECONDS",
                                                                                            300):
        pagecache.skip()


@bp.route("/competitions")
@public
def index():
    now = utcnow()
    competitions = db.session.scalars(
        db.select(Competition).where(Competition.listed.is_(True))
        .order_by(Competition.year.desc().nulls_last(), Competition.created_at.desc(), Competition.id.desc())
    ).all()
    _cache_until_next_stage(competitions, now)
    rows = [(competition, *configuration.current_stage(competition, now)) for competition in competitions]
    return render_template("competitions/index.html", rows=rows, link=link)


@bp.route("/competitions/<slug>")
@public
def detail(slug):
    if not configuration.slug_is_wellformed(slug):
        abort(404)
    competition = access.competition_by_slug_or_404(slug)
    now = utcnow()
    _cache_until_next_stage([competition], now)
    stage, state = configuration.current_stage(competition, now)
    timeline = [(item, "open" if item.is_open(now) else "closed" if item.has_closed(now) else "upcoming")
                for item in configuration.ordered_stages(competition)]
    submission_open = competition.stage_open(SUBMISSION, now)
    signed_in = current_user.is_authenticated
    return render_template(
        "competitions/detail.html",
        competition=competition,
        # Stored sanitised by the settings form; cleaned again for rows written by other means (demo, API).
        description=sanitize_html(competition.description or ""),
        stage=stage,
        state=state,
        timeline=timeline,
        submission_open=submission_open,
        voting_open=competition.stage_open(VOTING, now),
        results_stage=competition.stage(RESULTS),
        signed_in=signed_in,
        is_member=bool(access.member_organisation_ids(current_user)) if signed_in else False,
        login_url=url_for("users.login", next=request.path),
        link=link,
        now=now,
    )
