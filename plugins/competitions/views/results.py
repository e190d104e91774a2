"""Results: the admin ranking preview, special awards, publishing, exports and certificates,
and the public results page (/competitions/<slug>/results)."""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required, permission_required, public
from plugins.competitions import access
from plugins.competitions import results as service
from plugins.competitions.certificates import certificates_pdf
from plugins.competitions.exports import export
from plugins.competitions.forms.results import ConfirmForm, SpecialWinnerForm
from plugins.competitions.models import Competition, Entry, Result, SpecialAward
from plugins.competitions.views import bp

def tie_break_label(competition, name):
    """A translated label for a tie-break name as RankedEntry.decided_by gives it."""
    if not name:
        return ""
    if name.startswith("criterion:"):
        key = name.split(":", 1)[1]
        label = next((criterion.label for criterion in competition.criteria if criterion.key == key), key)
        return _("Criterion: %(label)s", label=label)
    labels = {
        "first_places": _("Number of first places"),
        "full_marks": _("Number of full marks"),
        "earlier_submission": _("Earlier submission"),
        "votes": _("Number of votes"),
        f"extra:{service.VOTES_REACHED_AT}": _("Reached the count first"),
    }
    return labels.get(name, name)


def _competition(competition_id):
    return access.get_or_404(Competition, competition_id)


def _to_preview(competition):
    return redirect(url_for("competitions.results_preview", competition_id=competition.id))


# -- admin ----------------------------------------------------------------------------


@bp.route("/admin/competitions/<int:competition_id>/results")
@permission_required(access.MANAGE)
def results_preview(competition_id):
    competition = _competition(competition_id)
    return _render_preview(competition)


def _render_preview(competition, special_form=None, status=200):
    preview = service.compute(competition)
    entries = service.judged_entries(competition)
    return render_template(
        "competitions/admin/results_preview.html",
        competition=competition,
        preview=preview,
        entries=entries,
        formula=service.score_formula(competition),
        vote_name=service.vote_name(competition),
        judging_closed=service.judging_closed(competition),
        vote_closed=service.vote_closed(competition),
        tie_break_label=lambda name: tie_break_label(competition, name),
        special_form=special_form,
        confirm_form=ConfirmForm(),
        manual_holders={award.id: service.manual_winners(award) for award in competition.special_awards
                        if award.basis == service.MANUAL},
    ), status


@bp.route("/admin/competitions/<int:competition_id>/results/publish", methods=["POST"])
@permission_required(access.MANAGE)
def results_publish(competition_id):
    return _publication_action(competition_id, service.publish, _("The results have been published."))


@bp.route("/admin/competitions/<int:competition_id>/results/unpublish", methods=["POST"])
@permission_required(access.MANAGE)
def results_unpublish(competition_id):
    return _publication_action(competition_id, service.unpublish,
                               _("The results have been withdrawn from the public site."))


def _publication_action(competition_id, action, done_message):
    """Publish or unpublish after the confirmation form; a refusal is flashed and nothing changes."""
    competition = _competition(competition_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(competition, current_user._get_current_object())
    except service.ResultsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_preview(competition)
    db.session.commit()
    flash(done_message, "success")
    return _to_preview(competition)


@bp.route("/admin/competitions/<int:competition_id>/results/special", methods=["POST"])
@permission_required(access.MANAGE)
def results_special(competition_id):
    competition = _competition(competition_id)
    form = SpecialWinnerForm()
    if not form.validate_on_submit():
        flash(_("Choose an award and an entry."), "error")
        return _render_preview(competition, special_form=form, status=422)
    award = db.session.get(SpecialAward, form.award_id.data)
    entry = db.session.get(Entry, form.entry_id.data)
    if award is None or award.competition_id != competition.id or entry is None \
            or entry.competition_id != competition.id:
        abort(404)
    try:
        if form.action.data == "add":
            service.add_special_winner(award, entry, current_user._get_current_object())
            message = _("%(award)s: given to %(title)s.", award=award.name, title=entry.title)
        else:
            service.remove_special_winner(award, entry)
            message = _("%(award)s: taken back from %(title)s.", award=award.name, title=entry.title)
    except service.ResultsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_preview(competition, special_form=form, status=422)
    db.session.commit()
    flash(message, "success")
    return _to_preview(competition)


@bp.route("/admin/competitions/<int:competition_id>/export/<any(entries,scores,results):what>."
          "<any(csv,xlsx):fmt>")
@permission_required(access.MANAGE)
def results_export(competition_id, what, fmt):
    competition = _competition(competition_id)
    data, mimetype, filename = export(competition, what, fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/competitions/<int:competition_id>/results/certificates.pdf")
@permission_required(access.MANAGE)
def certificates_all(competition_id):
    competition = _competition(competition_id)
    if not competition.results_published:
        abort(404)
    awarded = [result for result in service.published_results(competition) if service.awards_of(result)]
    awarded.sort(key=lambda r: (r.category.position, r.category_id, service.tier_order(competition)(r)))
    return _pdf(certificates_pdf(competition, awarded), f"{competition.slug}-certificates.pdf")


@bp.route("/competitions/<slug>/certificates/<int:entry_id>.pdf")
@login_required
def certificate(slug, entry_id):
    competition = access.competition_by_slug_or_404(slug, listed_only=False)
    if not competition.results_published or not 0 < entry_id <= access.MAX_ID:
        abort(404)
    result = db.session.scalar(db.select(Result).where(Result.competition_id == competition.id,
                                                       Result.entry_id == entry_id))
    if result is None or not service.awards_of(result):
        abort(404)
    if not access.can(access.MANAGE) and result.entry.organisation_id not in access.member_organisation_ids(
            current_user):
        abort(404)
    return _pdf(certificates_pdf(competition, [result]), f"{competition.slug}-{result.entry.number or entry_id}.pdf")


def _pdf(data, filename):
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- public ---------------------------------------------------------------------------


@bp.route("/competitions/<slug>/results")
@public
def results(slug):
    competition = access.competition_by_slug_or_404(slug)
    if not competition.results_published:
        abort(404)
    return render_template(
        "competitions/results.html",
        competition=competition,
        groups=service.published_by_category(competition),
        specials=service.published_specials(competition),
        formula=service.score_formula(competition),
    )

