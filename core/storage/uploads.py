"""Taking an upload in: size, type by content, image re-encoding, storage, the Media row."""
import hashlib
import logging
import tempfile
import unicodedata

from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.storage.backends import derived_key, get_storage, new_key
from core.storage.images import ImageRefused, process_image
from core.storage.models import KINDS, Media
from core.storage.sniff import MacroDocument, detect, looks_like_svg
from core.storage.video import video_duration

log = logging.getLogger(__name__)

KIND_LABELS = {
    "image": _l("images (JPEG, PNG, GIF, WebP)"),
    "pdf": _l("PDF documents"),
    "document": _l("Office documents (Word, Excel, PowerPoint)"),
    "video": _l("videos (MP4, MOV, WebM)"),
}
KIND_NAMES = {"image": _l("Images"), "pdf": _l("PDF files"), "document": _l("Office documents"),
              "video": _l("Videos")}
MAX_NAME_LENGTH = 200
# Control, format (which includes right-to-left overrides that disguise "gpj.exe"), private-use,
# unassigned and line/paragraph separator characters.
DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
SPOOL_IN_MEMORY = 8 * 1024 * 1024
COPY_CHUNK = 1024 * 1024


class UploadError(Exception):
    """An upload that was refused; message is translated and meant for the person uploading."""

    def __init__(self, message, status=400):
        super().__init__(str(message))
        self.message, self.status = str(message), status


def format_size(size):
    if size >= 1024 * 1024:
        return _("%(size).1f MB", size=size / (1024 * 1024))
    return _("%(size)d KB", size=max(1, round(size / 1024)))


def upload_limits(kinds=None):
    limits = current_app.config["UPLOAD_LIMITS"]
    return {kind: limits[kind] for kind in (kinds or KINDS) if limits.get(kind)}


def max_upload_size():
    """The largest file any kind allows: what an upload request's body may carry."""
    return max(upload_limits().values(), default=0)


def clean_name(name, fallback_extension=""):
    """A file name kept for display only: no folders, no control or direction characters, not too long."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name
                   if unicodedata.category(ch) not in DROPPED_CATEGORIES)
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or _("untitled") + fallback_extension


def spool(file_storage, limit):
    """Copy the upload to a temporary file, refusing it as soon as it passes limit bytes."""
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    size = 0
    try:
        while chunk := file_storage.stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UploadError(
                    _("The file is larger than %(limit)s, the most any upload may be.", limit=format_size(limit)),
                    413,
                )
            spooled.write(chunk)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled, size


def identify(spooled, allowed):
    try:
        file_type = detect(spooled)
    except MacroDocument:
        raise UploadError(_("Office files with macros are not accepted. Save it without macros and try again."), 415)
    if file_type is None:
        if looks_like_svg(spooled.read(4096)):
            raise UploadError(_("SVG images are not accepted because they can carry scripts. "
                                "Please upload a PNG or JPEG instead."), 415)
        raise UploadError(_("This type of file is not accepted. Allowed: %(kinds)s.", kinds=allowed_text(allowed)), 415)
    if file_type.kind not in allowed:
        raise UploadError(_("This type of file is not accepted here. Allowed: %(kinds)s.",
                            kinds=allowed_text(allowed)), 415)
    return file_type


def allowed_text(kinds):
    return format_list([str(KIND_LABELS[kind]) for kind in kinds], locale=get_locale())


def image_refusal(refused):
    if refused.reason == "too_many_pixels":
        limit = round(current_app.config["IMAGE_MAX_PIXELS"] / 1_000_000)
        return UploadError(_("The image has too many pixels; at most %(limit)s million are accepted.", limit=limit), 413)
    return UploadError(_("The image could not be read; it may be damaged."), 400)


def format_duration(seconds):
    """A video's length for messages: "59 s", "1 min 01 s" (whole seconds, rounded)."""
    total = int(round(seconds))
    if total < 60:
        return _("%(seconds)d s", seconds=total)
    return _("%(minutes)d min %(seconds)02d s", minutes=total // 60, seconds=total % 60)


def check_video_length(seconds, max_seconds):
    """Refuse a video longer than max_seconds, or one whose length could not be read (seconds None).

    The length counts in whole seconds, rounded: a 60.4 s recording is a 60 s video.
    """
    if seconds is None:
        raise UploadError(_("The length of this video cannot be read, so it cannot be checked against the "
                            "limit of %(limit)s. Save it again as MP4 with a video editor and upload it again.",
                            limit=format_duration(max_seconds)))
    if round(seconds) > max_seconds:
        raise UploadError(_("This video is %(length)s long; at most %(limit)s is accepted here.",
                            length=format_duration(seconds), limit=format_duration(max_seconds)))


def save_upload(file_storage, *, private=False, owner=None, kinds=None, max_video_seconds=None, plugin=None):
    """Check, store and record one uploaded file; returns the committed Media row.

    The type comes from the content (the file name is only kept for display), the size
    limit from UPLOAD_LIMITS for that type (a kind missing there is not accepted), images
    are re-encoded and thumbnailed; kinds narrows what this caller accepts. A video's length
    is read from its headers and kept on the row (None when unreadable); with
    max_video_seconds, a longer video, or one whose length cannot be read, is refused.
    plugin: a private file that this plugin serves itself (Media.plugin); /files/<id> refuses it.
    Raises UploadError (translated message, HTTP status 400, 413 or 415) and then leaves
    nothing behind: no row without bytes, no bytes without a row.
    """
    if file_storage is None or not (file_storage.filename or "").strip():
        raise UploadError(_("Choose a file to upload."))
    limits = upload_limits([kind for kind in (kinds or KINDS) if kind in KINDS])
    allowed = list(limits)
    if not allowed:
        raise UploadError(_("This type of file is not accepted."), 415)
    spooled, size = spool(file_storage, max(limits.values()))
    with spooled:
        if size == 0:
            raise UploadError(_("The file is empty."))
        file_type = identify(spooled, allowed)
        if size > limits[file_type.kind]:
            raise UploadError(
                _("%(kind)s may be at most %(limit)s; this file is %(size)s.", kind=KIND_NAMES[file_type.kind],
                  limit=format_size(limits[file_type.kind]), size=format_size(size)),
                413,
            )
        media = Media(
            original_name=clean_name(file_storage.filename, file_type.extension),
            content_type=file_type.content_type,
            kind=file_type.kind,
            private=bool(private),
            owner=owner,
            plugin=plugin if private else None,
        )
        thumbnail = None
        if file_type.kind == "video":
            media.duration = video_duration(spooled, file_type)
            if max_video_seconds is not None:
                check_video_length(media.duration, max_video_seconds)
        if file_type.kind == "image":
            try:
                image = process_image(spooled, file_type, current_app.config["IMAGE_MAX_PIXELS"],
                                      current_app.config["THUMBNAIL_SIZE"])
            except ImageRefused as refused:
                raise image_refusal(refused) from refused
            content = image.data
            media.width, media.height = image.width, image.height
            thumbnail = (image.thumbnail, image.thumbnail_extension, image.thumbnail_type)
        else:
            content = spooled
        return store(media, content, file_type, thumbnail)


def hash_and_size(content):
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest(), len(content)
    digest, size = hashlib.sha256(), 0
    while chunk := content.read(COPY_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return digest.hexdigest(), size


def store(media, content, file_type, thumbnail):
    storage = get_storage()
    media.sha256, media.size = hash_and_size(content)
    media.key = new_key(file_type.extension)
    keys = [media.key]
    try:
        storage.put(media.key, content, file_type.content_type)
        if thumbnail:
            data, extension, content_type = thumbnail
            media.thumb_key = derived_key(media.key, "thumb", extension)
            keys.append(media.thumb_key)
            storage.put(media.thumb_key, data, content_type)
        db.session.add(media)
        db.session.commit()
    except Exception:
        db.session.rollback()
        remove_keys(storage, keys)
        log.exception("storing an upload failed")
        raise UploadError(_("The file could not be stored. Please try again."), 500) from None
    return media


def remove_keys(storage, keys):
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # an orphan file is harmless; the caller's error matters more
            log.exception("could not delete stored file %s", key)


def delete_media(media):
    """Delete the row (committed first, so no row ever points at missing bytes), then the bytes."""
    keys = [key for key in (media.key, media.thumb_key) if key]
    db.session.delete(media)
    db.session.commit()
    remove_keys(get_storage(), keys)
