"""The member's entry form, shaped by the competition's entry_fields, and the attachment upload form.

Only the fields offered here reach the service (entries.clean_data keeps the member
fields); status, screening, number and dates are never form fields.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choice, strip
from plugins.competitions import entries as service


class EntryForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=True)
    title = StringField(_l("Project title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False)
    team_members = TextAreaField(_l("Team members"), validators=[Optional(), Length(max=service.TEAM_MAX)],
                                 description=_l("One person per line."))
    summary = TextAreaField(_l("Project summary"), validators=[Optional(), Length(max=service.SUMMARY_MAX)],
                            description=_l("Plain text. Leave an empty line between paragraphs."))
    body = TextAreaField(_l("Text of the entry"), validators=[Optional(), Length(max=service.BODY_MAX)],
                         description=_l("Plain text, such as the essay itself. Leave an empty line between "
                                        "paragraphs."))
    attachments = MultipleFileField(_l("Attachments"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit"))


def entry_form(competition, organisations=None, entry=None, **kwargs):
    """An EntryForm for ``competition``: organisation choice only when creating for one of several,
    fields switched off removed, the title labelled as configured."""
    form = EntryForm(obj=entry, **kwargs)
    form.title.label.text = service.title_label(competition)
    form.category_id.choices = [choice(category.id, category.name) for category in competition.categories]
    if organisations and entry is None and len(organisations) > 1:
        form.organisation_id.choices = [choice(org.id, org.name) for org in organisations]
    else:
        del form.organisation_id
    for name in service.TEXT_FIELDS:
        mode = competition.entry_setting(name)
        if mode == "off":
            delattr(form, name)
        elif mode == "required":
            getattr(form, name).flags.required = True
    if entry is not None or competition.entry_setting("attachments") == "off":
        del form.attachments  # an existing entry's files are managed on its own page
    return form


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"))
    upload = SubmitField(_l("Upload"))


class ActionForm(FlaskForm):
    """A one-click action (submit, withdraw, remove a file): only the CSRF token."""
