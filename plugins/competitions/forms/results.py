"""Forms of the results admin: publishing, unpublishing and manual special awards."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from plugins.competitions.access import MAX_ID


class ConfirmForm(FlaskForm):
    """A one-click action (publish, unpublish): only the CSRF token."""


class SpecialWinnerForm(FlaskForm):
    """Give a manual special award to an entry, or take it back."""

    award_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    entry_id = SelectField(_l("Entry"), coerce=int, validate_choice=False,
                           validators=[DataRequired(), NumberRange(min=1, max=MAX_ID)])
    action = HiddenField(validators=[DataRequired()], default="add")
    submit = SubmitField(_l("Give the award"))

    def validate_action(self, field):
        if field.data not in ("add", "remove"):
            raise ValidationError(_l("Invalid value."))
