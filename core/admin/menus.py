"""Admin: the main and footer menus, arranged by editors."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from core.admin.views import bp
from core.audit import audit
from core.extensions import db
from core.forms import choice, strip
from core.pagecache import content_changed
from core.pages import menus as site_menus
from core.pages.models import MENUS, STATUSES, MenuItem, Page, Section
from core.permissions import permission_required

KINDS = {
    "page": _l("A page"),
    "section": _l("A news section"),
    "url": _l("An address (URL)"),
    "plugin": _l("An entry a plugin offers"),
}



def url_problem(url):
    """Why an address may not go into a menu, or None."""
    if not url:
        return _("Enter an address.")
    if site_menus.is_safe_url(url):
        return None
    if site_menus.UNSAFE_URL_CHARACTERS.search(url):
        return _("The address may not contain spaces, backslashes or control characters.")
    return _("Only http:// and https:// addresses or addresses on this site (starting with /) are allowed.")


class MenuItemForm(FlaskForm):
    menu = SelectField(_l("Menu"), validators=[DataRequired()])
    kind = SelectField(_l("Link to"), validators=[DataRequired()])
    page = SelectField(_l("Page"), coerce=int, validate_choice=False)
    section = SelectField(_l("News section"), coerce=int, validate_choice=False)
    url = StringField(_l("Address (URL)"), filters=[strip], validators=[Optional(), Length(max=400)])
    plugin_entry = SelectField(_l("Plugin entry"), validate_choice=False)
    label = StringField(
        _l("Label (Chinese)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
        description=_l("Leave empty to use the title of the page, section or entry."),
    )
    label_en = StringField(_l("Label (English)"), filters=[strip], validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Add to the menu"))

    def fill_choices(self, offered):
        self.menu.choices = [choice(key, str(label)) for key, label in MENUS.items()]
        self.kind.choices = [choice(key, str(label)) for key, label in KINDS.items()]
        pages = db.session.scalars(db.select(Page).where(Page.section_id.is_(None)).order_by(Page.title)).all()
        self.page.choices = [choice(0, "—")] + [
            choice(page.id, f"{page.title} ({STATUSES.get(page.status, page.status)})") for page in pages
        ]
        sections = db.session.scalars(db.select(Section).order_by(Section.position, Section.title)).all()
        self.section.choices = [choice(0, "—")] + [choice(section.id, section.title) for section in sections]
        self.plugin_entry.choices = [choice("", "—")] + [choice(key, str(item.label)) for key, item in offered.items()]
        self.offered = offered

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        kind = self.kind.data
        if kind == "page" and db.session.get(Page, self.page.data or 0) is None:
            self.page.errors.append(_("Choose a page."))
        elif kind == "section" and db.session.get(Section, self.section.data or 0) is None:
            self.section.errors.append(_("Choose a news section."))
        elif kind == "url" and (problem := url_problem(self.url.data)):
            self.url.errors.append(problem)
        elif kind == "plugin" and self.plugin_entry.data not in self.offered:
            self.plugin_entry.errors.append(_("Choose one of the entries the enabled plugins offer."))
        return not any(field.errors for field in self)


class MenuItemEditForm(FlaskForm):
    label = MenuItemForm.label
    label_en = MenuItemForm.label_en
    url = MenuItemForm.url
    hidden = BooleanField(_l("Hidden (kept in the list, not shown to visitors)"))
    submit = SubmitField(_l("Save"))

    def __init__(self, item, *args, **kwargs):
        super().__init__(*args, obj=item, **kwargs)
        self.item = item

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.item.url is not None and (problem := url_problem(self.url.data)):
            self.url.errors.append(problem)
            return False
        return True


def menu_rows(menu):
    return db.session.scalars(
        db.select(MenuItem).where(MenuItem.menu == menu).order_by(MenuItem.position, MenuItem.id)
    ).all()


def describe(item, offered):
    """(kind label, target text, target URL or None, warning or None) for the admin list."""
    if item.page_id is not None:
        page = item.page
        warning = None if page.is_visible() else _("The page is not published: visitors do not see this entry.")
        return KINDS["page"], page.title, page.url, warning
    if item.section_id is not None:
        return KINDS["section"], item.section.title, url_for("pages.section", slug=item.section.slug), None
    if item.plugin_entry:
        nav = offered.get(item.plugin_entry)
        if nav is None:
            return KINDS["plugin"], item.plugin_entry, None, _("The plugin is disabled: the entry is not shown.")
        return KINDS["plugin"], str(nav.label), site_menus.nav_item_url(nav), None
    return KINDS["url"], item.url, item.url, None


def changed(action, item, **detail):
    audit(f"menu.{action}", item.id, menu=item.menu, **detail)
    db.session.commit()
    content_changed()


@bp.route("/menus/", methods=["GET", "POST"])
@permission_required("content.edit")
def menus():
    offered = site_menus.offered_entries()
    form = MenuItemForm()
    form.fill_choices(offered)
    if form.validate_on_submit():
        rows = menu_rows(form.menu.data)
        item = MenuItem(
            menu=form.menu.data,
            position=(rows[-1].position + 1) if rows else 0,
            label=form.label.data or "",
            label_en=form.label_en.data or "",
        )
        kind = form.kind.data
        if kind == "page":
            item.page_id = form.page.data
        elif kind == "section":
            item.section_id = form.section.data
        elif kind == "url":
            item.url = form.url.data
        else:
            item.plugin_entry = form.plugin_entry.data
        db.session.add(item)
        db.session.flush()
        changed("added", item, kind=kind)
        flash(_("The entry has been added to the menu."), "success")
        return redirect(url_for("admin.menus"))
    status = 400 if form.is_submitted() else 200
    listing = {
        menu: [(item, *describe(item, offered)) for item in menu_rows(menu)] for menu in MENUS
    }
    placed = {item.plugin_entry for rows in listing.values() for item, *_rest in rows if item.plugin_entry}
    unplaced = [item for key, item in offered.items() if key not in placed]
    return render_template("admin/menus.html", form=form, menus=MENUS, listing=listing, unplaced=unplaced), status


@bp.route("/menus/<int:item_id>/edit", methods=["GET", "POST"])
@permission_required("content.edit")
def menu_edit(item_id):
    item = db.get_or_404(MenuItem, item_id)
    form = MenuItemEditForm(item)
    if form.validate_on_submit():
        item.label = form.label.data or ""
        item.label_en = form.label_en.data or ""
        item.hidden = form.hidden.data
        if item.url is not None:
            item.url = form.url.data
        changed("edited", item)
        flash(_("The menu entry has been saved."), "success")
        return redirect(url_for("admin.menus"))
    offered = site_menus.offered_entries()
    status = 400 if form.is_submitted() else 200
    return render_template("admin/menu_edit.html", form=form, item=item, target=describe(item, offered)), status


@bp.route("/menus/<int:item_id>/move", methods=["POST"])
@permission_required("content.edit")
def menu_move(item_id):
    item = db.get_or_404(MenuItem, item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    rows = menu_rows(item.menu)
    index = rows.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    changed("moved", item, direction=direction)
    return redirect(url_for("admin.menus", _anchor=f"menu-{item.menu}"))


@bp.route("/menus/<int:item_id>/toggle", methods=["POST"])
@permission_required("content.edit")
def menu_toggle(item_id):
    item = db.get_or_404(MenuItem, item_id)
    item.hidden = not item.hidden
    changed("hidden" if item.hidden else "shown", item)
    flash(_("The entry is hidden.") if item.hidden else _("The entry is shown again."), "success")
    return redirect(url_for("admin.menus", _anchor=f"menu-{item.menu}"))


@bp.route("/menus/<int:item_id>/delete", methods=["POST"])
@permission_required("content.edit")
def menu_delete(item_id):
    item = db.get_or_404(MenuItem, item_id)
    menu = item.menu
    db.session.delete(item)
    changed("deleted", item)
    flash(_("The entry has been removed from the menu."), "success")
    return redirect(url_for("admin.menus", _anchor=f"menu-{menu}"))
