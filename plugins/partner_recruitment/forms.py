"""Flask-WTF forms: programme settings, the field editor, review actions.

The application form itself is built from the form version (fields.py); its FlaskForm
only carries the CSRF token.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import choice, strip
from plugins.partner_recruitment.fields import FILE_KINDS, TYPES


class CsrfForm(FlaskForm):
    pass


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Address"), filters=[strip],
                       validators=[DataRequired(), Length(max=80), Regexp(r"^[a-z0-9][a-z0-9-]*$",
                                                                          message=_l("Lower-case letters, digits and -."))],
                       description=_l("Part of the web address: /partners/<address>"))
    confirm_slug_change = BooleanField(_l("I know printed QR codes will stop working"),
                                       description=_l("Needed to change the address of a published programme: "
                                                      "printed QR codes and shared links keep the old one."))
    summary = TextAreaField(_l("Introduction"), filters=[strip], validators=[Length(max=5000)])
    advantages = TextAreaField(_l("Platform advantages"), filters=[strip], validators=[Length(max=5000)],
                               description=_l("One per line."))
    conditions = TextAreaField(_l("Basic conditions"), filters=[strip], validators=[Length(max=5000)],
                               description=_l("One per line."))
    steps = TextAreaField(_l("Process steps"), filters=[strip], validators=[Length(max=5000)],
                          description=_l("One step per line, in order: title | description."))
    contact = TextAreaField(_l("Contact"), filters=[strip], validators=[Length(max=2000)])
    hotline = StringField(_l("Hotline"), filters=[strip], validators=[Length(max=60)])
    statuses = TextAreaField(_l("Review statuses"), filters=[strip], validators=[DataRequired(), Length(max=5000)],
                             description=_l("One per line, in pipeline order: key | label | shared or internal. "
                                            "The applicant is told about shared statuses."))
    managers = TextAreaField(_l("Managers"), filters=[strip], validators=[Length(max=5000)],
                             description=_l("E-mail addresses, one per line. Only they see the applications."))
    published = BooleanField(_l("Show the programme's page"))
    open_for_applications = BooleanField(_l("Take applications"))
    allow_anonymous = BooleanField(_l("Visitors may apply without signing in"))
    one_per_organisation = BooleanField(_l("One application per organisation (applicants sign in)"))
    retention_days = IntegerField(_l("Keep applications for (days)"), default=730,
                                  validators=[DataRequired(), NumberRange(min=30, max=3650)],
                                  description=_l("After this the applications are anonymised by "
                                                 "flask partners anonymise-expired."))
    submit = SubmitField(_l("Save"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FieldForm(FlaskForm):
    label = StringField(_l("Label"), filters=[strip], validators=[DataRequired(), Length(max=300)])
    key = StringField(_l("Key"), filters=[strip], validators=[Optional(), Length(max=40)],
                      description=_l("Optional; made from the label if empty. It never changes afterwards."))
    type = SelectField(_l("Type"), choices=[choice(k, v) for k, v in TYPES.items()])
    required = BooleanField(_l("Required"))
    help_text = StringField(_l("Help text"), filters=[strip], validators=[Length(max=500)])
    options = TextAreaField(_l("Options"), filters=[strip], validators=[Length(max=5000)],
                            description=_l("Choice fields: one option per line."))
    min_value = StringField(_l("Minimum"), filters=[strip], validators=[Length(max=20)],
                            description=_l("Numbers: the smallest value; dates: the earliest, as YYYY-MM-DD."))
    max_value = StringField(_l("Maximum"), filters=[strip], validators=[Length(max=20)])
    min_length = IntegerField(_l("Shortest text (characters)"), validators=[Optional(), NumberRange(min=1, max=5000)])
    max_length = IntegerField(_l("Longest text (characters)"), validators=[Optional(), NumberRange(min=1, max=5000)])
    kinds = MultiCheckboxField(_l("Accepted files"), choices=[choice(k, v) for k, v in FILE_KINDS.items()])
    default = StringField(_l("Value of a hidden field"), filters=[strip], validators=[Length(max=200)],
                          description=_l("A query parameter with the field's key overrides it, e.g. ?source=qr."))
    show_if_field = SelectField(_l("Show only when field"), choices=[], validate_choice=False)
    show_if_value = StringField(_l("has the value"), filters=[strip], validators=[Length(max=300)])
    submit = SubmitField(_l("Save field"))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Note (internal)"), filters=[strip], validators=[Length(max=2000)])
    submit = SubmitField(_l("Change status"))


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Reviewer"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Assign"))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Internal note"), filters=[strip], validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Add note"))


class BulkForm(FlaskForm):
    ids = HiddenField()
    status = SelectField(_l("Move the selected applications to"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Apply to selected"))
