"""Volunteers ("五老"): the application form, the public roster (only what each agreed to show),
and approval by committee editors."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.audit import audit
from core.extensions import db, limiter
from core.permissions import login_required, permission_required, public
from core.users.blueprint import user_or_address
from core.users.models import utcnow
from plugins.youth_committee.content import EDIT
from plugins.youth_committee.forms import ActionForm, VolunteerForm
from plugins.youth_committee.models import PUBLIC_FIELDS, VOLUNTEER_STATUSES, Volunteer
from plugins.youth_committee.views import admin_bp, bp, get_or_404

EDITABLE = ("name", "background", "expertise", "availability", "bio", "phone") + tuple(
    f"show_{field}" for field in PUBLIC_FIELDS)


@bp.route("/volunteers")
@public
def roster():
    approved = db.session.scalars(
        db.select(Volunteer).where(Volunteer.status == "approved").order_by(Volunteer.created_at, Volunteer.id)
    ).all()
    # The template receives only the consented fields, never the rows themselves.
    cards = [card for card in (volunteer.public_card() for volunteer in approved) if card]
    return render_template("youth_committee/roster.html", cards=cards)


@bp.route("/volunteers/apply", methods=["GET", "POST"])
@limiter.limit("10 per hour", key_func=user_or_address, methods=["POST"])
@login_required
def apply():
    volunteer = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == current_user.id))
    form = VolunteerForm(obj=volunteer)
    if volunteer is None and not form.is_submitted():
        form.name.data = current_user.name
    if form.validate_on_submit():
        if volunteer is None:
            volunteer = Volunteer(user_id=current_user.id)
            db.session.add(volunteer)
        for field in EDITABLE:
            setattr(volunteer, field, getattr(form, field).data or ("" if not field.startswith("show_") else False))
        volunteer.status, volunteer.decided_at = "pending", None  # every change is looked at again
        db.session.commit()
        flash(_("Thank you. The committee will look at your application."), "success")
        return redirect(url_for(".apply"))
    return render_template("youth_committee/apply.html", form=form, volunteer=volunteer), (
        400 if form.is_submitted() else 200)


# -- admin -------------------------------------------------------------------------


@admin_bp.route("/volunteers")
@permission_required(EDIT)
def admin_volunteers():
    volunteers = db.session.scalars(
        db.select(Volunteer).order_by(Volunteer.status != "pending", Volunteer.created_at.desc())
    ).all()
    return render_template("youth_committee/admin/volunteers.html", volunteers=volunteers, form=ActionForm(),
                           statuses=VOLUNTEER_STATUSES)


@admin_bp.route("/volunteers/<int:volunteer_id>/<any(approved, rejected):decision>", methods=["POST"])
@permission_required(EDIT)
def admin_volunteer_decide(volunteer_id, decision):
    volunteer = get_or_404(Volunteer, volunteer_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    volunteer.status, volunteer.decided_at = decision, utcnow()
    audit("youth_committee.volunteer_" + decision, volunteer.name, id=volunteer.id)
    db.session.commit()
    flash(_("Saved: %(name)s is now %(status)s.", name=volunteer.name, status=volunteer.status_label), "success")
    return redirect(url_for(".admin_volunteers"))
