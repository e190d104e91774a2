"""Admin: users (list, edit, memberships, delete) and invitations."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from core.admin.forms import ConfirmForm, InviteForm, MembershipForm, UserForm
from core.admin.memberships import add_membership, find_membership, remove_membership, toggle_admin
from core.admin.views import bp
from core.forms import choice
from core.audit import audit
from core.extensions import db
from core.mail import queue_mail
from core.permissions import permission_required
from core.users.models import Invitation, Membership, Organisation, Role, User, count_admins, utcnow
from core.users.service import UserError, create_invitation, delete_user

PER_PAGE = 25


def all_roles():
    return db.session.scalars(db.select(Role).order_by(Role.builtin.desc(), Role.name)).all()


def all_organisations():
    return db.session.scalars(db.select(Organisation).order_by(Organisation.name)).all()


@bp.route("/users")
@permission_required("users.manage")
def users():
    query = request.args.get("q", "").strip()[:254]
    role_name = request.args.get("role", "")
    active = request.args.get("active", "")
    select = (
        db.select(User)
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
        .order_by(User.name, User.id)
    )
    if query:
        pattern = f"%{query}%"
        select = select.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    if role_name:
        select = select.where(User.roles.any(Role.name == role_name))
    if active in ("yes", "no"):
        select = select.where(User.active.is_(active == "yes"))
    pagination = db.paginate(select, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/users.html",
        pagination=pagination,
        roles=all_roles(),
        filters={"q": query, "role": role_name, "active": active},
    )


# -- edit ------------------------------------------------------------------


def render_user_edit(user, form=None, membership_form=None):
    if form is None:
        form = UserForm(formdata=None, name=user.name, roles=[r.id for r in user.roles], active=user.active)
    form.roles.choices = [choice(role.id, role.display_title()) for role in all_roles()]
    if membership_form is None:
        membership_form = MembershipForm(formdata=None)
    member_of = {m.organisation_id for m in user.memberships}
    membership_form.organisation.choices = [choice(o.id, o.name) for o in all_organisations() if o.id not in member_of]
    return render_template("admin/user_edit.html", user=user, form=form, membership_form=membership_form)


def change_problem(user, keeps_admin, stays_active):
    """Why the current user may not make this change, or None: the guard rails around admins."""
    is_self = user.id == current_user.id
    was_admin = user.has_role("admin")
    removes_admin = was_admin and user.active and not (keeps_admin and stays_active)
    if is_self and was_admin and not keeps_admin:
        return _("You cannot remove your own administrator role.")
    if is_self and not stays_active:
        return _("You cannot deactivate your own account.")
    if removes_admin and count_admins() <= 1:
        return _(
            "%(name)s is the last active administrator. Make someone else an administrator first.",
            name=user.name,
        )
    touches_admin = was_admin != keeps_admin or (was_admin and user.active != stays_active)
    if touches_admin and not current_user.has_role("admin"):
        return _("Only administrators can grant or remove the administrator role or deactivate an administrator.")
    return None


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def user_edit(user_id):
    user = db.get_or_404(User, user_id)
    form = UserForm()
    form.roles.choices = [choice(role.id, role.display_title()) for role in all_roles()]
    if not form.validate_on_submit():
        if request.method == "POST":
            return render_user_edit(user, form=form)
        return render_user_edit(user)

    new_roles = [role for role in all_roles() if role.id in set(form.roles.data)]
    keeps_admin = any(role.name == "admin" for role in new_roles)
    problem = change_problem(user, keeps_admin, form.active.data)
    if problem:
        flash(problem, "error")
        return render_user_edit(user, form=form)

    before = sorted(user.role_names)
    after = sorted(role.name for role in new_roles)
    user.name = form.name.data
    if before != after:
        user.roles = new_roles
        audit("role.changed", user.email, before=before, after=after)
    if user.active != form.active.data:
        user.active = form.active.data
        if not user.active:
            user.end_other_sessions()
        audit("user.activated" if user.active else "user.deactivated", user.email)
    db.session.commit()
    flash(_("Saved the changes to %(name)s.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# -- memberships -----------------------------------------------------------


@bp.route("/users/<int:user_id>/memberships", methods=["POST"])
@permission_required("users.manage")
def user_membership_add(user_id):
    user = db.get_or_404(User, user_id)
    form = MembershipForm()
    form.organisation.choices = [choice(o.id, o.name) for o in all_organisations()]
    if not form.validate_on_submit():
        return render_user_edit(user, membership_form=form)
    organisation = db.session.get(Organisation, form.organisation.data)
    problem = add_membership(user, organisation, form.is_admin.data)
    if problem:
        form.organisation.errors.append(problem)
        return render_user_edit(user, membership_form=form)
    db.session.commit()
    flash(_("%(user)s is now a member of %(organisation)s.", user=user.name, organisation=organisation.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/memberships/<int:organisation_id>/toggle-admin", methods=["POST"])
@permission_required("users.manage")
def user_membership_toggle_admin(user_id, organisation_id):
    membership = find_membership(user_id, organisation_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        toggle_admin(membership)
        db.session.commit()
        flash(_("Saved the organisation administrator flag."), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/memberships/<int:organisation_id>/remove", methods=["POST"])
@permission_required("users.manage")
def user_membership_remove(user_id, organisation_id):
    membership = find_membership(user_id, organisation_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        name = membership.organisation.name
        remove_membership(membership)
        db.session.commit()
        flash(_("Removed the membership of %(organisation)s.", organisation=name), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


# -- delete ----------------------------------------------------------------


def delete_problem(user):
    if user.id == current_user.id:
        return _("You cannot delete your own account.")
    if user.has_role("admin") and user.active and count_admins() <= 1:
        return _("%(name)s is the last active administrator and cannot be deleted.", name=user.name)
    if user.has_role("admin") and not current_user.has_role("admin"):
        return _("Only administrators can delete an administrator.")
    return None


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@permission_required("users.manage")
def user_delete(user_id):
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    problem = delete_problem(user)
    if problem:
        flash(problem, "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    if form.validate_on_submit():
        name = user.name
        delete_user(user)
        try:
            db.session.commit()
        except IntegrityError:  # a plugin kept records that point at the user
            db.session.rollback()
            message = _("%(name)s is still referred to by other records. Deactivate the account instead.", name=name)
            flash(message, "error")
            return redirect(url_for("admin.user_edit", user_id=user_id))
        flash(_("Deleted the account of %(name)s.", name=name), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_delete.html", user=user, form=form)


# -- invitations -----------------------------------------------------------


def invitation_link(raw):
    try:
        return url_for("users.register_invite", token=raw, _external=True)
    except BuildError:  # the registration pages are not installed yet
        return request.url_root.rstrip("/") + f"/register/invite/{raw}"


def pending_invitations():
    return db.session.scalars(
        db.select(Invitation)
        .where(Invitation.used_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()


def invite_form():
    roles = all_roles()
    form = InviteForm()
    form.role.choices = [choice(role.id, role.display_title()) for role in roles]
    form.organisation.choices = [choice(0, _("No organisation"))] + [choice(o.id, o.name) for o in all_organisations()]
    if not form.is_submitted():
        form.role.data = next((role.id for role in roles if role.name == "member"), None)
    return form


def invitation_problem(form, role):
    if role.name == "admin" and not current_user.has_role("admin"):
        return _("Only administrators can invite administrators.")
    email = form.email.data.lower()
    if any(invitation.email == email for invitation in pending_invitations()):
        return _("An invitation to this address is still pending. Revoke it first to send a new one.")
    return None


@bp.route("/invitations", methods=["GET", "POST"])
@permission_required("users.manage")
def invitations():
    form = invite_form()
    if form.validate_on_submit():
        role = db.session.get(Role, form.role.data)
        organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        problem = invitation_problem(form, role)
        if problem is None:
            try:
                _invitation, raw = create_invitation(
                    form.email.data, current_user, role=role, organisation=organisation
                )
            except UserError as error:
                db.session.rollback()
                problem = str(error)
        if problem:
            form.email.errors.append(problem)
        else:
            queue_mail(
                form.email.data.lower(),
                _("Invitation to %(site)s", site=current_app.config["SITE_NAME"]),
                "admin/mail/invitation.txt",
                link=invitation_link(raw),
                inviter=current_user,
                role=role,
                organisation=organisation,
                site=current_app.config["SITE_NAME"],
            )
            db.session.commit()
            flash(_("Invited %(email)s; the e-mail is in the outbox.", email=form.email.data.lower()), "success")
            return redirect(url_for("admin.invitations"))
    return render_template("admin/invitations.html", form=form, invitations=pending_invitations())


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@permission_required("users.manage")
def invitation_revoke(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        email = invitation.email
        audit("invitation.revoked", email)
        db.session.delete(invitation)
        db.session.commit()
        flash(_("Revoked the invitation to %(email)s.", email=email), "success")
    return redirect(url_for("admin.invitations"))
