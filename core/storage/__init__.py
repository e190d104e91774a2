"""Files: the storage backends (local disk, S3) and the media library's upload rules.

Contract used by the rest of the core and by plugins:
    save_upload(file_storage, *, private=False, owner=None, kinds=None, max_video_seconds=None) -> Media
        checks type by content and size per kind, re-encodes images, makes thumbnails,
        reads a video's length (Media.duration; refused over max_video_seconds or unreadable
        when a limit is given), stores under a random name, commits the row; raises
        UploadError(message, status).
    video_duration(stream, file_type=None) -> float | None   a video's length in seconds
    media_url(media, thumb=False) -> str   public URL of a public file (or its thumbnail);
                                           /files/<id> for a private one
    send_media(media, as_attachment=None)  a response with the file's bytes (views check access first)
    delete_media(media)                    remove the row and the bytes
    get_storage()                          the app's backend: put/get/open/delete/exists/size/keys

Modules: backends (storage), sniff (type by content), images (Pillow), video (length of
MP4/MOV/WebM), uploads (save_upload),
serving (responses), views (/media/<key>, /files/<id>).
"""
from core.storage.backends import get_storage
from core.storage.serving import media_url, send_media
from core.storage.uploads import UploadError, delete_media, save_upload
from core.storage.video import video_duration

__all__ = ["UploadError", "delete_media", "get_storage", "media_url", "save_upload", "send_media", "video_duration"]
