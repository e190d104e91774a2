"""Responses carrying stored files: streamed from the backend, with the right headers.

Files are always streamed through the app, also from S3: a public file's URL then never
changes (a presigned S3 URL expires, which does not mix with a year of caching), and a
private file never leaves the permission check. Range requests work on both backends.
"""
import logging
from urllib.parse import quote

from flask import abort, current_app, request, url_for
from werkzeug.wsgi import wrap_file

from core.storage.backends import get_storage
from core.storage.sniff import JPEG, PNG

log = logging.getLogger(__name__)

YEAR = 31536000
EXTENSION_ALIASES = {".jpg": (".jpg", ".jpeg"), ".mov": (".mov", ".qt")}
THUMBNAIL_TYPES = {JPEG.extension: JPEG.content_type, PNG.extension: PNG.content_type}


def media_url(media, thumb=False):
    """The public URL of a public file, or of its thumbnail (the file itself if it has none).

    A private file has only its access-checked download address, thumbnail or not."""
    from core.pages.urls import url_for as kept_url_for  # the answers kept per host and values

    if media.private:
        return kept_url_for("media.private_file", media_id=media.id)
    key = media.thumb_key if thumb and media.thumb_key else media.key
    return kept_url_for("media.public_file", key=key)


def download_name(media):
    """The original name, with an extension that says what the file really is."""
    name = media.original_name or media.key
    extension = "." + media.key.rsplit(".", 1)[-1]
    stem, dot, current = name.rpartition(".")
    if not (dot and stem and current.isascii() and current.isalnum() and len(current) <= 5):
        return name + extension  # no extension, or a dot inside the name ("v1.2 report")
    if "." + current.lower() in EXTENSION_ALIASES.get(extension, (extension,)):
        return name
    return stem + extension


def send_media(media, as_attachment=None, thumb=False):
    """A response with the file's bytes; the caller has already decided who may see it.

    Private files go out as attachments that no cache keeps; public files (and
    thumbnails) inline with a year of caching, except Office documents, which browsers
    cannot show anyway.
    """
    key = media.thumb_key if thumb and media.thumb_key else media.key
    content_type = media.content_type if key == media.key else THUMBNAIL_TYPES["." + key.rsplit(".", 1)[-1]]
    if as_attachment is None:
        as_attachment = media.private or media.kind == "document"
    try:
        stream = get_storage().open(key)
    except FileNotFoundError:
        log.error("media %s has a row but no stored bytes under %s", media.id, key)
        abort(404)
    size = stream.seek(0, 2)
    stream.seek(0)
    response = current_app.response_class(
        wrap_file(request.environ, stream), mimetype=content_type, direct_passthrough=True
    )
    response.content_length = size
    response.headers.set("Content-Disposition", "attachment" if as_attachment else "inline",
                         **filename_parameters(download_name(media)))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(key)  # a key's bytes never change
    response.last_modified = media.created_at
    if media.private:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)


def filename_parameters(name):
    """filename= (ASCII fallback) and filename*= (RFC 5987, UTF-8) for Content-Disposition."""
    ascii_name = name.encode("ascii", "ignore").decode("ascii").replace('"', "").strip() or "download"
    if ascii_name.startswith("."):
        ascii_name = "download" + ascii_name
    return {"filename": ascii_name, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
