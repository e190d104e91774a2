"""Public pages (/announcements) and the admin screens (/admin/announcements)."""
from flask import Blueprint, abort, flash, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from markupsafe import Markup

from core.audit import audit
from core.extensions import db
from core.permissions import permission_required, public
from core.users.models import utcnow
from plugins.announcements.forms import AnnouncementForm
from plugins.announcements.models import Announcement, latest, visible_query

HOME_BLOCK_SIZE = 5
MANAGE = "announcements.manage"
PER_PAGE = 20

bp = Blueprint("announcements", __name__, template_folder="templates")


@bp.route("/announcements")
@public
def index():
    page = request.args.get("page", 1, type=int)
    notices = db.paginate(visible_query(), page=max(page, 1), per_page=PER_PAGE, error_out=False)
    return render_template("announcements/index.html", notices=notices)


@bp.route("/announcements/<int:id>")
@public
def detail(id):
    notice = db.get_or_404(Announcement, id)
    if not notice.is_visible() and not _can_manage():
        abort(404)
    return render_template("announcements/detail.html", notice=notice)


@bp.route("/admin/announcements")
@permission_required(MANAGE)
def admin_list():
    notices = db.session.scalars(
        db.select(Announcement).order_by(Announcement.published_at.desc(), Announcement.id.desc())
    ).all()
    return render_template("announcements/admin/list.html", notices=notices)


@bp.route("/admin/announcements/new", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_create():
    form = AnnouncementForm()
    if request.method == "GET":
        form.published_at.data = _local(utcnow()).replace(second=0, microsecond=0)
    if form.validate_on_submit():
        author = current_user._get_current_object()
        notice = Announcement(author=author, author_name=author.name)
        _save(form, notice)
        db.session.add(notice)
        db.session.flush()
        audit("announcements.created", notice.id, title=notice.title)
        db.session.commit()
        flash(_("The notice has been saved."), "success")
        return redirect(url_for(".admin_list"))
    return render_template("announcements/admin/form.html", form=form, notice=None)


@bp.route("/admin/announcements/<int:id>/edit", methods=["GET", "POST"])
@permission_required(MANAGE)
def admin_edit(id):
    notice = db.get_or_404(Announcement, id)
    form = AnnouncementForm(obj=notice)
    if request.method == "GET":
        form.published_at.data = _local(notice.published_at)
        form.expires_at.data = _local(notice.expires_at)
    if form.validate_on_submit():
        _save(form, notice)
        audit("announcements.updated", notice.id, title=notice.title)
        db.session.commit()
        flash(_("The notice has been saved."), "success")
        return redirect(url_for(".admin_list"))
    return render_template("announcements/admin/form.html", form=form, notice=notice)


@bp.route("/admin/announcements/<int:id>/delete", methods=["POST"])
@permission_required(MANAGE)
def admin_delete(id):
    notice = db.get_or_404(Announcement, id)
    audit("announcements.deleted", notice.id, title=notice.title)
    db.session.delete(notice)
    db.session.commit()
    flash(_("The notice has been deleted."), "success")
    return redirect(url_for(".admin_list"))


def _save(form, notice):
    notice.title = form.title.data
    notice.body = form.body.data.strip()
    notice.link = form.link.data
    notice.pinned = form.pinned.data
    notice.published_at = to_utc(form.published_at.data)
    notice.expires_at = to_utc(form.expires_at.data) if form.expires_at.data else None


def _local(value):
    """A stored UTC time as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return to_user_timezone(value).replace(tzinfo=None)


def _can_manage():
    return current_user.is_authenticated and current_user.can(MANAGE)


# -- fragments that core pages embed (rendered from partials/) ------------


def latest_block(context):
    """The home page's "latest announcements" block."""
    return Markup(render_template("announcements/_latest.html", notices=latest(HOME_BLOCK_SIZE)))


def pinned_banner():
    """The pinned notices for the home page's sidebar, or nothing."""
    notices = latest(3, pinned_only=True)
    if not notices:
        return None
    return Markup(render_template("announcements/_pinned_banner.html", notices=notices))


def detail_path(notice):
    if has_request_context():
        return url_for("announcements.detail", id=notice.id)
    return f"/announcements/{notice.id}"  # e.g. indexing from the command line
