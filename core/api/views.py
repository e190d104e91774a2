"""The core endpoints of the JSON API. The YAML after '---' in each docstring goes into the OpenAPI document."""
from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import auth, errors
from core.api.errors import ApiError, json_body
from core.api.openapi import openapi_document
from core.api.schemas import (
    MeSchema,
    OrganisationSchema,
    PageQuerySchema,
    PluginSchema,
    PluginToggleSchema,
    UserPageSchema,
    UserPatchSchema,
    UserSchema,
)
from core.audit import audit
from core.extensions import db
from core.permissions import forget_cached_permissions, login_required, permission_required, public
from core.plugins import PluginError, get_host
from core.users.models import Organisation, OrganisationTier, Role, User, user_roles

bp = Blueprint("api", __name__, url_prefix="/api/v1")
auth.install(bp)
errors.install(bp)


@bp.route("/")
@public
def index():
    """What this API is and where to start.
    ---
    get:
      summary: API index
      security: []
      responses:
        200:
          description: Name, version and links.
    """
    return jsonify(
        {
            "name": "guildhall",
            "site": current_app.config["SITE_NAME"],
            "version": 1,
            "links": {
                "openapi": url_for("api.openapi"),
                "me": url_for("api.me"),
                "organisations": url_for("api.organisations"),
                "users": url_for("api.users"),
                "plugins": url_for("api.plugins"),
            },
        }
    )


@bp.route("/openapi.json")
@public
def openapi():
    """This document.
    ---
    get:
      summary: The OpenAPI 3 document
      security: []
      responses:
        200:
          description: The OpenAPI document of every /api/v1 route.
    """
    return jsonify(openapi_document(current_app))


@bp.route("/me")
@login_required
def me():
    """The token's user.
    ---
    get:
      summary: The user the token belongs to
      responses:
        200:
          content:
            application/json:
              schema: MeSchema
    """
    return jsonify(MeSchema().dump(current_user._get_current_object()))


MAX_ID = 2**31 - 1  # larger ids cannot exist, and PostgreSQL would refuse to compare them


def _get(model, object_id):
    return db.session.get(model, object_id) if object_id <= MAX_ID else None


def _active_organisation(organisation_id):
    organisation = _get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise ApiError(404, _("There is no such organisation."))
    return organisation


@bp.route("/organisations")
@public
def organisations():
    """Member organisations, highest tier first.
    ---
    get:
      summary: Active member organisations
      security: []
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items: OrganisationSchema
    """
    rank = {tier: position for position, tier in enumerate(OrganisationTier)}
    found = db.session.scalars(db.select(Organisation).filter_by(active=True)).all()
    found.sort(key=lambda organisation: (rank[organisation.tier], organisation.name))
    return jsonify({"items": OrganisationSchema(many=True).dump(found)})


@bp.route("/organisations/<int:organisation_id>")
@public
def organisation(organisation_id):
    """One member organisation.
    ---
    get:
      summary: One active member organisation
      security: []
      responses:
        200:
          content:
            application/json:
              schema: OrganisationSchema
        404:
          $ref: '#/components/responses/NotFound'
    """
    return jsonify(OrganisationSchema().dump(_active_organisation(organisation_id)))


def _user(user_id):
    user = _get(User, user_id)
    if user is None:
        raise ApiError(404, _("There is no such user."))
    return user


@bp.route("/users")
@permission_required("users.manage")
def users():
    """Every user, a page at a time.
    ---
    get:
      summary: List users
      parameters:
      - in: query
        schema: PageQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: UserPageSchema
        422:
          $ref: '#/components/responses/Invalid'
    """
    query = PageQuerySchema().load(request.args.to_dict())
    found = db.paginate(
        db.select(User).order_by(User.id), page=query["page"], per_page=query["per_page"], error_out=False
    )
    return jsonify(UserPageSchema().dump(found))


@bp.route("/users/<int:user_id>")
@permission_required("users.manage")
def user(user_id):
    """One user.
    ---
    get:
      summary: One user
      responses:
        200:
          content:
            application/json:
              schema: UserSchema
        404:
          $ref: '#/components/responses/NotFound'
    """
    return jsonify(UserSchema().dump(_user(user_id)))


def _other_active_admins(user):
    """Active admins other than user, locked until commit where the database can lock rows."""
    query = (
        db.select(User.id)
        .join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.name == "admin", User.active.is_(True), User.id != user.id)
        .with_for_update(of=User)
    )
    return db.session.scalars(query).all()


@bp.route("/users/<int:user_id>", methods=["PATCH"])
@permission_required("users.manage")
def update_user(user_id):
    """Change a user's name, active flag or roles; only the fields sent change.
    ---
    patch:
      summary: Change a user
      requestBody:
        required: true
        content:
          application/json:
            schema: UserPatchSchema
      responses:
        200:
          content:
            application/json:
              schema: UserSchema
        400:
          $ref: '#/components/responses/BadRequest'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          description: The change would leave the site without an active administrator.
          content:
            application/json:
              schema: ErrorResponseSchema
        422:
          $ref: '#/components/responses/Invalid'
    """
    target = _user(user_id)
    changes = UserPatchSchema().load(json_body())
    active = changes.get("active", target.active)
    role_names = sorted(set(changes.get("roles", target.role_names)))
    was_admin = target.active and target.has_role("admin")
    if was_admin and not (active and "admin" in role_names) and not _other_active_admins(target):
        db.session.rollback()
        raise ApiError(409, _("This is the last active administrator; make someone else an administrator first."))

    if "name" in changes and changes["name"] != target.name:
        audit("user.updated", target.email, name={"from": target.name, "to": changes["name"]}, via="api")
        target.name = changes["name"]
    if role_names != sorted(target.role_names):
        audit("user.roles_changed", target.email, before=sorted(target.role_names), after=role_names, via="api")
        target.roles = db.session.scalars(db.select(Role).where(Role.name.in_(role_names))).all()
    if active != target.active:
        audit("user.activated" if active else "user.deactivated", target.email, via="api")
        target.active = active
        if not active:
            target.end_other_sessions()
    db.session.commit()
    forget_cached_permissions()
    return jsonify(UserSchema().dump(target))


def _plugin_status(name):
    for entry in get_host().status():
        if entry["name"] == name:
            return entry
    raise ApiError(404, _("There is no plugin named %(name)s.", name=name))


@bp.route("/plugins")
@permission_required("plugins.manage")
def plugins():
    """Every installed plugin and whether it is enabled.
    ---
    get:
      summary: List plugins
      responses:
        200:
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items: PluginSchema
    """
    return jsonify({"items": PluginSchema(many=True).dump(get_host().status())})


@bp.route("/plugins/<name>", methods=["POST"])
@permission_required("plugins.manage")
def toggle_plugin(name):
    """Enable or disable a plugin on every worker; its data stays.
    ---
    post:
      summary: Enable or disable a plugin
      requestBody:
        required: true
        content:
          application/json:
            schema: PluginToggleSchema
      responses:
        200:
          content:
            application/json:
              schema: PluginSchema
        404:
          $ref: '#/components/responses/NotFound'
        409:
          description: The plugin cannot change state; the message says why.
          content:
            application/json:
              schema: ErrorResponseSchema
        422:
          $ref: '#/components/responses/Invalid'
    """
    _plugin_status(name)
    enabled = PluginToggleSchema().load(json_body())["enabled"]
    try:
        get_host().set_enabled(name, enabled, user=current_user._get_current_object())
    except PluginError as error:
        db.session.rollback()
        raise ApiError(409, str(error)) from None
    audit("plugin.enabled" if enabled else "plugin.disabled", name, via="api")
    db.session.commit()
    return jsonify(PluginSchema().dump(_plugin_status(name)))

# Further endpoints live in their own modules; imported last because they import bp.
from core.api import pages  # noqa: E402,F401
