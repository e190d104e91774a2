"""The public vote: the voting page, casting a vote (form or JSON), and the manager's anomaly report.

GET  /competitions/<slug>/vote                       competitions.vote         public
POST /competitions/<slug>/vote/<entry_id>            competitions.vote_cast    signed in, rate-limited
GET  /admin/competitions/<id>/votes                  competitions.vote_report  competitions.manage
POST /admin/competitions/<id>/votes/void             competitions.vote_void    competitions.manage
"""
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from core import pagecache
from core.extensions import db, limiter
from core.permissions import json_error, login_required, permission_required, public, wants_json
from core.users.blueprint import user_or_address
from plugins.competitions import access, voting
from plugins.competitions.forms.vote import VoidForm, VoteForm
from plugins.competitions.models import VOTING, Competition, Entry
from plugins.competitions.views import bp


def vote_limit():
    return current_app.config.get("COMPETITIONS_VOTE_RATE_LIMIT", voting.DEFAULTS["COMPETITIONS_VOTE_RATE_LIMIT"])


def _url_or_none(endpoint, **values):
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _vote_competition_or_404(slug):
    competition = access.competition_by_slug_or_404(slug)
    if not competition.has_vote:
        abort(404)
    return competition


@bp.route("/competitions/<slug>/vote")
@public
def vote(slug):
    competition = _vote_competition_or_404(slug)
    pagecache.skip()  # depends on the visitor, and counts change with every vote
    entries = voting.votable_entries(competition)
    groups = []
    for entry in entries:
        if not groups or groups[-1][0].id != entry.category_id:
            groups.append((entry.category, []))
        groups[-1][1].append(entry)
    state = voting.vote_stage_state(competition)
    show_counts = voting.counts_visible(competition)
    user = current_user if current_user.is_authenticated else None
    remaining, refusal = {}, None
    if competition.results_published_at is not None:
        refusal = voting.published_message()
    elif user is not None:
        remaining = voting.remaining_today(competition, user)
        refusal = voting.ineligibility(competition, user)
    return render_template(
        "competitions/vote.html",
        competition=competition,
        stage=competition.stage(VOTING),
        state=state,
        groups=groups,
        counts=voting.vote_counts(competition) if show_counts else None,
        remaining=remaining,
        limit=voting.daily_limit(competition),
        refusal=refusal,
        form=VoteForm(),
        detail_url=_url_or_none("competitions.detail", slug=competition.slug),
    )


@bp.route("/competitions/<slug>/vote/<int:entry_id>", methods=["POST"])
@limiter.limit(vote_limit, key_func=user_or_address)
@login_required
def vote_cast(slug, entry_id):
    competition = _vote_competition_or_404(slug)
    as_json = wants_json()
    back = url_for(".vote", slug=competition.slug) + f"#entry-{entry_id}"
    form = VoteForm()
    if not form.validate_on_submit():
        message = _("The form has expired. Please try again.")
        if as_json:
            return json_error(400, message)
        flash(message, "error")
        return redirect(back)
    entry = db.session.get(Entry, entry_id) if 0 < entry_id <= access.MAX_ID else None
    if entry is None or entry.competition_id != competition.id:
        entry = None
    try:
        if entry is None:
            raise voting.VoteError(_("This entry is not in the public vote."), 404)
        _vote, remaining = voting.cast_vote(competition, entry, current_user._get_current_object(),
                                            request.remote_addr)
        db.session.commit()
    except voting.VoteError as error:
        db.session.rollback()
        if as_json:
            return json_error(error.status, error.message)
        flash(error.message, "error")
        return redirect(back)
    count = voting.entry_vote_count(entry) if voting.counts_visible(competition) else None
    if as_json:
        return jsonify({"ok": True, "remaining": remaining, "count": count})
    if remaining:
        flash(_("Thank you, your vote for \u201c%(title)s\u201d is counted. You can vote for it %(count)s more "
                "time(s) today.", title=entry.title, count=remaining), "success")
    else:
        flash(_("Thank you, your vote for \u201c%(title)s\u201d is counted.", title=entry.title), "success")
    return redirect(back)


# -- the manager's report --------------------------------------------------------


def _report_competition_or_404(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    if not competition.has_vote:
        abort(404)
    return competition


def _render_report(competition, failed_form=None, status=200):
    findings = voting.anomaly_report(competition)
    forms = {}
    for finding in findings:
        form = VoidForm(formdata=None)
        form.vote_ids.data = ",".join(str(i) for i in finding.vote_ids)
        forms[finding.key] = form
    entries = db.session.scalars(
        db.select(Entry).where(Entry.competition_id == competition.id, Entry.number.is_not(None))
        .order_by(Entry.number, Entry.id)
    ).all()
    counts = voting.report_counts(competition)
    rows = [(entry, *counts.get(entry.id, (0, 0))) for entry in entries if entry.in_judging or entry.id in counts]
    rows.sort(key=lambda row: (-row[1], row[0].number or "", row[0].id))
    entries_by_id = {entry.id: entry for entry in entries}
    return render_template(
        "competitions/admin/vote_report.html",
        competition=competition,
        stage=competition.stage(VOTING),
        state=voting.vote_stage_state(competition),
        rows=rows,
        totals=(sum(r[1] for r in rows), sum(r[2] for r in rows)),
        days=voting.votes_per_day(competition),
        findings=findings,
        forms=forms,
        entries_by_id=entries_by_id,
        failed_form=failed_form,
        recent=voting.recent_voided(competition),
        settings={key: voting.setting(key) for key in voting.DEFAULTS},
    ), status


@bp.route("/admin/competitions/<int:competition_id>/votes")
@permission_required(access.MANAGE)
def vote_report(competition_id):
    competition = _report_competition_or_404(competition_id)
    return _render_report(competition)


@bp.route("/admin/competitions/<int:competition_id>/votes/void", methods=["POST"])
@permission_required(access.MANAGE)
def vote_void(competition_id):
    competition = _report_competition_or_404(competition_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return _render_report(competition, failed_form=form, status=400)
    try:
        count = voting.void_votes(competition, form.ids, form.reason.data, current_user._get_current_object())
    except voting.VoteError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_report(competition, failed_form=form, status=error.status if error.status != 404 else 400)
    db.session.commit()
    flash(_("%(count)s vote(s) voided.", count=count), "success")
    return redirect(url_for(".vote_report", competition_id=competition.id))
