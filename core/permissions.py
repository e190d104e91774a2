"""Who may do what: the permission registry and the access declaration of every view.

Every view function carries exactly one declaration:

    @public                      anyone, signed in or not
    @login_required              any signed-in, active user
    @permission_required("x.y")  users whose roles hold permission x.y

A test walks the URL map and fails on any endpoint without one.
"""
from functools import wraps

from flask import abort, current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.contrib import Permission
from core.extensions import login_manager

ACCESS_ATTR = "guildhall_access"

CORE_PERMISSIONS = [
    Permission("admin.access", _l("Open the admin area"), ("admin", "editor")),
    Permission("users.manage", _l("Manage users and invitations"), ("admin",)),
    Permission("organisations.manage", _l("Manage member organisations"), ("admin",)),
    Permission("roles.manage", _l("Manage roles and permissions"), ("admin",)),
    Permission("plugins.manage", _l("Enable and disable plugins"), ("admin",)),
    Permission("outbox.view", _l("Read the e-mail outbox"), ("admin",)),
    Permission("audit.view", _l("Read the audit log"), ("admin",)),
    Permission("content.edit", _l("Edit pages, news, sections and menus"), ("admin", "editor")),
    Permission("media.manage", _l("Upload and manage files in the media library"), ("admin", "editor")),
    Permission("media.private", _l("Open private files uploaded by others"), ("admin",)),
    Permission("site.manage", _l("Choose the theme and arrange the home page"), ("admin",)),
]


def registry():
    """All permissions known to this app: core ones plus every plugin's."""
    return current_app.extensions["guildhall.permissions"]


def register_permissions(app, permissions):
    known = app.extensions.setdefault("guildhall.permissions", {})
    for permission in permissions:
        if not isinstance(permission, Permission):
            raise TypeError(f"not a Permission: {permission!r}")
        known[permission.name] = permission


def role_permissions(role):
    """The set of permission names a role holds: declared defaults plus admin overrides."""
    held = {p.name for p in registry().values() if role.name in p.default_roles}
    for grant in role.grants:
        if grant.granted:
            held.add(grant.permission)
        else:
            held.discard(grant.permission)
    return held


def user_permissions(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cache = g.setdefault("_guildhall_permissions", {})
    key = (user.id, user.session_version)
    if key not in cache:
        if user.has_role("admin"):
            cache[key] = frozenset(registry())
        else:
            held = set()
            for role in user.roles:
                held |= role_permissions(role)
            cache[key] = frozenset(held)
    return cache[key]


def user_has_permission(user, permission):
    if permission not in registry():
        raise KeyError(f"undeclared permission {permission!r}")
    return permission in user_permissions(user)


def forget_cached_permissions():
    g.pop("_guildhall_permissions", None)


def wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status, message, **extra):
    response = jsonify({"error": {"status": status, "message": str(message), **extra}})
    response.status_code = status
    return response


def _deny_anonymous():
    if wants_json():
        abort(401)
    return login_manager.unauthorized()


def _declare(view, access):
    setattr(view, ACCESS_ATTR, access)
    return view


def public(view):
    """Anyone may use this view."""
    return _declare(view, "public")


def login_required(view):
    """Any signed-in, active user may use this view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _deny_anonymous()
        return view(*args, **kwargs)

    return _declare(wrapper, "login")


def permission_required(permission):
    """Only users holding ``permission`` may use this view."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return _deny_anonymous()
            if not user_has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return _declare(wrapper, f"permission:{permission}")

    return decorator


def access_of(view):
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return getattr(view_class, ACCESS_ATTR, None)
    return getattr(view, ACCESS_ATTR, None)

