"""Admin: pages and news (list, tree, editor, revisions) and news sections."""
import difflib
import re
from datetime import datetime
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_

from core.admin.forms import ConfirmForm
from core.admin.views import bp
from core.audit import audit
from core.extensions import db, login_manager
from core.forms import choice
from core.pages import gallery, service
from core.pages.forms import PageForm, SectionDeleteForm, SectionForm
from core.pages.models import STATUSES, Page, PageRevision, Section
from core.pages.service import FIELDS, PageError
from core.permissions import ACCESS_ATTR, permission_required
from core.storage import media_url
from core.storage.models import Media
from core.web import CSP

PER_PAGE = 25
# The editor sets style attributes on its own toolbar and dialogs; scripts stay 'self' only.
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
DIFF_LINE_BREAKS = re.compile(r"(</(?:p|h[2-4]|li|tr|table|figure|blockquote|pre|ul|ol)>|<br>|<hr>)")


# -- who may edit what -----------------------------------------------------------


def page_editor_required(view):
    """content.edit, or a scoped edit permission that a section or page root carries
    (service.edit_scopes); each view then checks the page itself (editable_or_403)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not service.may_edit_some(current_user):
            abort(403)
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, f"permission:{service.SITE_WIDE}")
    return wrapper


def scopes():
    return service.edit_scopes(current_user)


def editable_or_403(page_id):
    page = db.get_or_404(Page, page_id)
    if not service.may_edit_page(current_user, page):
        abort(403)
    return page


def is_scope_root(page):
    current = scopes()
    return current is not None and page.id in service.scope_root_ids(current)


# -- helpers --------------------------------------------------------------------


def ordered_sections():
    return db.session.scalars(db.select(Section).order_by(Section.position, Section.id)).all()


def writable_sections():
    current = scopes()
    if current is None:
        return ordered_sections()
    allowed = service.scoped_section_ids(current)
    return [section for section in ordered_sections() if section.id in allowed]


def writable_tree():
    current = scopes()
    if current is None:
        return page_tree()
    allowed = service.scoped_page_ids(current)
    return [(page, depth) for page, depth in page_tree() if page.id in allowed]


def page_tree():
    """[(page, depth)] of every fixed page, depth-first in the editors' order."""
    pages = db.session.scalars(
        db.select(Page).where(Page.section_id.is_(None)).order_by(Page.position, Page.id)
    ).all()
    children = {}
    for page in pages:
        children.setdefault(page.parent_id, []).append(page)
    known = {page.id for page in pages}
    result, seen = [], set()

    def walk(parent_id, depth):
        for page in children.get(parent_id, []):
            if page.id not in seen:
                seen.add(page.id)
                result.append((page, depth))
                walk(page.id, depth + 1)

    walk(None, 0)
    for page in pages:  # a parent that is no fixed page (data from elsewhere): show at top level
        if page.id not in seen and page.parent_id not in known:
            seen.add(page.id)
            result.append((page, 0))
            walk(page.id, 1)
    return result


def parent_choices(page):
    excluded = set()
    if page is not None and page.id is not None:
        excluded = {page.id} | service._descendant_ids(page)
    choices = [(p, "\u2014 " * depth + p.title) for p, depth in writable_tree() if p.id not in excluded]
    if page is not None and page.parent is not None and page.parent not in [p for p, _label in choices]:
        choices.insert(0, (page.parent, page.parent.title))  # a scope root keeps its parent outside the scope
    return choices


def build_form(page, kind, **kwargs):
    form = PageForm(sections=writable_sections(), parents=parent_choices(page), **kwargs)
    form.kind.data = kind
    # A news post has a section and no parent, a fixed page the opposite: only one is in the form.
    del form["parent_id" if kind == "news" else "section_id"]
    return form


def render_page_form(form, page, kind):
    cover = None
    if form.cover_id.data:
        try:
            cover = db.session.get(Media, int(form.cover_id.data))
        except (TypeError, ValueError):
            cover = None
    response = render_template(
        "admin/page_form.html",
        form=form,
        page=page,
        kind=kind,
        statuses=STATUSES,
        cover=cover,
        cover_thumb=media_url(cover, thumb=True) if cover is not None and not cover.private else "",
        public_url=page.url if page is not None else None,
        latest=service.latest_revision_number(page) if page is not None else 0,
        gallery_picks=gallery.editor_picks(page, submitted_gallery()),
        gallery_errors=getattr(form, "gallery_errors", []),
        gallery_marker=gallery.MARKER,
    )
    return response, 200, {"Content-Security-Policy": EDITOR_CSP}


def submitted_gallery():
    """The gallery of a re-shown form as submitted (None: show the stored one)."""
    if request.method != "POST":
        return None
    try:
        return gallery.submitted(request.form)
    except gallery.GalleryError:
        return None


def try_save(form, page, kind):
    """Save a submitted, valid form; on a refusal put the message on its field and return None."""
    data = form.service_data()
    data["kind"] = kind
    problem = service.scope_problem(current_user, page, data["section_id"], data["parent_id"])
    if problem:
        target = form.section_id if kind == "news" else form.parent_id
        target.errors = list(target.errors) + [problem]
        return None
    root_problem = service.scope_root_problem(current_user, page, data.get("slug"), data["parent_id"])
    if root_problem:
        target = form[root_problem[0]] if root_problem[0] in form else form.slug
        target.errors = list(target.errors) + [root_problem[1]]
        return None
    if service.keeps_featured(current_user):
        data["featured"] = bool(page.featured)
    try:  # into the session before the save, which commits it with the page or rolls both back
        entries = gallery.submitted(request.form)
        if entries is not None:
            gallery.set_gallery(page, entries)
    except gallery.GalleryError as error:
        form.gallery_errors = [error.message]
        return None
    try:
        return service.save_page(page, data, current_user._get_current_object(), form.note.data)
    except PageError as error:
        target = getattr(form, error.field, None) if error.field else None
        if error.field == "base_revision":
            # Keep every typed character; the next save knowingly replaces the newer version.
            form.base_revision.data = str(service.latest_revision_number(page))
            form.conflict = error.message
        elif target is not None:
            target.errors = list(target.errors) + [error.message]
        else:
            form.form_error = error.message
        return None


# -- list and tree --------------------------------------------------------------


@bp.route("/pages/")
@page_editor_required
def pages():
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    section_id = request.args.get("section", type=int)
    query = request.args.get("q", "").strip()[:200]
    select = db.select(Page).order_by(Page.updated_at.desc(), Page.id.desc())
    if kind == "news":
        select = select.where(Page.section_id.is_not(None))
    elif kind == "page":
        select = select.where(Page.section_id.is_(None))
    else:
        kind = ""
    if status in STATUSES:
        select = select.where(Page.status == status)
    else:
        status = ""
    if section_id:
        select = select.where(Page.section_id == section_id)
    if query:
        pattern = f"%{query}%"
        select = select.where(or_(Page.title.ilike(pattern), Page.slug.ilike(pattern), Page.summary.ilike(pattern)))
    if scopes() is not None:
        select = select.where(service.editable_filter(scopes()))
    pagination = db.paginate(select, per_page=PER_PAGE, error_out=False)
    filters = {"kind": kind, "status": status, "section": section_id or "", "q": query}
    return render_template(
        "admin/pages.html",
        pagination=pagination,
        sections=writable_sections(),
        statuses=STATUSES,
        filters=filters,
    )


@bp.route("/pages/tree")
@page_editor_required
def page_tree_view():
    return render_template("admin/page_tree.html", tree=writable_tree())


@bp.route("/pages/<int:page_id>/move/<direction>", methods=["POST"])
@page_editor_required
def page_move(page_id, direction):
    page = editable_or_403(page_id)
    if direction not in ("up", "down") or page.is_news:
        abort(404)
    if is_scope_root(page):  # its siblings lie outside the editor's scope
        abort(403)
    if ConfirmForm().validate_on_submit():
        service.move_page(page, -1 if direction == "up" else 1)
    return redirect(url_for("admin.page_tree_view") + f"#page-{page.id}")


# -- editing --------------------------------------------------------------------


@bp.route("/pages/new", methods=["GET", "POST"])
@page_editor_required
def page_new():
    kind = "news" if request.args.get("kind", "news") == "news" else "page"
    form = build_form(None, kind)
    if not form.is_submitted():
        form.status.data = "draft"
        sections = writable_sections()
        if kind == "news" and sections:
            form.section_id.data = request.args.get("section", type=int) or sections[0].id
        if kind == "page":
            writable = writable_tree() if scopes() is not None else []
            form.parent_id.data = request.args.get("parent", type=int) or (writable[0][0].id if writable else 0)
    elif form.validate_on_submit():
        page = try_save(form, Page(), kind)
        if page is not None:
            flash(_("Saved. The address is %(url)s", url=page.url), "success")
            return redirect(url_for("admin.page_edit", page_id=page.id))
    return render_page_form(form, None, kind)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
@page_editor_required
def page_edit(page_id):
    page = editable_or_403(page_id)
    kind = "news" if page.is_news else "page"
    if request.method == "GET":
        form = build_form(page, kind, formdata=None)
        form.load(page, service.current_data(page))
        form.base_revision.data = str(service.latest_revision_number(page))
        return render_page_form(form, page, kind)
    form = build_form(page, kind)
    if form.validate_on_submit() and try_save(form, page, kind) is not None:
        flash(_("Saved. The address is %(url)s", url=page.url), "success")
        return redirect(url_for("admin.page_edit", page_id=page.id))
    db.session.rollback()  # nothing of a refused form stays in the session
    return render_page_form(form, db.get_or_404(Page, page_id), kind)


@bp.route("/pages/<int:page_id>/preview")
@page_editor_required
def page_preview(page_id):
    """The public page as visitors will see it; the public views show editors drafts with ?preview=1."""
    return redirect(editable_or_403(page_id).url + "?preview=1")


@bp.route("/pages/<int:page_id>/delete", methods=["GET", "POST"])
@page_editor_required
def page_delete(page_id):
    page = editable_or_403(page_id)
    if is_scope_root(page):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = page.title
        audit("page.deleted", title, id=page.id)
        try:
            service.delete_page(page)
        except PageError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("admin.page_edit", page_id=page_id))
        flash(_("Deleted %(title)s.", title=title), "success")
        return redirect(url_for("admin.pages"))
    return render_template("admin/page_delete.html", page=page, form=form)


# -- revisions ------------------------------------------------------------------


@bp.route("/pages/<int:page_id>/revisions")
@page_editor_required
def page_revisions(page_id):
    page = editable_or_403(page_id)
    revisions = db.session.scalars(
        db.select(PageRevision).where(PageRevision.page_id == page.id).order_by(PageRevision.number.desc())
    ).all()
    return render_template("admin/revisions.html", page=page, revisions=revisions)


def diff_lines(old, new):
    """Unified diff of two values as (kind, text) lines; the template escapes the text."""
    def lines(value):
        if isinstance(value, list):
            value = ", ".join(value)
        text = "" if value is None else str(value)
        return DIFF_LINE_BREAKS.sub(r"\1\n", text).splitlines()

    result = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        result.append((kind, line[1:] if kind != "hunk" else "\u2026"))
    return result


FIELD_LABELS = {
    "title": _l("Title"), "slug": _l("Slug (web address)"), "summary": _l("Summary"), "body": _l("Text"),
    "cover_id": _l("Cover image"), "section_id": _l("Section"), "parent_id": _l("Parent page"), "tags": _l("Tags"),
    "byline": _l("Byline"), "seo_title": _l("Title for search engines"),
    "seo_description": _l("Description for search engines"), "featured": _l("Featured on the home page"),
    "status": _l("Status"), "publish_at": _l("Publish time"),
}


def field_label(name):
    return FIELD_LABELS[name]


def readable(name, value):
    """A revision value as an editor knows it: titles and names instead of ids, local times."""
    if value is None or value == "":
        return ""
    models = {"section_id": (Section, "title"), "parent_id": (Page, "title"), "cover_id": (Media, "original_name")}
    if name in models:
        model, attribute = models[name]
        row = db.session.get(model, value)
        return f"{getattr(row, attribute)} (#{value})" if row is not None else f"#{value}"
    if name == "status":
        return str(STATUSES.get(value, value))
    if name == "featured":
        return _("Yes") if value else _("No")
    if name == "publish_at":
        try:
            return format_datetime(datetime.fromisoformat(value), "medium")
        except (TypeError, ValueError):
            return str(value)
    return value


@bp.route("/pages/<int:page_id>/revisions/compare")
@page_editor_required
def page_revision_compare(page_id):
    page = editable_or_403(page_id)
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    older, newer = service.get_revision(page, a or 0), service.get_revision(page, b or 0)
    if older is None or newer is None:
        abort(404)
    if older.number > newer.number:
        older, newer = newer, older
    changes = [
        (field_label(name), diff_lines(readable(name, older.data.get(name)), readable(name, newer.data.get(name))))
        for name in FIELDS
        if older.data.get(name) != newer.data.get(name)
    ]
    return render_template("admin/revision_compare.html", page=page, older=older, newer=newer, changes=changes)


@bp.route("/pages/<int:page_id>/revisions/<int:number>/restore", methods=["GET", "POST"])
@page_editor_required
def page_revision_restore(page_id, number):
    page = editable_or_403(page_id)
    revision = service.get_revision(page, number) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        problem = service.scope_problem(
            current_user, page, revision.data.get("section_id"), revision.data.get("parent_id")
        )
        root_problem = service.scope_root_problem(
            current_user, page, revision.data.get("slug", page.slug), revision.data.get("parent_id")
        )
        if problem or root_problem:
            flash(problem or root_problem[1], "error")
            return redirect(url_for("admin.page_revisions", page_id=page_id))
        try:
            service.restore_revision(page, number, current_user._get_current_object(),
                                     keep_featured=service.keeps_featured(current_user))
        except PageError as error:
            flash(error.message, "error")
            return redirect(url_for("admin.page_revisions", page_id=page_id))
        flash(_("Restored revision #%(number)s.", number=number), "success")
        return redirect(url_for("admin.page_edit", page_id=page_id))
    return render_template("admin/revision_restore.html", page=page, revision=revision, form=form)


# -- sections -------------------------------------------------------------------


@bp.route("/sections/")
@permission_required("content.edit")
def sections():
    per_section = db.select(Page.section_id, func.count(Page.id)).where(Page.section_id.is_not(None))
    counts = dict(db.session.execute(per_section.group_by(Page.section_id)).all())
    return render_template("admin/sections.html", sections=ordered_sections(), counts=counts)


def save_section(form, section):
    slug = (form.slug.data or "").lower()
    if slug:
        problem = service.slug_problem(slug, top_level=False)
        if problem:
            form.slug.errors.append(problem)
            return False
    else:
        slug = service.first_free(service.slugify(form.title.data), lambda slug: _section_slug_taken(slug, section))
    if _section_slug_taken(slug, section):
        form.slug.errors.append(_("Another section already uses the slug %(slug)s.", slug=slug))
        return False
    if section.id is None:
        highest = db.session.scalar(db.select(func.max(Section.position)))
        section.position = (highest or 0) + 1
    section.title, section.title_en, section.slug = form.title.data, form.title_en.data or "", slug
    section.description, section.on_home = form.description.data or "", form.on_home.data
    db.session.add(section)
    audit("section.saved", section.title, slug=slug)
    db.session.commit()
    service.pagecache.content_changed()
    return True


def _section_slug_taken(slug, section):
    other = db.session.scalar(db.select(Section.id).where(Section.slug == slug))
    return other is not None and other != section.id


@bp.route("/sections/new", methods=["GET", "POST"])
@permission_required("content.edit")
def section_new():
    form = SectionForm()
    if form.validate_on_submit() and save_section(form, section := Section()):
        flash(_("Saved the section %(title)s.", title=section.title), "success")
        return redirect(url_for("admin.sections"))
    return render_template("admin/section_form.html", form=form, section=None)


@bp.route("/sections/<int:section_id>", methods=["GET", "POST"])
@permission_required("content.edit")
def section_edit(section_id):
    section = db.get_or_404(Section, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        if save_section(form, section):
            flash(_("Saved the section %(title)s.", title=section.title), "success")
            return redirect(url_for("admin.sections"))
        db.session.rollback()
    return render_template("admin/section_form.html", form=form, section=db.get_or_404(Section, section_id))


@bp.route("/sections/<int:section_id>/move/<direction>", methods=["POST"])
@permission_required("content.edit")
def section_move(section_id, direction):
    section = db.get_or_404(Section, section_id)
    if direction not in ("up", "down"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        service.swap_with_neighbour(ordered_sections(), section, -1 if direction == "up" else 1)
        db.session.commit()
        service.pagecache.content_changed()
    return redirect(url_for("admin.sections"))


@bp.route("/sections/<int:section_id>/delete", methods=["GET", "POST"])
@permission_required("content.edit")
def section_delete(section_id):
    section = db.get_or_404(Section, section_id)
    posts = section.pages.count()
    others = [s for s in ordered_sections() if s.id != section.id]
    form = SectionDeleteForm()
    form.move_to.choices = [choice(0, "\u2014")] + [choice(s.id, s.title) for s in others]
    if form.validate_on_submit():
        target = db.session.get(Section, form.move_to.data) if form.move_to.data else None
        if posts and target is None:
            form.move_to.errors.append(_("This section still has posts: choose a section to move them to."))
        else:
            if target is not None:
                db.session.execute(
                    db.update(Page).where(Page.section_id == section.id).values(section_id=target.id)
                )
            title = section.title
            audit("section.deleted", title, moved_posts=posts, to=target.slug if target else None)
            db.session.delete(section)
            db.session.commit()
            service.pagecache.content_changed()
            flash(_("Deleted the section %(title)s.", title=title), "success")
            return redirect(url_for("admin.sections"))
    return render_template("admin/section_delete.html", section=section, posts=posts, others=others, form=form)
