"""Screening: the decision on one entry, the bulk action on the list, and the list's filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from core.forms import choice, strip
from plugins.competitions.entries import REASON_MAX


def action_choices():
    return [choice("pass", _l("Pass")), choice("reject", _l("Reject")), choice("reset", _l("Reset to awaiting"))]


class DecisionForm(FlaskForm):
    action = RadioField(_l("Decision"), choices=action_choices(), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[Length(max=REASON_MAX)],
                           description=_l("Required when an entry is not admitted; the member sees it."))
    decide = SubmitField(_l("Record decision"))


class BulkForm(FlaskForm):
    entry_ids = SelectMultipleField(_l("Entries"), coerce=int, validate_choice=False)
    action = SelectField(_l("Action"), choices=action_choices(), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[Length(max=REASON_MAX)])
    apply = SubmitField(_l("Apply to selected"))
