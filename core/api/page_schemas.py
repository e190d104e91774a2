"""marshmallow schemas of /api/v1/pages: what it accepts (load) and answers (dump)."""
from datetime import timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load

from core.api.schemas import MAX_PAGE, PagedSchema, PageQuerySchema, TrimmedString, length_between, number_between
from core.pages.models import STATUSES

MAX_BODY = 500_000  # characters of HTML in one page
MAX_TAGS = 50
KINDS = ("news", "page")
DATETIME_MESSAGE = _l("Enter a date and time in ISO 8601, for example 2026-12-01T09:00:00+08:00.")


def one_of(choices):
    def check(value):
        if value not in choices:
            raise ValidationError(_("Choose one of: %(choices)s.", choices=", ".join(choices)))

    return check


def as_utc(value):
    """Naive UTC, as the database keeps times; a time without an offset is taken as UTC."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


# -- input -------------------------------------------------------------------------


class PageListQuerySchema(PageQuerySchema):
    section = TrimmedString(validate=length_between(1, 120), metadata={"description": "Section slug"})
    status = fields.String(validate=one_of(tuple(STATUSES)))
    kind = fields.String(
        validate=one_of(KINDS), metadata={"description": "news: posts in a section; page: fixed pages"}
    )
    q = TrimmedString(validate=length_between(1, 100), metadata={"description": "Text in the title, summary or body"})


class PageInputSchema(Schema):
    """The writable fields; on update only the fields sent change."""

    title = TrimmedString(validate=length_between(1, 200))
    slug = TrimmedString(
        validate=length_between(0, 120),
        metadata={"description": "Empty: made from the title (pinyin for Chinese)."},
    )
    summary = fields.String(validate=length_between(0, 2000))
    body = fields.String(
        validate=length_between(0, MAX_BODY),
        metadata={"description": "HTML; sanitised before it is stored (scripts, event handlers and the like go)."},
    )
    section = fields.String(
        allow_none=True,
        validate=length_between(1, 120),
        metadata={"description": "Section slug for a news post; null for a fixed page."},
    )
    parent_id = fields.Integer(strict=True, allow_none=True, validate=number_between(1, 2**31 - 1))
    tags = fields.List(TrimmedString(validate=length_between(1, 80)), validate=length_between(0, MAX_TAGS))
    status = fields.String(validate=one_of(tuple(STATUSES)))
    publish_at = fields.DateTime(
        allow_none=True,
        error_messages={"invalid": DATETIME_MESSAGE},
        metadata={"description": "ISO 8601; without an offset the time is UTC. Required when scheduled."},
    )
    base_revision = fields.Integer(
        strict=True,
        load_only=True,
        validate=number_between(1, MAX_PAGE),
        metadata={"description": "The revision the change is based on; 409 if someone saved since."},
    )

    @post_load
    def to_utc(self, data, **kwargs):
        if "publish_at" in data:
            data["publish_at"] = as_utc(data["publish_at"])
        return data


class PageCreateSchema(PageInputSchema):
    title = TrimmedString(required=True, validate=length_between(1, 200))


# -- output ------------------------------------------------------------------------


def _absolute_url(page):
    from core.pages.seo import absolute_url

    return absolute_url(page.url)


def _revision(page):
    from core.pages.service import latest_revision_number

    return latest_revision_number(page)


class PageSchema(Schema):
    id = fields.Integer()
    kind = fields.Function(
        lambda page: "news" if page.is_news else "page", metadata={"type": "string", "enum": list(KINDS)}
    )
    title = fields.String()
    slug = fields.String()
    summary = fields.String()
    body = fields.String(metadata={"description": "Sanitised HTML"})
    section = fields.Function(
        lambda page: page.section.slug if page.section is not None else None,
        metadata={"type": "string", "nullable": True, "description": "Section slug; null for a fixed page"},
    )
    parent_id = fields.Integer(allow_none=True)
    tags = fields.Function(
        lambda page: [tag.name for tag in page.tags], metadata={"type": "array", "items": {"type": "string"}}
    )
    status = fields.String(metadata={"enum": list(STATUSES)})
    publish_at = fields.DateTime(allow_none=True, metadata={"description": "UTC"})
    url = fields.Function(_absolute_url, metadata={"type": "string", "description": "The public address"})
    revision = fields.Function(_revision, metadata={"type": "integer", "description": "Latest revision number"})
    created_at = fields.DateTime(metadata={"description": "UTC"})
    updated_at = fields.DateTime(metadata={"description": "UTC"})


class PageListSchema(PagedSchema):
    items = fields.List(fields.Nested(PageSchema))
