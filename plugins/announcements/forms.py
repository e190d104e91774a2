"""The notice form. Dates are entered in the site's time zone and stored as UTC."""
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def safe_link(form, field):
    """Only web addresses or paths on this site: never javascript: or other schemes."""
    value = (field.data or "").strip()
    field.data = value or None
    if not value:
        return
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValidationError(_l("Enter a web address starting with https:// or a path starting with /."))


def plausible_date(form, field):
    # Far-off years would overflow when converted to UTC, and are typing mistakes anyway.
    if field.data and not 1900 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("Plain text. Leave an empty line between paragraphs."),
    )
    link = URLField(_l("Link (optional)"), validators=[Optional(), Length(max=500), safe_link])
    pinned = BooleanField(_l("Pin to the top and show on the home page"))
    published_at = DateTimeLocalField(
        _l("Published from"), format=DATETIME_FORMATS, validators=[InputRequired(), plausible_date]
    )
    expires_at = DateTimeLocalField(
        _l("Expires at (optional)"),
        format=DATETIME_FORMATS,
        validators=[Optional(), plausible_date],
        description=_l("After this moment the notice is no longer shown."),
    )
    submit = SubmitField(_l("Save"))

    def validate_title(self, field):
        field.data = (field.data or "").strip()
        if not field.data:
            raise ValidationError(_l("This field is required."))

    def validate_expires_at(self, field):
        if field.data and self.published_at.data and field.data <= self.published_at.data:
            raise ValidationError(_l("A notice must expire after it is published."))
