"""Forms of live finals."""
from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
