"""Admin: roles and the roles x permissions grid."""
from itertools import groupby

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func

from core.admin.forms import ConfirmForm, RoleForm
from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.permissions import forget_cached_permissions, permission_required, registry, role_permissions
from core.users.models import Role, RolePermission, User, user_roles


def all_roles():
    return db.session.scalars(db.select(Role).order_by(Role.builtin.desc(), Role.name)).all()


def holder_counts():
    rows = db.session.execute(
        db.select(user_roles.c.role_id, func.count(User.id))
        .join(User, User.id == user_roles.c.user_id)
        .group_by(user_roles.c.role_id)
    ).all()
    return dict(rows)


def render_roles(form):
    return render_template("admin/roles.html", roles=all_roles(), counts=holder_counts(), form=form)


@bp.route("/roles")
@permission_required("roles.manage")
def roles():
    return render_roles(RoleForm(formdata=None))


@bp.route("/roles/new", methods=["POST"])
@permission_required("roles.manage")
def role_new():
    form = RoleForm()
    if form.validate_on_submit():
        if db.session.scalar(db.select(Role).filter_by(name=form.name.data)) is not None:
            form.name.errors.append(_("A role with this name already exists."))
        else:
            role = Role(name=form.name.data, title=form.title.data, builtin=False)
            db.session.add(role)
            audit("role.created", role.name, title=role.title)
            db.session.commit()
            flash(_("Created the role %(title)s.", title=role.title), "success")
            return redirect(url_for("admin.role_permissions"))
    return render_roles(form)


@bp.route("/roles/<int:role_id>/delete", methods=["GET", "POST"])
@permission_required("roles.manage")
def role_delete(role_id):
    role = db.get_or_404(Role, role_id)
    if role.builtin:
        flash(_("Built-in roles cannot be deleted."), "error")
        return redirect(url_for("admin.roles"))
    form = ConfirmForm()
    holders = holder_counts().get(role.id, 0)
    if form.validate_on_submit():
        title = role.title
        audit("role.deleted", role.name, title=title, holders=holders)
        db.session.delete(role)
        db.session.commit()
        forget_cached_permissions()
        flash(_("Deleted the role %(title)s.", title=title), "success")
        return redirect(url_for("admin.roles"))
    return render_template("admin/role_delete.html", role=role, holders=holders, form=form)


# -- the grid ----------------------------------------------------------------


def permission_groups():
    """[(prefix, [Permission, ...]), ...] sorted by prefix, then by name."""
    permissions = sorted(registry().values(), key=lambda p: p.name)
    return [(prefix, list(items)) for prefix, items in groupby(permissions, key=lambda p: p.name.split(".", 1)[0])]


def apply_choices(role, chosen):
    """Store overrides where the choice differs from the declared default; returns (granted, revoked)."""
    before = role_permissions(role)
    overrides = {grant.permission: grant for grant in role.grants}
    for name, permission in registry().items():
        wanted = name in chosen
        row = overrides.get(name)
        if wanted == (role.name in permission.default_roles):
            if row is not None:
                role.grants.remove(row)
        elif row is not None:
            row.granted = wanted
        else:
            role.grants.append(RolePermission(permission=name, granted=wanted))
    after = role_permissions(role)
    return sorted(after - before), sorted(before - after)


@bp.route("/roles/permissions", methods=["GET", "POST"], endpoint="role_permissions")
@permission_required("roles.manage")
def role_permissions_grid():
    roles = all_roles()
    form = ConfirmForm()
    if form.validate_on_submit():
        # Only the roles that were on the submitted page: a role created meanwhile keeps its defaults.
        shown = set(request.form.getlist("role"))
        known = set(registry())
        changed = 0
        for role in roles:
            if role.name == "admin" or str(role.id) not in shown:
                continue
            chosen = set(request.form.getlist(f"grant-{role.id}")) & known
            granted, revoked = apply_choices(role, chosen)
            if granted or revoked:
                changed += 1
                audit("role.permissions_changed", role.name, granted=granted, revoked=revoked)
        db.session.commit()
        forget_cached_permissions()
        if changed:
            flash(_("Saved the permissions of %(count)s roles.", count=changed), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("admin.role_permissions"))
    effective = {role.id: role_permissions(role) for role in roles}
    return render_template(
        "admin/role_permissions.html", roles=roles, groups=permission_groups(), effective=effective, form=form
    )
