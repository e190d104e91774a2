"""Serving stored files.

    /media/<key>        public files and thumbnails, cached for a year (keys never change)
    /files/<int:id>     private files: the owner and holders of media.private, as attachments;
                        not files a plugin serves itself (Media.plugin), which only it may hand out
"""
from flask import Blueprint, abort
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required, public, user_has_permission
from core.storage.backends import KEY_PATTERN
from core.storage.models import Media
from core.storage.serving import send_media

bp = Blueprint("media", __name__)


@bp.route("/media/<key>")
@public
def public_file(key):
    if not KEY_PATTERN.fullmatch(key):
        abort(404)
    media = db.session.scalar(
        db.select(Media).where(db.or_(Media.key == key, Media.thumb_key == key), Media.private.is_(False))
    )
    if media is None:
        abort(404)
    return send_media(media, thumb=key != media.key)


def may_open(user, media):
    return media.owner_id == user.id or user_has_permission(user, "media.private")


@bp.route("/files/<int:media_id>")
@login_required
def private_file(media_id):
    media = db.session.get(Media, media_id)
    if media is None or not media.private or media.plugin:
        abort(404)
    if not may_open(current_user, media):
        abort(403)
    return send_media(media, as_attachment=True)
