"""Forms for signing in, registering, resetting and managing one's own account."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from core.users.passwords import MAX_LENGTH, password_problem

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def printable(form, field):
    """Refuse control characters (a NUL alone makes PostgreSQL fail)."""
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("Remove the control characters from this field."))


def acceptable_password(form, field):
    """The password policy, checked against the owner's e-mail and name."""
    email, name = form.password_owner()
    problem = password_problem(field.data or "", email=email, name=name)
    if problem:
        raise ValidationError(str(problem))


class NewPasswordMixin:
    """A form that sets a password; ``owner`` is the user when no e-mail/name fields exist."""

    owner = None

    def password_owner(self):
        if self.owner is not None:
            return self.owner.email, self.owner.name
        email = getattr(self, "email", None)
        name = getattr(self, "name", None)
        return (email.data if email else None), (name.data if name else None)


def new_password_field(label):
    return PasswordField(label, validators=[DataRequired(), acceptable_password])


def confirm_field(other="password"):
    return PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo(other, message=_l("The two passwords do not match."))],
    )


def email_field():
    return EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), Email()])


def name_field():
    return StringField(_l("Name"), validators=[DataRequired(), Length(max=120), printable])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class TotpLoginForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("Confirm"))


class RegisterForm(NewPasswordMixin, FlaskForm):
    email = email_field()
    name = name_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Register"))


class InvitedRegisterForm(NewPasswordMixin, FlaskForm):
    """The e-mail address comes from the invitation; ``owner`` carries it for the policy."""

    name = name_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Create my account"))

    invited_email = None

    def password_owner(self):
        return self.invited_email, self.name.data


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Set the new password"))


class ProfileForm(FlaskForm):
    name = name_field()
    locale = SelectField(_l("Preferred language"), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    password = new_password_field(_l("New password"))
    confirm = confirm_field()
    submit = SubmitField(_l("Change the password"))


class TotpConfirmForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("Turn on two-step sign-in"))


class TotpDisableForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("Turn off two-step sign-in"))


class TokenCreateForm(FlaskForm):
    token_name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=100), printable],
        description=_l("What the token is for, e.g. the script that uses it."),
    )
    submit = SubmitField(_l("Create token"))
