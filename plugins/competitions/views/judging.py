"""Judging pages. Managers: progress board, panels, conflicts, assignment, reopening sheets,
reminders. Judges: their assignments and the scoring screen.

The work is done by plugins.competitions.judging; these views read the request, check the
objects belong to the competition in the URL (404 otherwise), call the service and commit once.
"""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from core.extensions import db
from core.permissions import permission_required
from core.users.models import Organisation, User
from plugins.competitions import access, judging
from plugins.competitions.forms.judging import (
    ActionForm,
    AssignForm,
    ConflictForm,
    DeclareConflictForm,
    MoveEntryForm,
    PanelForm,
    PanelJudgeForm,
    ReasonForm,
    RenamePanelForm,
    SheetForm,
)
from plugins.competitions.judging import JudgingError
from plugins.competitions.models import JUDGING, Assignment, Competition, Conflict, Entry, Panel
from plugins.competitions.views import bp


def _me():
    return current_user._get_current_object()


def _form_int(name):
    """An id posted in a form field, bounded like URL ids; 404 when missing or absurd."""
    try:
        value = int(request.form.get(name, ""))
    except ValueError:
        abort(404)
    if not 0 < value <= access.MAX_ID:
        abort(404)
    return value


def _competition_assignment_or_404(competition, assignment_id):
    assignment = access.get_or_404(Assignment, assignment_id)
    if assignment.entry.competition_id != competition.id:
        abort(404)
    return assignment


def _entry_label(entry):
    return f"{entry.number or '#' + str(entry.id)} · {entry.title}"


def _judge_choices(competition):
    """Judges on the competition's panels and judges already assigned, by name."""
    ids = {judge_id for ids in judging.panel_judge_ids(competition).values() for judge_id in ids}
    ids |= {a.judge_id for a in judging.competition_assignments(competition.id)}
    users = judging._users(ids)
    return [(user.id, f"{user.name} <{user.email}>") for user in sorted(users, key=lambda u: (u.name, u.id))]


def _fail(error):
    flash(str(error), "error")


# -- manager: progress board --------------------------------------------------


@bp.route("/admin/competitions/<int:competition_id>/judging")
@permission_required(access.MANAGE)
def judging_board(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    return _render_board(competition)


def _render_board(competition, assign_form=None, status=200):
    panels, short, totals = judging.progress(competition)
    if assign_form is None:
        assign_form = AssignForm()
        _fill_assign_form(assign_form, competition)
    return render_template(
        "competitions/admin/judging_board.html", competition=competition, panels=panels, short=short,
        totals=totals, assign_form=assign_form, reopen_form=ReasonForm(), action_form=ActionForm(),
        judging_open=competition.stage_open(JUDGING),
    ), status


def _fill_assign_form(form, competition):
    form.entry_id.choices = [(entry.id, _entry_label(entry)) for entry in judging.judged_entries(competition)]
    form.judge_id.choices = _judge_choices(competition)


@bp.route("/admin/competitions/<int:competition_id>/judging/auto-assign", methods=["POST"])
@permission_required(access.MANAGE)
def judging_auto_assign(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    plan = judging.auto_assign(competition, _me())
    db.session.commit()
    flash(_("%(count)s assignments made.", count=len(plan.new)), "success")
    if plan.short:
        numbers = [entry.number or str(entry.id) for entry in
                   db.session.scalars(db.select(Entry).where(Entry.id.in_(plan.short)).order_by(Entry.number))]
        flash(_("%(count)s entries cannot reach %(n)s judges (not enough judges without a conflict of "
                "interest): %(entries)s", count=len(plan.short), n=competition.judges_per_entry,
                entries=", ".join(numbers)), "error")
    return redirect(url_for(".judging_board", competition_id=competition.id))


@bp.route("/admin/competitions/<int:competition_id>/judging/assign", methods=["POST"])
@permission_required(access.MANAGE)
def judging_assign(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    form = AssignForm()
    _fill_assign_form(form, competition)
    if not form.validate_on_submit():
        flash(_("Choose an entry and a judge from the lists."), "error")
        return _render_board(competition, form, 400)
    entry = db.session.get(Entry, form.entry_id.data)
    judge = db.session.get(User, form.judge_id.data)
    try:
        judging.assign(entry, judge, _me())
    except JudgingError as error:
        db.session.rollback()
        _fail(error)
        return _render_board(competition, form, 400)
    db.session.commit()
    flash(_("%(judge)s now judges entry %(number)s.", judge=judge.name, number=entry.number or entry.id), "success")
    return redirect(url_for(".judging_board", competition_id=competition.id))


@bp.route("/admin/competitions/<int:competition_id>/judging/assignments/<int:assignment_id>/unassign",
          methods=["POST"])
@permission_required(access.MANAGE)
def judging_unassign(competition_id, assignment_id):
    competition = access.get_or_404(Competition, competition_id)
    assignment = _competition_assignment_or_404(competition, assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        judging.unassign(assignment, _me())
    except JudgingError as error:
        db.session.rollback()
        _fail(error)
        return redirect(url_for(".judging_board", competition_id=competition.id)), 303
    db.session.commit()
    flash(_("The assignment has been removed."), "success")
    return redirect(url_for(".judging_board", competition_id=competition.id))


@bp.route("/admin/competitions/<int:competition_id>/judging/sheets/<int:assignment_id>/reopen",
          methods=["POST"])
@permission_required(access.MANAGE)
def judging_reopen(competition_id, assignment_id):
    competition = access.get_or_404(Competition, competition_id)
    assignment = _competition_assignment_or_404(competition, assignment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for reopening the score sheet."), "error")
        return redirect(url_for(".judging_board", competition_id=competition.id)), 303
    try:
        judging.reopen(assignment, form.reason.data, _me())
    except JudgingError as error:
        db.session.rollback()
        _fail(error)
        return redirect(url_for(".judging_board", competition_id=competition.id)), 303
    db.session.commit()
    flash(_("The score sheet has been reopened."), "success")
    return redirect(url_for(".judging_board", competition_id=competition.id))


@bp.route("/admin/competitions/<int:competition_id>/judging/reminders", methods=["POST"])
@permission_required(access.MANAGE)
def judging_remind(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    count = judging.send_reminders(competition, _me())
    db.session.commit()
    flash(_("%(count)s reminders queued in the outbox.", count=count), "success")
    return redirect(url_for(".judging_board", competition_id=competition.id))


# -- manager: panels ------------------------------------------------------------------


def _panel_forms(competition):
    create = PanelForm(prefix="create")
    create.category_id.choices = [(None, _("— a session across categories —"))] + [
        (category.id, category.name) for category in competition.categories]
    move = MoveEntryForm(prefix="move")
    move.entry_id.choices = [(entry.id, _entry_label(entry)) for entry in judging.judged_entries(competition)]
    move.panel_id.choices = [(None, _("— no panel —"))] + [(panel.id, panel.name) for panel in competition.panels]
    return create, move


@bp.route("/admin/competitions/<int:competition_id>/judging/panels", methods=["GET", "POST"])
@permission_required(access.MANAGE)
def judging_panels(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    create, move = _panel_forms(competition)
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            done = _panel_action(competition, action, create, move)
        except JudgingError as error:
            db.session.rollback()
            _fail(error)
            done = False
        if done:
            db.session.commit()
            return redirect(url_for(".judging_panels", competition_id=competition.id))
        status = 400
        db.session.rollback()
    entries = judging.judged_entries(competition)
    by_panel = {}
    for entry in entries:
        by_panel.setdefault(entry.panel_id, []).append(entry)
    return render_template(
        "competitions/admin/judging_panels.html", competition=competition, create_form=create, move_form=move,
        rename_form=RenamePanelForm(), judge_form=PanelJudgeForm(), action_form=ActionForm(),
        entries_by_panel=by_panel, unpanelled=by_panel.get(None, []),
    ), status


def _competition_panel(competition):
    panel = db.session.get(Panel, _form_int("panel_id"))
    if panel is None or panel.competition_id != competition.id:
        abort(404)
    return panel


def _panel_action(competition, action, create, move):
    """Carry out one posted panel action; True when done (flash set), False on invalid input."""
    if action == "create":
        if not create.validate_on_submit():
            flash(_("Please correct the marked fields."), "error")
            return False
        category = next((c for c in competition.categories if c.id == create.category_id.data), None)
        panel = judging.create_panel(competition, create.name.data, category)
        flash(_("Panel %(name)s created.", name=panel.name), "success")
        return True
    if action == "move_entry":
        if not move.validate_on_submit():
            flash(_("Please correct the marked fields."), "error")
            return False
        entry = db.session.get(Entry, move.entry_id.data)
        panel = db.session.get(Panel, move.panel_id.data) if move.panel_id.data else None
        judging.move_entry(entry, panel)
        flash(_("Entry %(number)s moved.", number=entry.number or entry.id), "success")
        return True
    if action not in ("rename", "delete", "add_judge", "remove_judge"):
        abort(400)
    panel = _competition_panel(competition)
    if action == "rename":
        form = RenamePanelForm()
        if not form.validate_on_submit():
            flash(_("Enter a name for the panel."), "error")
            return False
        judging.rename_panel(panel, form.name.data)
        flash(_("Panel renamed."), "success")
    elif action == "delete":
        if not ActionForm().validate_on_submit():
            abort(400)
        name = panel.name
        judging.delete_panel(panel)
        flash(_("Panel %(name)s deleted; its entries have no panel now.", name=name), "success")
    elif action == "add_judge":
        form = PanelJudgeForm()
        if not form.validate_on_submit():
            flash(_("Enter the e-mail address of a judge."), "error")
            return False
        judge = judging.judge_by_email(form.email.data)
        judging.add_panel_judge(panel, judge)
        flash(_("%(name)s added to the panel.", name=judge.name), "success")
    else:  # remove_judge
        if not ActionForm().validate_on_submit():
            abort(400)
        judging.remove_panel_judge(panel, _form_int("user_id"))
        flash(_("Judge removed from the panel; their existing assignments stay."), "success")
    return True


# -- manager: conflicts of interest ---------------------------------------------------------


def _conflict_form(competition, formdata=None):
    form = ConflictForm(prefix="conflict") if formdata is None else ConflictForm(prefix="conflict",
                                                                                 formdata=formdata)
    form.judge_id.choices = _judge_choices(competition)
    entries = db.session.scalars(db.select(Entry).where(Entry.competition_id == competition.id,
                                                        Entry.number.is_not(None))
                                 .order_by(Entry.number, Entry.id)).all()
    form.entry_id.choices = [(None, "—")] + [(entry.id, _entry_label(entry)) for entry in entries]
    organisations = db.session.scalars(
        db.select(Organisation).where(Organisation.id.in_(
            db.select(Entry.organisation_id).where(Entry.competition_id == competition.id)))
        .order_by(Organisation.name)).all()
    form.organisation_id.choices = [(None, "—")] + [(org.id, org.name) for org in organisations]
    return form


@bp.route("/admin/competitions/<int:competition_id>/judging/conflicts", methods=["GET", "POST"])
@permission_required(access.MANAGE)
def judging_conflicts(competition_id):
    competition = access.get_or_404(Competition, competition_id)
    form = _conflict_form(competition)
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "remove":
            if not ActionForm().validate_on_submit():
                abort(400)
            conflict = db.session.get(Conflict, _form_int("conflict_id"))
            if conflict is None or conflict.competition_id != competition.id:
                abort(404)
            judging.remove_conflict(conflict, _me())
            db.session.commit()
            flash(_("The declared conflict has been removed."), "success")
            return redirect(url_for(".judging_conflicts", competition_id=competition.id))
        if action != "add":
            abort(400)
        if form.validate_on_submit():
            judge = db.session.get(User, form.judge_id.data)
            entry = db.session.get(Entry, form.entry_id.data) if form.entry_id.data else None
            organisation = db.session.get(Organisation, form.organisation_id.data) \
                if form.organisation_id.data else None
            try:
                outcome = judging.add_conflict(competition, judge, entry=entry, organisation=organisation,
                                               reason=form.reason.data, actor=_me())
            except JudgingError as error:
                db.session.rollback()
                _fail(error)
                form = _conflict_form(competition, request.form)
                status = 400
            else:
                db.session.commit()
                _flash_conflict_outcome(competition, outcome)
                return redirect(url_for(".judging_conflicts", competition_id=competition.id))
        else:
            status = 400
    return render_template(
        "competitions/admin/judging_conflicts.html", competition=competition, form=form,
        automatic=judging.automatic_conflicts(competition), declared=judging.declared_conflicts(competition),
        action_form=ActionForm(),
    ), status


def _flash_conflict_outcome(competition, outcome):
    flash(_("The conflict of interest has been recorded."), "success")
    if outcome.removed:
        flash(_("%(count)s assignments removed; %(new)s judges assigned in their place.",
                count=len(outcome.removed), new=len(outcome.plan.new)), "success")
    if outcome.plan.short:
        flash(_("%(count)s entries cannot reach %(n)s judges: add judges to their panel.",
                count=len(outcome.plan.short), n=competition.judges_per_entry), "error")


# -- judges ------------------------------------------------------------------------


def _my_assignment_or_404(assignment_id):
    assignment = access.judge_assignment_or_404(assignment_id)
    if not assignment.entry.in_judging:
        abort(404)
    return assignment


@bp.route("/judging")
@permission_required(access.JUDGE)
def judge_home():
    assignments = judging.visible_assignments(_me())
    return render_template("competitions/judge_home.html", groups=judging.grouped_by_competition(assignments),
                           declare_form=DeclareConflictForm(), status_of=judging.sheet_status,
                           next_open=judging.next_open_assignment(_me()))


@bp.route("/judging/sheets/<int:assignment_id>/conflict", methods=["POST"])
@permission_required(access.JUDGE)
def judge_declare_conflict(assignment_id):
    assignment = _my_assignment_or_404(assignment_id)
    form = DeclareConflictForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the conflict of interest."), "error")
        return redirect(url_for(".judge_home")), 303
    entry = assignment.entry
    try:
        judging.declare_conflict(assignment, _me(), form.reason.data)
    except JudgingError as error:
        db.session.rollback()
        _fail(error)
        return redirect(url_for(".judge_home")), 303
    db.session.commit()
    flash(_("Conflict of interest declared: entry %(number)s has been passed to another judge.",
            number=entry.number or entry.id), "success")
    return redirect(url_for(".judge_home"))


def _attachment_links(entry):
    """(attachment, url or None): a link when the entries part provides competitions.entry_attachment."""
    links = []
    available = "competitions.entry_attachment" in current_app.view_functions
    for attachment in entry.attachments:
        url = None
        if available:
            try:
                url = url_for("competitions.entry_attachment", entry_id=entry.id, attachment_id=attachment.id)
            except BuildError:
                url = None
        links.append((attachment, url))
    return links


def _sheet_input(criteria):
    """The posted scores and comments by criterion id; names of unknown criteria are collected."""
    known = {criterion.id for criterion in criteria}
    scores, comments, unknown = {}, {}, []
    for key in request.form:
        for prefix, target in (("score-", scores), ("comment-", comments)):
            if key.startswith(prefix):
                raw_id = key[len(prefix):]
                criterion_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 12 else None
                if criterion_id not in known:
                    unknown.append(raw_id)
                else:
                    target[criterion_id] = request.form.get(key, "")
    return judging.SheetInput(scores=scores, comments=comments, comment=request.form.get("comment", ""),
                              unknown=unknown)


@bp.route("/judging/sheets/<int:assignment_id>", methods=["GET", "POST"])
@permission_required(access.JUDGE)
def judge_sheet(assignment_id):
    assignment = _my_assignment_or_404(assignment_id)
    entry = assignment.entry
    competition = entry.competition
    criteria = list(competition.criteria)
    form = SheetForm(obj=assignment) if request.method == "GET" else SheetForm()
    values = {score.criterion_id: f"{score.value:g}" for score in assignment.scores}
    comments = {score.criterion_id: score.comment for score in assignment.scores}
    errors, status = {}, 200
    if request.method == "POST":
        data = _sheet_input(criteria)
        if not form.validate_on_submit():
            errors = {"__all__": _("The form has expired or is incomplete; nothing was changed.")}
            status = 400
        else:
            submit = bool(request.form.get("submit_sheet"))
            try:
                errors = judging.save_sheet(assignment, data, submit=submit)
            except JudgingError as error:
                db.session.rollback()
                errors, status = {"__all__": str(error)}, error.status
            else:
                if not errors:
                    db.session.commit()
                    if submit:
                        flash(_("Score sheet for %(number)s submitted and locked.",
                                number=entry.number or entry.id), "success")
                        following = judging.next_open_assignment(_me(), assignment)
                        if following is not None:
                            return redirect(url_for(".judge_sheet", assignment_id=following.id))
                        return redirect(url_for(".judge_home"))
                    flash(_("Scores saved."), "success")
                    return redirect(url_for(".judge_sheet", assignment_id=assignment.id))
                db.session.rollback()
                status = 400
        if status != 409:  # show what the judge typed, to correct it
            values = {**values, **{key: value for key, value in data.scores.items()}}
            comments = {**comments, **data.comments}
        if errors.get("__all__"):
            flash(errors["__all__"], "error")
    judging_open = competition.stage_open(JUDGING)
    return render_template(
        "competitions/judge_sheet.html", assignment=assignment, entry=entry, competition=competition,
        criteria=criteria, form=form, values=values, comments=comments, errors=errors,
        attachments=_attachment_links(entry), judging_open=judging_open,
        editable=judging_open and not assignment.locked, total=judging.weighted_total(assignment),
        max_total=judging.max_total(competition),
        next_open=judging.next_open_assignment(_me(), assignment),
        status=judging.sheet_status(assignment), declare_form=DeclareConflictForm(),
    ), status
