"""Forms of the admin area. Choices that come from the database are filled in by the views."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import choice, strip
from core.users.models import OrganisationTier


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """No fields: carries the CSRF token of a confirmed POST."""



class UserForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    roles = MultiCheckboxField(_l("Roles"), coerce=int)
    active = BooleanField(_l("Active (may sign in)"))
    submit = SubmitField(_l("Save"))


class MembershipForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    is_admin = BooleanField(_l("Organisation administrator"))
    submit = SubmitField(_l("Add membership"))


class MemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail of an existing user"),
        filters=[strip],
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    is_admin = BooleanField(_l("Organisation administrator"))
    submit = SubmitField(_l("Add member"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), coerce=int)
    organisation = SelectField(_l("Organisation"), coerce=int)
    submit = SubmitField(_l("Send invitation"))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), filters=[strip], validators=[Optional(), Length(max=80)])
    tier = SelectField(_l("Tier"))
    website = StringField(
        _l("Website"),
        filters=[strip],
        validators=[Optional(), Length(max=255), URL(message=_l("Enter a full address starting with https://"))],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are translated per request, so the choices are built here.
        self.tier.choices = [choice(tier.value, tier.label) for tier in OrganisationTier]


class RoleForm(FlaskForm):
    name = StringField(
        _l("Name (letters a-z, digits, - and _)"),
        filters=[strip],
        validators=[
            DataRequired(),
            Length(min=2, max=64),
            Regexp(r"^[a-z0-9_-]+$", message=_l("Use only lower-case letters a-z, digits, - and _.")),
        ],
    )
    title = StringField(_l("Display name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create role"))


class OutboxFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=[
            choice("", _l("All")),
            choice("queued", _l("Queued")),
            choice("sent", _l("Sent")),
            choice("failed", _l("Failed")),
        ],
        default="",
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), filters=[strip], validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor e-mail"), filters=[strip], validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_from(self, field):
        if field.data is not None and not 1900 <= field.data.year <= 9000:
            raise ValidationError(_l("Enter a date between the years 1900 and 9000."))

    def validate_date_to(self, field):
        if field.data is None:
            return  # unparseable: DateField has said so already
        if not 1900 <= field.data.year <= 9000:
            raise ValidationError(_l("Enter a date between the years 1900 and 9000."))
        if self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
