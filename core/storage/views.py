"""Serving stored files (placeholder: the storage helper fills it in).

    /media/<key>        public files and thumbnails, long cache headers
    /files/<int:id>     private files, only through a permission check, as attachments
"""
from flask import Blueprint, abort

from core.permissions import public

bp = Blueprint("media", __name__)


@bp.route("/media/<path:key>")
@public
def public_file(key):
    abort(404)
