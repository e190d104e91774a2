"""Forms of the public vote: the vote button (CSRF only) and the manager's "void these votes" form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from plugins.competitions.access import MAX_ID
from plugins.competitions.voting import VOID_REASON_MAX

MAX_VOIDED_AT_ONCE = 100_000


class VoteForm(FlaskForm):
    """A vote is one click: the form carries only the CSRF token; the entry is in the URL."""


def parse_ids(raw):
    """"1,2, 3" -> [1, 2, 3]; ValueError on anything else."""
    ids = []
    for part in (raw or "").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(part)
        value = int(part)
        if not 0 < value <= MAX_ID:
            raise ValueError(part)
        ids.append(value)
    return ids


class VoidForm(FlaskForm):
    vote_ids = HiddenField(_l("Votes"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason for voiding these votes.")),
                                                     Length(max=VOID_REASON_MAX)],
                           description=_l("Kept with each voided vote and in the audit log."))

    def validate_vote_ids(self, field):
        try:
            ids = parse_ids(field.data)
        except ValueError:
            raise ValidationError(_l("The list of votes is not valid.")) from None
        if not ids:
            raise ValidationError(_l("No votes were chosen."))
        if len(ids) > MAX_VOIDED_AT_ONCE:
            raise ValidationError(_l("Too many votes at once."))
        self.ids = ids
