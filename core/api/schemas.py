"""marshmallow schemas: what the API accepts (load) and what it answers (dump)."""
from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from core.extensions import db
from core.permissions import user_permissions
from core.users.models import OrganisationTier, Role

MAX_PAGE = 1_000_000
MAX_PER_PAGE = 100


def number_between(low, high):
    def check(value):
        if not low <= value <= high:
            raise ValidationError(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high))

    return check


def length_between(low, high):
    def check(value):
        if not low <= len(value) <= high:
            raise ValidationError(_("Enter from %(low)d to %(high)d characters.", low=low, high=high))

    return check


def known_roles(names):
    known = set(db.session.scalars(db.select(Role.name).where(Role.name.in_(names))))
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValidationError(_("There is no role named %(name)s.", name=", ".join(unknown)))


class StrictBoolean(fields.Boolean):
    """JSON true or false only; marshmallow's Boolean also takes "yes", 1 and the like."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class TrimmedString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


# -- input -------------------------------------------------------------


class PageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other query parameters are not this schema's business

    page = fields.Integer(load_default=1, validate=number_between(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=number_between(1, MAX_PER_PAGE))


class UserPatchSchema(Schema):
    name = TrimmedString(validate=length_between(1, 120))
    active = StrictBoolean()
    roles = fields.List(fields.String(validate=length_between(1, 64)), validate=[length_between(0, 20), known_roles])


class PluginToggleSchema(Schema):
    enabled = StrictBoolean(required=True)


# -- output ------------------------------------------------------------


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String(allow_none=True)
    tier = fields.Enum(OrganisationTier, by_value=True)
    tier_label = fields.Function(lambda organisation: organisation.tier.label, metadata={"type": "string"})
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)


class MembershipSchema(Schema):
    id = fields.Integer(attribute="organisation.id")
    name = fields.String(attribute="organisation.name")
    tier = fields.Enum(OrganisationTier, by_value=True, attribute="organisation.tier")
    is_admin = fields.Boolean()


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    active = fields.Boolean()
    email_verified = fields.Function(lambda user: user.email_verified_at is not None, metadata={"type": "boolean"})
    roles = fields.List(fields.String(), attribute="role_names")
    organisations = fields.List(fields.Nested(MembershipSchema), attribute="memberships")
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


class MeSchema(UserSchema):
    permissions = fields.Function(
        lambda user: sorted(user_permissions(user)),
        metadata={"type": "array", "items": {"type": "string"}},
    )


class PagedSchema(Schema):
    """One page of a list: subclasses add ``items``. Dumps a Flask-SQLAlchemy Pagination as it is."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


class UserPageSchema(PagedSchema):
    items = fields.List(fields.Nested(UserSchema))


class PluginSchema(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    source = fields.String()
    requires = fields.List(fields.String())
    enabled = fields.Boolean()
    error = fields.String(allow_none=True)
    unmet = fields.List(fields.String())


class ErrorSchema(Schema):
    status = fields.Integer()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()))


class ErrorResponseSchema(Schema):
    error = fields.Nested(ErrorSchema)
