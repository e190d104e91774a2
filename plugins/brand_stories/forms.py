"""Forms of live finals. Field checks live here; checks that need the database are in
setup.py and finalists.py and run from the views."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import choice, strip

from .models import VIEWER_MODES
from .setup import PRESENTER_MAX, TITLE_MAX

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
LIKES_CAP_RANGE = (1, 1000)
MAX_BATCH_RANGE = (1, 1000)
RATE_RANGE = (1, 100000)
LIKES_WEIGHT_MAX = 30  # percent: the audience adds to the judges' verdict, it does not replace it
LIKES_BASES = {"relative": _l("Relative to the most scoring likes in the category"),
               "rank_points": _l("Rank points: by place in scoring likes within the category")}
TOP_N_MAX = 1000


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def plausible_date(form, field):
    if field.data and not 1900 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


def _whole(label, low, high, description=None):
    return IntegerField(label, validators=[InputRequired(message=_l("Enter a whole number.")),
                                           NumberRange(low, high)], description=description)


class FinalSettingsForm(FlaskForm):
    preliminary_id = SelectField(_l("Preliminary round"), coerce=int, validate_choice=False,
                                 description=_l("The competition whose published results the finalists come from."))
    likes_cap = _whole(_l("Scoring likes per viewer and finalist (K)"), *LIKES_CAP_RANGE,
                       description=_l("A viewer's taps beyond K still show as hearts but do not count toward "
                                      "the score."))
    likes_weight = _whole(_l("Weight of the likes in the final score (%)"), 0, LIKES_WEIGHT_MAX,
                          description=_l("0 to 30: the rest is the judges' score."))
    likes_basis = SelectField(_l("How scoring likes become a score"),
                              choices=[choice(key, label) for key, label in LIKES_BASES.items()])
    viewers = SelectField(_l("Who may like"), choices=[choice(key, label) for key, label in VIEWER_MODES.items()])
    max_batch = _whole(_l("Most taps in one batch"), *MAX_BATCH_RANGE)
    viewer_batches_per_minute = _whole(_l("Batches per viewer per minute"), *RATE_RANGE)
    ip_batches_per_minute = _whole(_l("Batches per network address per minute"), *RATE_RANGE,
                                   description=_l("A venue's audience shares a few addresses: keep this high."))
    submit = SubmitField(_l("Save"))

    def settings(self):
        return {"likes_cap": self.likes_cap.data, "viewers": self.viewers.data, "max_batch": self.max_batch.data,
                "viewer_batches_per_minute": self.viewer_batches_per_minute.data,
                "ip_batches_per_minute": self.ip_batches_per_minute.data,
                "likes_weight": self.likes_weight.data, "likes_basis": self.likes_basis.data}


class NewFinalForm(FinalSettingsForm):
    competition_id = SelectField(_l("The final's competition"), coerce=int, validate_choice=False,
                                 description=_l("Its entries are the finalists."))
    submit = SubmitField(_l("Create"))


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=TITLE_MAX)])
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=False,
                              description=_l("The running order then takes finalists of this category only."))
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMATS, validators=[Optional(), plausible_date],
                                   description=_l("Local time; optional."))
    submit = SubmitField(_l("Save"))


class SlotForm(FlaskForm):
    entry_id = SelectField(_l("Finalist"), coerce=int, validate_choice=False)
    presenter = StringField(_l("Presenter"), filters=[strip], validators=[Optional(), Length(max=PRESENTER_MAX)])
    submit = SubmitField(_l("Add to the running order"))


class PresenterForm(FlaskForm):
    presenter = StringField(_l("Presenter"), filters=[strip], validators=[Optional(), Length(max=PRESENTER_MAX)])
    submit = SubmitField(_l("Save"))


def finalists_form(categories):
    """The promotion form: a "top N" number per preliminary category (fields ``top_<id>``) and the
    ``add_to_order`` switch; the hand-ticked entries come as ``entry`` values."""

    class FinalistsForm(FlaskForm):
        add_to_order = BooleanField(_l("Add them to the running order of their category's session"), default=True)
        submit = SubmitField(_l("Promote"))

    for category in categories:
        setattr(FinalistsForm, f"top_{category.id}", IntegerField(
            _l("Top entries of %(category)s", category=category.name), default=0,
            validators=[Optional(), NumberRange(0, TOP_N_MAX)]))
    return FinalistsForm
