"""Files: the storage backends (local disk, S3) and the media library's upload rules.

Contract used by the rest of the core and by plugins (the storage helper fills it in):
    save_upload(file_storage, *, private=False, owner=None, kinds=None) -> Media
        checks type by content and size per kind, re-encodes images, makes thumbnails,
        stores under a random name; raises UploadError(message) with a translated message.
    media_url(media, thumb=False) -> str   public URL of a public file (or its thumbnail)
    send_media(media, as_attachment=None)  a response with the file's bytes (views check access first)
    delete_media(media)                    remove the bytes and the row
"""
from flask import url_for


def media_url(media, thumb=False):
    key = media.thumb_key if thumb and media.thumb_key else media.key
    return url_for("media.public_file", key=key)
