"""Admin: the theme, the site description and contact, and the home page's blocks."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.forms import choice, strip
from core.pagecache import content_changed
from core.pages import blocks, seo
from core.pages.models import set_setting
from core.pages.themes import SETTING as THEME_SETTING
from core.pages.themes import get_themes
from core.permissions import permission_required

MAX_ORDER = 1000

# Readable names for the themes shipped with Guildhall; other themes show their folder name.
THEME_LABELS = {
    "default": _l("Default: white header, blue accents"),
    "classic": _l("Classic: red masthead, serif headings"),
}



class SiteForm(FlaskForm):
    theme = SelectField(_l("Theme"), validators=[DataRequired()])
    description = TextAreaField(
        _l("Site description"),
        filters=[strip],
        validators=[Optional(), Length(max=300)],
        description=_l("Shown to search engines and when a page is shared, unless the page has its own."),
    )
    address = StringField(_l("Postal address"), filters=[strip], validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=60)])
    email = EmailField(_l("Contact e-mail"), filters=[strip], validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save"))


def block_rows(available, submitted):
    """(block, shown, position) for the form: as submitted, else in the order the home page shows them."""
    if submitted:
        return [
            (block, bool(request.form.get(f"show-{block.name}")), request.form.get(f"order-{block.name}", ""))
            for block in available
        ]
    shown = blocks.home_blocks()
    names = [block.name for block in shown]
    rows = [(block, True, index + 1) for index, block in enumerate(shown)]
    rest = [block for block in available if block.name not in names]
    return rows + [(block, False, len(rows) + index + 1) for index, block in enumerate(rest)]


def chosen_blocks(available):
    """The shown and the hidden block names from the submitted form, or None with an error message."""
    positions = {}
    for index, block in enumerate(available):
        raw = request.form.get(f"order-{block.name}", "").strip()
        try:
            position = int(raw) if raw else MAX_ORDER + index
        except ValueError:
            position = None
        if position is None or not -MAX_ORDER <= position <= MAX_ORDER * 2:
            return None, None, _("Positions must be whole numbers.")
        positions[block.name] = (position, index)
    shown = [name for name in sorted(positions, key=positions.get) if request.form.get(f"show-{name}")]
    hidden = [name for name in positions if name not in shown]
    return shown, hidden, None


@bp.route("/site/", methods=["GET", "POST"])
@permission_required("site.manage")
def site():
    themes = get_themes()
    form = SiteForm()
    form.theme.choices = [choice(name, THEME_LABELS.get(name, name)) for name in themes.available()]
    available = blocks.available_blocks()
    block_error = None
    if not form.is_submitted():
        contact = seo.site_contact()
        form.theme.data = themes.current()
        form.description.data = seo.site_description()
        form.address.data, form.phone.data, form.email.data = (contact.get(k, "") for k in ("address", "phone", "email"))
    else:
        shown, hidden, block_error = chosen_blocks(available)
        if form.validate_on_submit() and block_error is None:
            set_setting(THEME_SETTING, form.theme.data)
            set_setting(seo.DESCRIPTION_SETTING, form.description.data or "")
            set_setting(
                seo.CONTACT_SETTING,
                {"address": form.address.data or "", "phone": form.phone.data or "", "email": form.email.data or ""},
            )
            set_setting(blocks.SETTING, shown)
            set_setting(blocks.HIDDEN_SETTING, hidden)
            audit("site.saved", form.theme.data, home_blocks=shown)
            db.session.commit()
            themes.forget()
            content_changed()
            flash(_("The site settings have been saved."), "success")
            return redirect(url_for("admin.site"))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "admin/site.html", form=form, rows=block_rows(available, form.is_submitted()), block_error=block_error
        ),
        status,
    )
