from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from core.extensions import db
from core.forms import choice
from core.permissions import public
from core.plugins import get_host

bp = Blueprint("pages", __name__)


class LanguageForm(FlaskForm):
    lang = SelectField(validators=[DataRequired()])
    next = HiddenField()


@bp.route("/")
@public
def home():
    blocks = sorted(
        (block for block in get_host().collect("register_content_blocks") if block.home),
        key=lambda block: block.order,
    )
    return render_template("pages/home.html", blocks=blocks)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    form.lang.choices = [choice(code, label) for code, label in current_app.config["LANGUAGES"].items()]
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    target = form.next.data or ""
    # Only same-site paths: never redirect to another host.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("pages.home")
    return redirect(target)

# Search has its own module; imported last because it imports bp.
from core.pages import search_views  # noqa: E402,F401
