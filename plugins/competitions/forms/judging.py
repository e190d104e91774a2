"""Forms of the judging pages. Choices are filled by the views from the competition, so a forged
id (another competition's entry, panel or category) fails validation as "not a valid choice"."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError


def strip(value):
    return value.strip() if isinstance(value, str) else value


def not_blank(form, field):
    if not (field.data or "").strip():
        raise ValidationError(_l("This field is required."))


def optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ActionForm(FlaskForm):
    """A one-click action (CSRF only)."""


class PanelForm(FlaskForm):
    name = StringField(_l("Panel name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    category_id = SelectField(_l("Category"), coerce=optional_int, validate_choice=True,
                              description=_l("Leave empty for a session across categories."))
    submit = SubmitField(_l("Create panel"))


class RenamePanelForm(FlaskForm):
    name = StringField(_l("New name"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Rename"))


class PanelJudgeForm(FlaskForm):
    email = EmailField(_l("Judge's e-mail address"), filters=[strip],
                       validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Add judge"))


class MoveEntryForm(FlaskForm):
    entry_id = SelectField(_l("Entry"), coerce=int, validate_choice=True)
    panel_id = SelectField(_l("Panel"), coerce=optional_int, validate_choice=True)
    submit = SubmitField(_l("Move entry"))


class ConflictForm(FlaskForm):
    judge_id = SelectField(_l("Judge"), coerce=int, validate_choice=True)
    entry_id = SelectField(_l("Entry"), coerce=optional_int, validate_choice=True)
    organisation_id = SelectField(_l("Organisation"), coerce=optional_int, validate_choice=True)
    reason = StringField(_l("Reason"), filters=[strip], validators=[not_blank, Length(max=500)])
    submit = SubmitField(_l("Record conflict"))

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if (self.entry_id.data is None) == (self.organisation_id.data is None):
            self.entry_id.errors.append(_l("Choose either an entry or an organisation."))
            return False
        return True


class AssignForm(FlaskForm):
    entry_id = SelectField(_l("Entry"), coerce=int, validate_choice=True)
    judge_id = SelectField(_l("Judge"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Assign"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), filters=[strip], validators=[not_blank, Length(max=500)])
    submit = SubmitField(_l("Reopen"))


class DeclareConflictForm(FlaskForm):
    reason = StringField(_l("Reason"), filters=[strip], validators=[not_blank, Length(max=500)])
    submit = SubmitField(_l("Declare a conflict"))


class SheetForm(FlaskForm):
    """The scoring screen. The per-criterion inputs (score-<id>, comment-<id>) are read by the view
    and checked by judging.save_sheet against the competition's own rubric."""

    comment = TextAreaField(_l("Overall comment"), validators=[Length(max=10000)])
    save = SubmitField(_l("Save"))
    submit_sheet = SubmitField(_l("Submit and lock"))
