"""Admin: member organisations, their tiers and their members."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from core.admin.forms import ConfirmForm, MemberForm, OrganisationForm
from core.admin.memberships import add_membership, find_membership, remove_membership, toggle_admin
from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.permissions import permission_required
from core.users.models import Organisation, OrganisationTier
from core.users.service import find_user

PER_PAGE = 25


@bp.route("/organisations")
@permission_required("organisations.manage")
def organisations():
    tier = request.args.get("tier", "")
    query = request.args.get("q", "").strip()[:200]
    select = db.select(Organisation).order_by(Organisation.name)
    if tier in {t.value for t in OrganisationTier}:
        select = select.where(Organisation.tier == OrganisationTier(tier))
    else:
        tier = ""
    if query:
        pattern = f"%{query}%"
        select = select.where(or_(Organisation.name.ilike(pattern), Organisation.short_name.ilike(pattern)))
    pagination = db.paginate(select, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/organisations.html",
        pagination=pagination,
        tiers=list(OrganisationTier),
        filters={"tier": tier, "q": query},
    )


def name_taken(name, organisation=None):
    other = db.session.scalar(db.select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    return other is not None and other is not organisation


def save_organisation(form, organisation):
    """Copy a valid form into organisation and commit; returns False (and a field error) if the name is taken."""
    if name_taken(form.name.data, organisation):
        form.name.errors.append(_("An organisation with this name already exists."))
        return False
    organisation.name = form.name.data
    organisation.short_name = form.short_name.data or None
    organisation.tier = OrganisationTier(form.tier.data)
    organisation.website = form.website.data or None
    organisation.description = form.description.data or None
    organisation.active = form.active.data
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent save took the name
        db.session.rollback()
        form.name.errors.append(_("An organisation with this name already exists."))
        return False
    audit("organisation.saved", organisation.name, id=organisation.id)
    db.session.commit()
    return True


@bp.route("/organisations/new", methods=["GET", "POST"])
@permission_required("organisations.manage")
def organisation_new():
    form = OrganisationForm()
    if not form.is_submitted():
        form.tier.data = OrganisationTier.member.value
    if form.validate_on_submit() and save_organisation(form, organisation := Organisation()):
        flash(_("Created %(name)s.", name=organisation.name), "success")
        return redirect(url_for("admin.organisation_edit", organisation_id=organisation.id))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


def render_organisation_edit(organisation, form=None, member_form=None):
    if form is None:
        form = OrganisationForm(formdata=None, obj=organisation)
        form.tier.data = organisation.tier.value
    member_form = member_form or MemberForm(formdata=None)
    memberships = sorted(organisation.memberships, key=lambda m: (not m.is_admin, m.user.name))
    return render_template(
        "admin/organisation_form.html",
        form=form,
        organisation=organisation,
        member_form=member_form,
        memberships=memberships,
    )


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@permission_required("organisations.manage")
def organisation_edit(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    if request.method == "GET":
        return render_organisation_edit(organisation)
    form = OrganisationForm()
    if form.validate_on_submit() and save_organisation(form, organisation):
        flash(_("Saved %(name)s.", name=organisation.name), "success")
        return redirect(url_for("admin.organisation_edit", organisation_id=organisation.id))
    db.session.rollback()  # nothing of a refused form stays in the session
    return render_organisation_edit(db.get_or_404(Organisation, organisation_id), form=form)


@bp.route("/organisations/<int:organisation_id>/members", methods=["POST"])
@permission_required("organisations.manage")
def organisation_member_add(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        problem = (
            _("There is no user with the e-mail address %(email)s.", email=form.email.data)
            if user is None
            else add_membership(user, organisation, form.is_admin.data)
        )
        if problem is None:
            db.session.commit()
            message = _("%(user)s is now a member of %(organisation)s.", user=user.name, organisation=organisation.name)
            flash(message, "success")
            return redirect(url_for("admin.organisation_edit", organisation_id=organisation.id))
        form.email.errors.append(problem)
    return render_organisation_edit(organisation, member_form=form)


@bp.route("/organisations/<int:organisation_id>/members/<int:user_id>/toggle-admin", methods=["POST"])
@permission_required("organisations.manage")
def organisation_member_toggle_admin(organisation_id, user_id):
    membership = find_membership(user_id, organisation_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        toggle_admin(membership)
        db.session.commit()
        flash(_("Saved the organisation administrator flag."), "success")
    return redirect(url_for("admin.organisation_edit", organisation_id=organisation_id))


@bp.route("/organisations/<int:organisation_id>/members/<int:user_id>/remove", methods=["POST"])
@permission_required("organisations.manage")
def organisation_member_remove(organisation_id, user_id):
    membership = find_membership(user_id, organisation_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        name = membership.user.name
        remove_membership(membership)
        db.session.commit()
        flash(_("Removed %(name)s from the organisation.", name=name), "success")
    return redirect(url_for("admin.organisation_edit", organisation_id=organisation_id))


@bp.route("/organisations/<int:organisation_id>/delete", methods=["GET", "POST"])
@permission_required("organisations.manage")
def organisation_delete(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = organisation.name
        audit("organisation.deleted", name, members=len(organisation.memberships))
        db.session.delete(organisation)
        try:
            db.session.commit()
        except IntegrityError:  # a plugin's records still point at it
            db.session.rollback()
            flash(_("%(name)s is still referred to by other records. Deactivate it instead.", name=name), "error")
            return redirect(url_for("admin.organisation_edit", organisation_id=organisation_id))
        flash(_("Deleted %(name)s.", name=name), "success")
        return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_delete.html", organisation=organisation, form=form)
