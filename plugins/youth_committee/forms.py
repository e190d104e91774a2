"""Forms: events, registrations, demonstration bases, volunteer applications.

Times are entered in the site's time zone; the views convert them to UTC."""
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from core.forms import choice, strip
from core.users.models import utcnow
from plugins.youth_committee.content import AREAS
from plugins.youth_committee.models import BACKGROUNDS, BASE_STATUSES, EVENT_KINDS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_CAPACITY = 100000
PHONE = r"^\+?[0-9][0-9 \-]{5,30}$"


def plausible(form, field):
    if field.data and not 2000 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 2000 and 2999."))


class EventForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"))
    area = SelectField(_l("Work area"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)],
                                description=_l("Plain text. Leave an empty line between paragraphs."))
    location = StringField(_l("Venue"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMATS, validators=[InputRequired(), plausible])
    ends_at = DateTimeLocalField(_l("Ends at"), format=DATETIME_FORMATS, validators=[InputRequired(), plausible])
    capacity = IntegerField(_l("Places"), validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)])
    base_id = SelectField(_l("Demonstration base (optional)"), coerce=int)
    guests_allowed = BooleanField(_l("Guests without an account may register"), default=True)
    registration_open = BooleanField(_l("Registration is open"), default=True)
    published = BooleanField(_l("Published"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, bases=(), event=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.kind.choices = [choice(key, label) for key, label in EVENT_KINDS.items()]
        self.area.choices = [choice(area.key, area.label) for area in AREAS.values()]
        self.base_id.choices = [choice(0, "\u2014")] + [choice(base.id, base.name) for base in bases]

    def validate_starts_at(self, field):
        if not field.data:  # unparseable: the field's own validators have said so
            return
        unchanged = self.event is not None and self.event.starts_at == to_utc(field.data).replace(tzinfo=None)
        if field.data and not unchanged and to_utc(field.data).replace(tzinfo=None) <= utcnow():
            raise ValidationError(_l("An event must start in the future."))

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("An event must end after it starts."))

    def validate_capacity(self, field):
        if self.event is not None and field.data is not None and field.data < self.event.seats_taken:
            raise ValidationError(_l("%(count)s people already have a confirmed place: the capacity cannot be lower.",
                                     count=self.event.seats_taken))


class RegisterForm(FlaskForm):
    submit = SubmitField(_l("Sign up"))


class GuestRegisterForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), filters=[strip],
                        validators=[DataRequired(), Regexp(PHONE, message=_l("Enter a phone number.")),
                                    Length(max=40)])
    submit = SubmitField(_l("Register as a guest"))


class ActionForm(FlaskForm):
    """A button that changes something (cancel, check in, approve): only the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class BaseForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    host_organisation = StringField(_l("Host organisation"), filters=[strip],
                                    validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Street address"), filters=[strip], validators=[Optional(), Length(max=300)])
    themes = StringField(_l("Themes"), filters=[strip], validators=[Optional(), Length(max=500)],
                         description=_l("Separate themes with commas."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    designated_on = DateField(_l("Designated on"), validators=[Optional(), plausible])
    status = SelectField(_l("Status"))
    photos = FileField(_l("Add photos"), render_kw={"multiple": True, "accept": "image/*"})
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [choice(key, label) for key, label in BASE_STATUSES.items()]


class VolunteerForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    background = SelectField(_l("Background"))
    expertise = StringField(_l("Expertise"), filters=[strip], validators=[DataRequired(), Length(max=500)],
                            description=_l("For example: PDCA, QC tools, lean production."))
    availability = StringField(_l("Availability"), filters=[strip], validators=[DataRequired(), Length(max=300)],
                               description=_l("For example: weekday mornings, twice a month."))
    bio = TextAreaField(_l("Short biography"), validators=[Optional(), Length(max=2000)])
    phone = StringField(_l("Phone (never shown publicly)"), filters=[strip],
                        validators=[DataRequired(), Regexp(PHONE, message=_l("Enter a phone number.")),
                                    Length(max=40)])
    show_name = BooleanField(_l("Show my name on the public roster"))
    show_background = BooleanField(_l("Show my background"))
    show_expertise = BooleanField(_l("Show my expertise"))
    show_availability = BooleanField(_l("Show my availability"))
    show_bio = BooleanField(_l("Show my biography"))
    submit = SubmitField(_l("Send my application"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.background.choices = [choice(key, label) for key, label in BACKGROUNDS.items()]
