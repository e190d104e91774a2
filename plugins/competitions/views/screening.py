"""Eligibility screening: the entry list with counts per category, one entry with its history,
pass/reject decisions one by one or in bulk (audited; rules in plugins.competitions.entries)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import permission_required
from core.users.models import Organisation
from plugins.competitions import access
from plugins.competitions import entries as service
from plugins.competitions.forms.screening import BulkForm, DecisionForm
from plugins.competitions.models import (
    DRAFT,
    ENTRY_STATUS_LABELS,
    ENTRY_STATUSES,
    SCREENING_LABELS,
    SCREENING_RESULTS,
    Competition,
    Entry,
)
from plugins.competitions.views import bp

PER_PAGE = 50
MAX_PAGE = 10**6  # larger page numbers overflow the database's integers


def _filters(competition):
    args = request.args
    category_ids = {category.id for category in competition.categories}
    category = args.get("category", type=int)
    status = args.get("status", "")
    screening = args.get("screening", "")
    return {
        "category": category if category in category_ids else None,
        "status": status if status in ENTRY_STATUSES or status == "all" else "",
        "screening": screening if screening in SCREENING_RESULTS else "",
        "q": (args.get("q") or "").strip()[:100],
    }


def _query(competition, filters):
    query = db.select(Entry).join(Organisation, Entry.organisation_id == Organisation.id).where(
        Entry.competition_id == competition.id)
    if filters["category"]:
        query = query.where(Entry.category_id == filters["category"])
    if filters["status"] in ENTRY_STATUSES:
        query = query.where(Entry.status == filters["status"])
    elif filters["status"] != "all":
        query = query.where(Entry.status != DRAFT)  # drafts only when asked for
    if filters["screening"]:
        query = query.where(Entry.screening == filters["screening"])
    if filters["q"]:
        pattern = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(db.or_(Entry.title.ilike(pattern, escape="\\"), Entry.number.ilike(pattern, escape="\\"),
                                   Organisation.name.ilike(pattern, escape="\\")))
    return query.order_by(Entry.category_id, Entry.number.is_(None), Entry.number, Entry.id)


def _link_args(filters):
    return {key: value for key, value in filters.items() if value}


@bp.route("/admin/competitions/<int:competition_id>/entries")
@permission_required(access.SCREEN)
def screening_list(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    filters = _filters(competition)
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    pagination = db.paginate(_query(competition, filters), page=page, per_page=PER_PAGE, error_out=False)
    counts, totals = service.category_counts(competition)
    return render_template("competitions/admin/screening_list.html", competition=competition, filters=filters,
                           link_args=_link_args(filters), pagination=pagination, counts=counts, totals=totals,
                           form=BulkForm(formdata=None), statuses=ENTRY_STATUSES, results=SCREENING_RESULTS,
                           status_labels=ENTRY_STATUS_LABELS, screening_labels=SCREENING_LABELS)


def _competition_entry_or_404(competition, entry_id):
    entry = access.get_or_404(Entry, entry_id)
    if entry.competition_id != competition.id:
        abort(404)
    return entry


def _render_entry(competition, entry, form):
    return render_template("competitions/admin/screening_entry.html", competition=competition, entry=entry,
                           form=form, history=service.entry_history(entry), screening_labels=SCREENING_LABELS,
                           history_labels=service.history_labels(),
                           refusal=service.screening_refusal(entry, "rejected"))


@bp.route("/admin/competitions/<int:competition_id>/entries/<int:entry_id>")
@permission_required(access.SCREEN)
def screening_entry(competition_id, entry_id):
    competition = access.get_or_404(Competition, competition_id)
    entry = _competition_entry_or_404(competition, entry_id)
    form = DecisionForm(formdata=None, reason=entry.screening_reason)
    return _render_entry(competition, entry, form)


@bp.route("/admin/competitions/<int:competition_id>/entries/<int:entry_id>/decide", methods=["POST"])
@permission_required(access.SCREEN)
def screening_decide(competition_id, entry_id):
    competition = access.get_or_404(Competition, competition_id)
    entry = _competition_entry_or_404(competition, entry_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            service.screen_entries([entry], form.action.data, form.reason.data, current_user._get_current_object())
        except service.EntryRefused as refusal:
            if refusal.field and refusal.field in form:
                form[refusal.field].errors = [*form[refusal.field].errors, refusal.message]
            flash(refusal.message, "error")
        else:
            flash(_("The screening decision on %(entry)s has been recorded.", entry=entry.number or entry.title),
                  "success")
            return redirect(url_for("competitions.screening_entry", competition_id=competition.id,
                                    entry_id=entry.id))
    return _render_entry(competition, entry, form), 400


@bp.route("/admin/competitions/<int:competition_id>/entries/bulk", methods=["POST"])
@permission_required(access.SCREEN)
def screening_bulk(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    form = BulkForm()
    back = url_for("competitions.screening_list", competition_id=competition.id,
                   **{key: value for key, value in request.args.items() if key in ("category", "status",
                                                                                    "screening", "q", "page")})
    if not form.validate_on_submit():
        flash(_("Choose an action for the selected entries."), "error")
        return redirect(back)
    ids = sorted(set(form.entry_ids.data or []))
    if any(not 0 < entry_id <= access.MAX_ID for entry_id in ids):
        abort(404)
    chosen = db.session.scalars(
        db.select(Entry).where(Entry.competition_id == competition.id, Entry.id.in_(ids))
    ).all() if ids else []
    if len(chosen) != len(ids):
        abort(404)  # an id of another competition, or none at all
    try:
        service.screen_entries(chosen, form.action.data, form.reason.data, current_user._get_current_object())
    except service.EntryRefused as refusal:
        flash(refusal.message, "error")
    else:
        flash(_("The decision has been recorded for %(count)d entries.", count=len(chosen)), "success")
    return redirect(back)
