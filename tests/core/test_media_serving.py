"""Serving files: public ones cached for a year, private ones only to their owner and media.private.

The serving tests run on the local backend and again on S3 (moto)."""
import io
from urllib.parse import quote

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.storage import get_storage, media_url, save_upload, send_media
from core.storage.models import Media
from core.users.models import User
from tests.conftest import make_user
from tests.core import media_samples as samples
from tests.core.storage_fixtures import s3_server, storage_app, storage_config  # noqa: F401
from tests.core.test_admin_access import signed_in


def store(app, data, name, private=False, owner_id=None):
    with app.test_request_context():
        owner = db.session.get(User, owner_id) if owner_id else None
        return save_upload(FileStorage(io.BytesIO(data), filename=name), private=private, owner=owner).id


def media(media_id):
    return db.session.get(Media, media_id)


def test_public_file_is_served_with_long_cache_headers(storage_app):
    item = media(store(storage_app, samples.image_bytes("JPEG", (300, 200)), "合影.jpg"))
    response = storage_app.test_client().get(f"/media/{item.key}")
    assert response.status_code == 200
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{item.key}"'
    assert response.content_length == item.size
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data == get_storage().get(item.key)
    Image.open(io.BytesIO(response.data)).verify()


def test_thumbnail_is_served_as_an_image(storage_app):
    item = media(store(storage_app, samples.image_bytes("PNG", (900, 900)), "big.png"))
    response = storage_app.test_client().get(f"/media/{item.thumb_key}")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert response.headers["ETag"] == f'"{item.thumb_key}"' != f'"{item.key}"'
    assert max(Image.open(io.BytesIO(response.data)).size) == 480


def test_revalidation_and_ranges(storage_app):
    data = samples.MP4 + bytes(range(256)) * 40
    item = media(store(storage_app, data, "clip.mp4"))
    client = storage_app.test_client()
    etag = client.get(f"/media/{item.key}").headers["ETag"]
    assert client.get(f"/media/{item.key}", headers={"If-None-Match": etag}).status_code == 304
    partial = client.get(f"/media/{item.key}", headers={"Range": "bytes=1000-1099"})
    assert partial.status_code == 206
    assert partial.headers["Content-Range"] == f"bytes 1000-1099/{len(data)}"
    assert partial.data == data[1000:1100]
    assert partial.content_type == "video/mp4"


def test_office_documents_download_as_attachments_with_their_real_extension(storage_app):
    item = media(store(storage_app, samples.DOCX, "会议纪要.doc"))
    response = storage_app.test_client().get(f"/media/{item.key}")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''" + quote("会议纪要.docx") in disposition


@pytest.mark.parametrize("path", ["/media/nothing", "/media/..%2f..%2fetc%2fpasswd", "/media/" + "0" * 32 + ".jpg",
                                  "/media/../guildhall.db", "/media/%2e%2e/secret_key"])
def test_unknown_and_tricky_paths_are_not_found(app, path):
    assert app.test_client().get(path).status_code == 404


def test_bytes_without_a_row_are_never_served(app):
    key = "0123456789abcdef0123456789abcdef.jpg"
    get_storage().put(key, samples.image_bytes("JPEG"))
    assert app.test_client().get(f"/media/{key}").status_code == 404


def test_a_row_whose_bytes_are_gone_answers_not_found(app):
    item = media(store(app, samples.PDF, "a.pdf"))
    get_storage().delete(item.key)
    assert app.test_client().get(f"/media/{item.key}").status_code == 404


# -- private files -----------------------------------------------------------------


@pytest.fixture
def private_pdf(storage_app, users):
    item_id = store(storage_app, samples.PDF, "入会申请表.jpg", private=True, owner_id=users["member"].id)
    return media(item_id)


def test_private_files_are_never_served_at_their_public_address(storage_app, users):
    item = media(store(storage_app, samples.image_bytes("JPEG"), "id-card.jpg", private=True,
                       owner_id=users["member"].id))
    for client in (storage_app.test_client(), signed_in(storage_app, users["member"]),
                   signed_in(storage_app, users["admin"])):
        assert client.get(f"/media/{item.key}").status_code == 404
        assert client.get(f"/media/{item.thumb_key}").status_code == 404


def test_media_url_of_a_private_file_is_its_checked_address(storage_app, private_pdf):
    with storage_app.test_request_context():
        assert media_url(private_pdf) == media_url(private_pdf, thumb=True) == f"/files/{private_pdf.id}"


def test_anonymous_visitors_are_sent_to_sign_in(storage_app, private_pdf):
    response = storage_app.test_client().get(f"/files/{private_pdf.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_members_and_editors_are_refused(storage_app, users, private_pdf):
    other = make_user("member", "member2@example.org")
    assert signed_in(storage_app, other).get(f"/files/{private_pdf.id}").status_code == 403
    assert signed_in(storage_app, users["editor"]).get(f"/files/{private_pdf.id}").status_code == 403


@pytest.mark.parametrize("role", ["member", "admin"])  # the owner, and a holder of media.private
def test_owner_and_admin_download_it_as_an_attachment(storage_app, users, private_pdf, role):
    response = signed_in(storage_app, users[role]).get(f"/files/{private_pdf.id}")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.data == samples.PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The Chinese name in RFC 5987 form, with the extension of what the file really is.
    assert "filename*=UTF-8''" + quote("入会申请表.pdf") in disposition
    assert "filename=download.pdf;" in disposition  # plain-ASCII fallback for old clients
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_public_files_are_not_served_at_the_private_address(storage_app, users):
    item = media(store(storage_app, samples.PDF, "a.pdf"))
    assert signed_in(storage_app, users["admin"]).get(f"/files/{item.id}").status_code == 404
    assert signed_in(storage_app, users["admin"]).get("/files/99999").status_code == 404


def test_send_media_serves_a_plugins_private_attachment(storage_app, users, private_pdf):
    """Plugins check access their own way, then hand the file to send_media."""
    @storage_app.route("/__plugin/attachment/<int:media_id>")
    def plugin_attachment(media_id):
        return send_media(db.session.get(Media, media_id))

    response = storage_app.test_client().get(f"/__plugin/attachment/{private_pdf.id}")
    assert response.status_code == 200 and response.data == samples.PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "name, key, expected",
    [
        ("photo.jpg", "k.pdf", "photo.pdf"),
        ("photo.JPEG", "k.jpg", "photo.JPEG"),
        ("章程", "k.pdf", "章程.pdf"),
        ("v1.2 report", "k.pdf", "v1.2 report.pdf"),
        ("报告.final.docx", "k.docx", "报告.final.docx"),
        ("", "0123.pdf", "0123.pdf"),
    ],
)
def test_download_names_carry_the_real_extension(name, key, expected):
    from core.storage.serving import download_name

    assert download_name(Media(original_name=name, key=key)) == expected


def test_a_file_a_plugin_serves_itself_is_not_handed_out_at_the_private_address(storage_app, users):
    """An applicant's attachment is for the programme's managers: not for every holder of
    media.private, nor for its uploader, through /files/<id>."""
    with storage_app.test_request_context():
        owner = db.session.get(User, users["member"].id)
        item_id = save_upload(FileStorage(io.BytesIO(samples.PDF), filename="plan.pdf"), private=True, owner=owner,
                              plugin="partner_recruitment").id
    item = media(item_id)
    assert item.plugin == "partner_recruitment"
    for role in ("admin", "member"):
        assert signed_in(storage_app, users[role]).get(f"/files/{item.id}").status_code == 404
    with storage_app.test_request_context():
        public_id = save_upload(FileStorage(io.BytesIO(samples.PDF), filename="open.pdf"),
                                plugin="partner_recruitment").id
    assert media(public_id).plugin is None  # only private files are left to a plugin


def test_storing_a_private_file_leaves_cached_pages_alone(storage_app, users):
    from core.pagecache import shows_on_pages

    private = media(store(storage_app, samples.PDF, "private.pdf", private=True))
    public = media(store(storage_app, samples.PDF, "public.pdf"))
    assert not shows_on_pages(private) and shows_on_pages(public)
