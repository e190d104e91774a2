"""Admin: competitions, their schedule, categories, rubric, award tiers and special awards.

Every change is checked completely before anything is written (configuration.py),
audited as competitions.<verb>, and committed once.
"""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc

from core.audit import audit
from core.extensions import db
from core.permissions import permission_required
from core.sanitize import sanitize_html
from core.users.models import utcnow
from plugins.competitions import access, configuration, results
from plugins.competitions.forms.setup import (
    CategoryForm,
    CompetitionForm,
    CopyCompetitionForm,
    CriterionForm,
    NewCompetitionForm,
    SpecialAwardForm,
    StagesForm,
    TierForm,
)
from plugins.competitions.models import (
    ENTRY_FIELDS,
    STAGE_KINDS,
    STAGE_LABELS,
    SUBMITTED,
    VOTING,
    AwardTier,
    Category,
    Competition,
    Criterion,
    Entry,
    Score,
    SpecialAward,
    Stage,
    Vote,
)
from plugins.competitions.views import bp

MANAGE, SCREEN = access.MANAGE, access.SCREEN


def _competition(competition_id):
    return access.get_or_404(Competition, competition_id)


def _child(model, object_id, competition):
    item = access.get_or_404(model, object_id)
    if item.competition_id != competition.id:
        abort(404)
    return item


def _local(value):
    """A stored UTC time as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return to_user_timezone(value).replace(tzinfo=None)


def _add_errors(form, errors):
    for name, messages in errors.items():
        form[name].errors = [*form[name].errors, *messages]


# -- the list, new competitions, copies ---------------------------------------


@bp.route("/admin/competitions")
@permission_required(SCREEN)
def admin_list():
    competitions = db.session.scalars(
        db.select(Competition).order_by(Competition.year.desc().nulls_last(), Competition.id.desc())
    ).all()
    counts = {}
    rows = db.session.execute(
        db.select(Entry.competition_id, Entry.screening, db.func.count(Entry.id))
        .where(Entry.status == SUBMITTED)
        .group_by(Entry.competition_id, Entry.screening)
    )
    for competition_id, screening, count in rows:
        bucket = counts.setdefault(competition_id, {"submitted": 0, "passed": 0})
        bucket["submitted"] += count
        if screening == "passed":
            bucket["passed"] += count
    now = utcnow()
    stages = {competition.id: configuration.current_stage(competition, now) for competition in competitions}
    return render_template("competitions/admin/setup_list.html", competitions=competitions, counts=counts,
                           stages=stages, can_manage=access.can(MANAGE))


@bp.route("/admin/competitions/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_new():
    form = NewCompetitionForm()
    if request.method == "GET":
        form.year.data = utcnow().year
    if form.validate_on_submit():
        errors = configuration.slug_errors(form.slug.data)
        if errors:
            _add_errors(form, {"slug": errors})
        else:
            competition = configuration.new_competition(title=form.title.data, slug=form.slug.data,
                                                        year=form.year.data, summary=form.summary.data or "")
            db.session.add(competition)
            db.session.flush()
            audit("competitions.created", competition.id, title=competition.title, slug=competition.slug)
            db.session.commit()
            flash(_("The competition has been created with a default schedule, category and rubric. "
                    "Adjust them, then show it on the public site."), "success")
            return redirect(url_for(".admin_edit", competition_id=competition.id))
    return render_template("competitions/admin/setup_new.html", form=form, source=None)


@bp.route("/admin/competitions/<int:competition_id>/copy", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_copy(competition_id):
    source = _competition(competition_id)
    form = CopyCompetitionForm()
    if request.method == "GET":
        year = (source.year + 1) if source.year else None
        form.year.data = year
        form.title.data = source.title.replace(str(source.year), str(year)) if source.year else source.title
        form.slug.data = source.slug.replace(str(source.year), str(year)) if source.year else ""
        if form.slug.data == source.slug:
            form.slug.data = ""
        form.shift_days.data = 365
    if form.validate_on_submit():
        errors = configuration.slug_errors(form.slug.data)
        if errors:
            _add_errors(form, {"slug": errors})
        else:
            copy = configuration.copy_competition(source, title=form.title.data, slug=form.slug.data,
                                                  year=form.year.data, shift=timedelta(days=form.shift_days.data))
            db.session.add(copy)
            db.session.flush()
            audit("competitions.copied", copy.id, source=source.id, title=copy.title, slug=copy.slug,
                  shift_days=form.shift_days.data)
            db.session.commit()
            flash(_("The competition has been copied. It is not shown on the public site until you list it."),
                  "success")
            return redirect(url_for(".admin_edit", competition_id=copy.id))
    return render_template("competitions/admin/setup_new.html", form=form, source=source)


# -- general settings ----------------------------------------------------------


@bp.route("/admin/competitions/<int:competition_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_edit(competition_id):
    competition = _competition(competition_id)
    form = CompetitionForm(obj=competition)
    if request.method == "GET":
        form.title_label.data = competition.entry_setting("title_label")
        form.team_members.data = competition.entry_setting("team_members")
        form.entry_summary.data = competition.entry_setting("summary")
        form.entry_body.data = competition.entry_setting("body")
        form.attachments.data = competition.entry_setting("attachments")
        form.max_attachments.data = competition.entry_setting("max_attachments")
        form.attachment_kinds.data = list(competition.entry_setting("attachment_kinds") or [])
        form.tie_breaks.data = list(competition.tie_breaks or [])
    if form.validate_on_submit():
        errors = {}
        slug = configuration.slug_errors(form.slug.data, competition)
        if slug:
            errors["slug"] = slug
        tie_breaks = configuration.tie_break_errors(form.tie_breaks.data, competition)
        if tie_breaks:
            errors["tie_breaks"] = tie_breaks
        if form.attachments.data != "off" and not form.attachment_kinds.data:
            errors["attachment_kinds"] = [_("Choose at least one kind of attachment.")]
        if errors:
            _add_errors(form, errors)
        else:
            _save_settings(form, competition)
            audit("competitions.updated", competition.id, title=competition.title, slug=competition.slug,
                  listed=competition.listed, aggregation=competition.aggregation_method,
                  vote_weight=competition.vote_weight, tie_breaks=competition.tie_breaks)
            db.session.commit()
            flash(_("The settings have been saved."), "success")
            if competition.vote_weight > 0 and not competition.has_vote and not results.has_other_votes(competition):
                flash(_("The public vote has a weight but the competition has no public vote stage: "
                        "the weight counts only once you add one."), "warning")
            return redirect(url_for(".admin_edit", competition_id=competition.id))
    return render_template("competitions/admin/setup_edit.html", competition=competition, form=form,
                           tie_break_choices=configuration.tie_break_choices(competition))


def _save_settings(form, competition):
    competition.title = form.title.data
    competition.slug = form.slug.data
    competition.summary = form.summary.data or ""
    competition.description = str(sanitize_html(form.description.data or ""))
    competition.year = form.year.data
    competition.listed = form.listed.data
    modes = {"team_members": form.team_members.data, "summary": form.entry_summary.data,
             "body": form.entry_body.data, "attachments": form.attachments.data}
    competition.entry_fields = {
        **dict(competition.entry_fields or {}),
        **{name: modes[name] for name in ENTRY_FIELDS},
        "title_label": form.title_label.data or "",
        "max_attachments": form.max_attachments.data,
        "attachment_kinds": list(form.attachment_kinds.data or []),
    }
    competition.entry_limit_per_org = form.entry_limit_per_org.data
    competition.judges_per_entry = form.judges_per_entry.data
    competition.aggregation_method = form.aggregation_method.data
    competition.normalise_judges = form.normalise_judges.data
    competition.vote_weight = float(form.vote_weight.data)
    competition.vote_basis = form.vote_basis.data
    competition.tie_breaks = list(form.tie_breaks.data)
    competition.quota_policy = form.quota_policy.data
    competition.tiers_per_category = form.tiers_per_category.data
    competition.share_comments = form.share_comments.data
    competition.share_scores = form.share_scores.data
    competition.votes_per_day = form.votes_per_day.data
    competition.vote_members_only = form.vote_members_only.data
    competition.hide_vote_counts = form.hide_vote_counts.data


# -- schedule ------------------------------------------------------------------


@bp.route("/admin/competitions/<int:competition_id>/stages", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_stages(competition_id):
    competition = _competition(competition_id)
    form = StagesForm()
    if request.method == "GET":
        for kind in STAGE_KINDS:
            stage = competition.stage(kind)
            form[f"{kind}_opens"].data = _local(stage.opens_at) if stage else None
            form[f"{kind}_closes"].data = _local(stage.closes_at) if stage else None
    if form.validate_on_submit():
        times = {}
        for kind in STAGE_KINDS:
            opens, closes = form[f"{kind}_opens"].data, form[f"{kind}_closes"].data
            times[kind] = (to_utc(opens) if opens else None, to_utc(closes) if closes else None)
        errors = configuration.stage_errors(times)
        if times[VOTING] == (None, None) and competition.has_vote and _has_votes(competition):
            errors.setdefault(VOTING, []).append(_("The public vote cannot be removed once votes have been cast."))
        if errors:
            for kind, messages in errors.items():
                form[f"{kind}_opens"].errors = [*form[f"{kind}_opens"].errors, *messages]
        else:
            _save_stages(competition, times)
            audit("competitions.stages_updated", competition.id,
                  stages={kind: [moment.isoformat() for moment in window] for kind, window in times.items()
                          if window[0] is not None})
            db.session.commit()
            flash(_("The schedule has been saved."), "success")
            return redirect(url_for(".admin_stages", competition_id=competition.id))
    rows = [(kind, STAGE_LABELS[kind], form[f"{kind}_opens"], form[f"{kind}_closes"]) for kind in STAGE_KINDS]
    return render_template("competitions/admin/setup_stages.html", competition=competition, form=form, rows=rows,
                           voting=VOTING)


def _has_votes(competition):
    return db.session.scalar(db.select(Vote.id).where(Vote.competition_id == competition.id).limit(1)) is not None


def _save_stages(competition, times):
    for kind in STAGE_KINDS:
        opens, closes = times[kind]
        stage = competition.stage(kind)
        if opens is None:
            if stage is not None:
                competition.stages.remove(stage)
        elif stage is None:
            competition.stages.append(Stage(kind=kind, opens_at=opens, closes_at=closes))
        else:
            stage.opens_at, stage.closes_at = opens, closes


# -- categories ----------------------------------------------------------------


def _category_form(category):
    form = CategoryForm(prefix=f"c{category.id}", obj=category, formdata=None)
    form.set_material_groups(category.materials or [])
    return form


def _category_errors(competition, form, category=None):
    """Every check of a category form: name and code, then the material rules (shown on the first group)."""
    errors = configuration.category_errors(competition, name=form.name.data, code=form.code.data or "",
                                           category=category)
    material = configuration.materials_errors(competition, form.material_groups(), form.max_video_seconds.data)
    if material.get("materials"):
        errors.setdefault("group1_kinds", []).extend(material["materials"])
    if material.get("max_video_seconds"):
        errors.setdefault("max_video_seconds", []).extend(material["max_video_seconds"])
    return errors


def _render_categories(competition, new_form=None, edited=None, status=200):
    forms = {category.id: _category_form(category) for category in competition.categories}
    if edited is not None:
        forms[edited[0]] = edited[1]
    counts = dict(db.session.execute(
        db.select(Entry.category_id, db.func.count(Entry.id)).where(Entry.competition_id == competition.id)
        .group_by(Entry.category_id)
    ).all())
    return render_template("competitions/admin/setup_categories.html", competition=competition, forms=forms,
                           new_form=new_form or CategoryForm(prefix="new", formdata=None), counts=counts), status


@bp.route("/admin/competitions/<int:competition_id>/categories", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_categories(competition_id):
    competition = _competition(competition_id)
    if request.method == "GET":
        return _render_categories(competition)
    form = CategoryForm(prefix="new")
    if form.validate_on_submit():
        errors = _category_errors(competition, form)
        if not errors:
            position = max((c.position for c in competition.categories), default=0) + 1
            category = Category(name=form.name.data, code=form.code.data or "", position=position,
                                materials=configuration.clean_materials(form.material_groups()),
                                max_video_seconds=form.max_video_seconds.data)
            competition.categories.append(category)
            db.session.flush()
            audit("competitions.category_added", competition.id, category=category.id, name=category.name,
                  materials=category.materials, max_video_seconds=category.max_video_seconds)
            db.session.commit()
            flash(_("The category has been added."), "success")
            return redirect(url_for(".admin_categories", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_categories(competition, new_form=form)


@bp.route("/admin/competitions/<int:competition_id>/categories/<int:category_id>", methods=["POST"])
@permission_required(MANAGE)
def admin_category_update(competition_id, category_id):
    competition = _competition(competition_id)
    category = _child(Category, category_id, competition)
    form = CategoryForm(prefix=f"c{category.id}")
    if form.validate_on_submit():
        errors = _category_errors(competition, form, category)
        if not errors:
            old = category.name
            category.name, category.code = form.name.data, form.code.data or ""
            category.materials = configuration.clean_materials(form.material_groups())
            category.max_video_seconds = form.max_video_seconds.data
            audit("competitions.category_updated", competition.id, category=category.id, name=category.name,
                  old_name=old, materials=category.materials, max_video_seconds=category.max_video_seconds)
            db.session.commit()
            flash(_("The category has been saved."), "success")
            return redirect(url_for(".admin_categories", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_categories(competition, edited=(category.id, form))


def _move(model, item_id, competition_id, collection, direction, action, endpoint, key):
    """Move a category, criterion, tier or special award one place up or down among its siblings."""
    competition = _competition(competition_id)
    item = _child(model, item_id, competition)
    if configuration.move(getattr(competition, collection), item, -1 if direction == "up" else 1):
        audit(action, competition.id, direction=direction, **{key: item.id})
        db.session.commit()
    return redirect(url_for(endpoint, competition_id=competition.id))


@bp.route("/admin/competitions/<int:competition_id>/categories/<int:category_id>/move/<any(up, down):direction>",
          methods=["POST"])
@permission_required(MANAGE)
def admin_category_move(competition_id, category_id, direction):
    return _move(Category, category_id, competition_id, "categories", direction,
                 "competitions.category_moved", ".admin_categories", "category")


@bp.route("/admin/competitions/<int:competition_id>/categories/<int:category_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_category_delete(competition_id, category_id):
    competition = _competition(competition_id)
    category = _child(Category, category_id, competition)
    if configuration.category_in_use(category):
        flash(_("The category \"%(name)s\" has entries and cannot be deleted.", name=category.name), "error")
    elif len(competition.categories) <= 1:
        flash(_("A competition needs at least one category."), "error")
    else:
        audit("competitions.category_deleted", competition.id, category=category.id, name=category.name)
        competition.categories.remove(category)
        configuration.renumber(competition.categories)
        db.session.commit()
        flash(_("The category has been deleted."), "success")
    return redirect(url_for(".admin_categories", competition_id=competition.id))


# -- rubric --------------------------------------------------------------------


def _render_rubric(competition, new_form=None, edited=None, status=200):
    forms = {criterion.id: CriterionForm(prefix=f"r{criterion.id}", obj=criterion, formdata=None)
             for criterion in competition.criteria}
    if edited is not None:
        forms[edited[0]] = edited[1]
    scored = set(db.session.scalars(
        db.select(Score.criterion_id).join(Criterion).where(Criterion.competition_id == competition.id).distinct()
    ))
    total_weight = sum(criterion.weight for criterion in competition.criteria)
    max_total = sum(criterion.weight * criterion.max_score for criterion in competition.criteria)
    return render_template("competitions/admin/setup_rubric.html", competition=competition, forms=forms,
                           new_form=new_form or CriterionForm(prefix="new", formdata=None), scored=scored,
                           locked=configuration.judging_started(competition),
                           total_weight=total_weight, max_total=max_total), status


def _criterion_values(form):
    return {"key": form.key.data, "weight": form.weight.data, "min_score": form.min_score.data,
            "max_score": form.max_score.data, "step": form.step.data}


def _range_errors(criterion, values):
    """A scored criterion's range must keep every score given so far."""
    if criterion is None or not configuration.criterion_scored(criterion):
        return {}
    low, high = db.session.execute(
        db.select(db.func.min(Score.value), db.func.max(Score.value)).where(Score.criterion_id == criterion.id)
    ).one()
    errors = {}
    if configuration.is_finite(values["min_score"]) and low is not None and values["min_score"] > low:
        errors["min_score"] = [_("Judges have already given scores as low as %(score)s.", score=low)]
    if configuration.is_finite(values["max_score"]) and high is not None and values["max_score"] < high:
        errors["max_score"] = [_("Judges have already given scores as high as %(score)s.", score=high)]
    return errors


@bp.route("/admin/competitions/<int:competition_id>/rubric", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_rubric(competition_id):
    competition = _competition(competition_id)
    if request.method == "GET":
        return _render_rubric(competition)
    form = CriterionForm(prefix="new")
    if form.validate_on_submit():
        if configuration.judging_started(competition):
            flash(configuration.rubric_locked_message(), "error")
            return _render_rubric(competition, new_form=form, status=409)
        values = _criterion_values(form)
        errors = configuration.criterion_errors(competition, **values)
        if not errors:
            position = max((c.position for c in competition.criteria), default=0) + 1
            criterion = Criterion(label=form.label.data, description=form.description.data or "",
                                  position=position, **values)
            competition.criteria.append(criterion)
            db.session.flush()
            audit("competitions.criterion_added", competition.id, criterion=criterion.id, **values)
            db.session.commit()
            flash(_("The criterion has been added."), "success")
            return redirect(url_for(".admin_rubric", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_rubric(competition, new_form=form)


@bp.route("/admin/competitions/<int:competition_id>/rubric/<int:criterion_id>", methods=["POST"])
@permission_required(MANAGE)
def admin_criterion_update(competition_id, criterion_id):
    competition = _competition(competition_id)
    criterion = _child(Criterion, criterion_id, competition)
    form = CriterionForm(prefix=f"r{criterion.id}")
    if form.validate_on_submit():
        values = _criterion_values(form)
        errors = configuration.criterion_errors(competition, criterion=criterion, **values)
        for name, messages in _range_errors(criterion, values).items():
            errors.setdefault(name, []).extend(messages)
        if not errors:
            old_key = criterion.key
            if old_key != values["key"]:
                competition.tie_breaks = [f"criterion:{values['key']}" if name == f"criterion:{old_key}" else name
                                          for name in competition.tie_breaks or []]
            for name, value in values.items():
                setattr(criterion, name, value)
            criterion.label = form.label.data
            criterion.description = form.description.data or ""
            audit("competitions.criterion_updated", competition.id, criterion=criterion.id, old_key=old_key,
                  **values)
            db.session.commit()
            flash(_("The criterion has been saved."), "success")
            return redirect(url_for(".admin_rubric", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_rubric(competition, edited=(criterion.id, form))


@bp.route("/admin/competitions/<int:competition_id>/rubric/<int:criterion_id>/move/<any(up, down):direction>",
          methods=["POST"])
@permission_required(MANAGE)
def admin_criterion_move(competition_id, criterion_id, direction):
    return _move(Criterion, criterion_id, competition_id, "criteria", direction,
                 "competitions.criterion_moved", ".admin_rubric", "criterion")


@bp.route("/admin/competitions/<int:competition_id>/rubric/<int:criterion_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_criterion_delete(competition_id, criterion_id):
    competition = _competition(competition_id)
    criterion = _child(Criterion, criterion_id, competition)
    if configuration.criterion_scored(criterion):
        flash(_("Judges have scored \"%(label)s\": it cannot be deleted.", label=criterion.label), "error")
    elif configuration.judging_started(competition):
        flash(configuration.rubric_locked_message(), "error")
    elif len(competition.criteria) <= 1:
        flash(_("The rubric needs at least one criterion."), "error")
    elif f"criterion:{criterion.key}" in (competition.tie_breaks or []):
        flash(_("\"%(label)s\" is a tie-break: remove it from the tie-breaks in the settings first.",
                label=criterion.label), "error")
    else:
        audit("competitions.criterion_deleted", competition.id, criterion=criterion.id, key=criterion.key)
        competition.criteria.remove(criterion)
        configuration.renumber(competition.criteria)
        db.session.commit()
        flash(_("The criterion has been deleted."), "success")
    return redirect(url_for(".admin_rubric", competition_id=competition.id))


# -- award tiers and special awards ----------------------------------------------


def _render_awards(competition, tier_form=None, award_form=None, edited_tier=None, edited_award=None, status=200):
    tier_forms = {tier.id: TierForm(prefix=f"t{tier.id}", obj=tier, formdata=None) for tier in competition.tiers}
    if edited_tier is not None:
        tier_forms[edited_tier[0]] = edited_tier[1]
    award_forms = {award.id: SpecialAwardForm(prefix=f"s{award.id}", obj=award, formdata=None)
                   for award in competition.special_awards}
    if edited_award is not None:
        award_forms[edited_award[0]] = edited_award[1]
    return render_template("competitions/admin/setup_awards.html", competition=competition, tier_forms=tier_forms,
                           award_forms=award_forms,
                           tier_form=tier_form or TierForm(prefix="tier", formdata=None),
                           award_form=award_form or SpecialAwardForm(prefix="award", formdata=None)), status


def _tier_values(form):
    return {"name": form.name.data, "quota": form.quota.data, "min_score": form.min_score.data}


@bp.route("/admin/competitions/<int:competition_id>/awards")
@permission_required(MANAGE)
def admin_awards(competition_id):
    return _render_awards(_competition(competition_id))


@bp.route("/admin/competitions/<int:competition_id>/awards/tiers", methods=["POST"])
@permission_required(MANAGE)
def admin_tier_add(competition_id):
    competition = _competition(competition_id)
    form = TierForm(prefix="tier")
    if form.validate_on_submit():
        values = _tier_values(form)
        errors = configuration.tier_errors(competition, **values)
        if not errors:
            position = max((t.position for t in competition.tiers), default=0) + 1
            tier = AwardTier(recommended_onward=form.recommended_onward.data, position=position, **values)
            competition.tiers.append(tier)
            db.session.flush()
            audit("competitions.tier_added", competition.id, tier=tier.id,
                  recommended_onward=tier.recommended_onward, **values)
            db.session.commit()
            flash(_("The award tier has been added."), "success")
            return redirect(url_for(".admin_awards", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_awards(competition, tier_form=form)


@bp.route("/admin/competitions/<int:competition_id>/awards/tiers/<int:tier_id>", methods=["POST"])
@permission_required(MANAGE)
def admin_tier_update(competition_id, tier_id):
    competition = _competition(competition_id)
    tier = _child(AwardTier, tier_id, competition)
    form = TierForm(prefix=f"t{tier.id}")
    if form.validate_on_submit():
        values = _tier_values(form)
        errors = configuration.tier_errors(competition, tier=tier, **values)
        if not errors:
            for name, value in values.items():
                setattr(tier, name, value)
            tier.recommended_onward = form.recommended_onward.data
            audit("competitions.tier_updated", competition.id, tier=tier.id,
                  recommended_onward=tier.recommended_onward, **values)
            db.session.commit()
            flash(_("The award tier has been saved."), "success")
            return redirect(url_for(".admin_awards", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_awards(competition, edited_tier=(tier.id, form))


@bp.route("/admin/competitions/<int:competition_id>/awards/tiers/<int:tier_id>/move/<any(up, down):direction>",
          methods=["POST"])
@permission_required(MANAGE)
def admin_tier_move(competition_id, tier_id, direction):
    return _move(AwardTier, tier_id, competition_id, "tiers", direction,
                 "competitions.tier_moved", ".admin_awards", "tier")


@bp.route("/admin/competitions/<int:competition_id>/awards/tiers/<int:tier_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_tier_delete(competition_id, tier_id):
    competition = _competition(competition_id)
    tier = _child(AwardTier, tier_id, competition)
    audit("competitions.tier_deleted", competition.id, tier=tier.id, name=tier.name)
    competition.tiers.remove(tier)
    configuration.renumber(competition.tiers)
    db.session.commit()
    flash(_("The award tier has been deleted."), "success")
    return redirect(url_for(".admin_awards", competition_id=competition.id))


def _award_values(form):
    return {"name": form.name.data, "description": form.description.data or "", "basis": form.basis.data,
            "winners": form.winners.data, "per_category": form.per_category.data}


@bp.route("/admin/competitions/<int:competition_id>/awards/special", methods=["POST"])
@permission_required(MANAGE)
def admin_special_add(competition_id):
    competition = _competition(competition_id)
    form = SpecialAwardForm(prefix="award")
    if form.validate_on_submit():
        values = _award_values(form)
        errors = configuration.special_award_errors(competition, name=values["name"])
        if not errors:
            position = max((a.position for a in competition.special_awards), default=0) + 1
            award = SpecialAward(position=position, **values)
            competition.special_awards.append(award)
            db.session.flush()
            audit("competitions.special_award_added", competition.id, award=award.id, **values)
            db.session.commit()
            flash(_("The special award has been added."), "success")
            return redirect(url_for(".admin_awards", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_awards(competition, award_form=form)


@bp.route("/admin/competitions/<int:competition_id>/awards/special/<int:award_id>", methods=["POST"])
@permission_required(MANAGE)
def admin_special_update(competition_id, award_id):
    competition = _competition(competition_id)
    award = _child(SpecialAward, award_id, competition)
    form = SpecialAwardForm(prefix=f"s{award.id}")
    if form.validate_on_submit():
        values = _award_values(form)
        errors = configuration.special_award_errors(competition, name=values["name"], award=award)
        if not errors:
            for name, value in values.items():
                setattr(award, name, value)
            audit("competitions.special_award_updated", competition.id, award=award.id, **values)
            db.session.commit()
            flash(_("The special award has been saved."), "success")
            return redirect(url_for(".admin_awards", competition_id=competition.id))
        _add_errors(form, errors)
    return _render_awards(competition, edited_award=(award.id, form))


@bp.route("/admin/competitions/<int:competition_id>/awards/special/<int:award_id>/move/<any(up, down):direction>",
          methods=["POST"])
@permission_required(MANAGE)
def admin_special_move(competition_id, award_id, direction):
    return _move(SpecialAward, award_id, competition_id, "special_awards", direction,
                 "competitions.special_award_moved", ".admin_awards", "award")


@bp.route("/admin/competitions/<int:competition_id>/awards/special/<int:award_id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_special_delete(competition_id, award_id):
    competition = _competition(competition_id)
    award = _child(SpecialAward, award_id, competition)
    if award.holders:
        flash(_("\"%(name)s\" has been awarded: remove its winners first.", name=award.name), "error")
    else:
        audit("competitions.special_award_deleted", competition.id, award=award.id, name=award.name)
        competition.special_awards.remove(award)
        configuration.renumber(competition.special_awards)
        db.session.commit()
        flash(_("The special award has been deleted."), "success")
    return redirect(url_for(".admin_awards", competition_id=competition.id))
