"""The admin media library and the editor's JSON picker: permissions, upload, edit, delete."""
import io
import re

import pytest
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.pages.models import Page
from core.storage import get_storage, save_upload
from core.storage.models import Media
from tests.conftest import PASSWORD, make_user
from tests.core import media_samples as samples
from tests.core.storage_fixtures import s3_server, storage_app, storage_config  # noqa: F401
from tests.core.test_admin_access import signed_in

KB = 1024


def add(app, data=None, name="photo.jpg", **fields):
    with app.test_request_context():
        item = save_upload(FileStorage(io.BytesIO(data or samples.image_bytes("JPEG")), filename=name))
        for key, value in fields.items():
            setattr(item, key, value)
        db.session.commit()
        return item.id


def files(*pairs):
    return [(io.BytesIO(data), name) for data, name in pairs]


def count():
    return db.session.scalar(db.select(db.func.count()).select_from(Media))


@pytest.fixture
def editor(app, users):
    return signed_in(app, users["editor"])


@pytest.fixture
def item_id(app):
    return add(app, name="年会合影.jpg", alt="年会合影", caption="2025 年会")


def admin_urls(media_id):
    return [
        ("get", "/admin/media/"),
        ("get", "/admin/media/library.json"),
        ("get", f"/admin/media/{media_id}"),
        ("get", f"/admin/media/{media_id}/delete"),
        ("post", f"/admin/media/{media_id}/delete"),
        ("post", f"/admin/media/{media_id}"),
        ("post", "/admin/media/upload"),
        ("post", "/admin/media/"),
    ]


def test_members_are_refused_and_anonymous_visitors_sent_to_sign_in(app, users, item_id):
    member = signed_in(app, users["member"])
    anonymous = app.test_client()
    for method, url in admin_urls(item_id):
        assert getattr(member, method)(url).status_code == 403, url
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert anonymous.get("/admin/media/library.json", headers={"Accept": "application/json"}).status_code == 401
    assert count() == 1


def test_editors_and_admins_may_open_the_library(app, users, item_id):
    for role in ("editor", "admin"):
        client = signed_in(app, users[role])
        assert client.get("/admin/media/").status_code == 200
        assert client.get(f"/admin/media/{item_id}").status_code == 200


def test_library_grid_shows_thumbnails_and_filters(app, editor, item_id):
    add(app, samples.PDF, "章程.pdf")
    page = editor.get("/admin/media/").get_data(as_text=True)
    item = db.session.get(Media, item_id)
    assert f'src="/media/{item.thumb_key}"' in page and 'alt="年会合影"' in page and "章程.pdf" in page
    only_pdf = editor.get("/admin/media/?kind=pdf").get_data(as_text=True)
    assert "章程.pdf" in only_pdf and "年会合影.jpg" not in only_pdf
    by_caption = editor.get("/admin/media/?q=2025").get_data(as_text=True)
    assert "年会合影.jpg" in by_caption and "章程.pdf" not in by_caption
    assert "No file matches." in editor.get("/admin/media/?q=nothing-like-this").get_data(as_text=True)
    assert editor.get("/admin/media/?kind=<script>&page=-1").status_code == 200


def test_private_files_stay_out_of_the_library(app, editor, users):
    with app.test_request_context():
        save_upload(FileStorage(io.BytesIO(samples.PDF), filename="申请.pdf"), private=True)
    assert "申请.pdf" not in editor.get("/admin/media/").get_data(as_text=True)
    assert editor.get("/admin/media/library.json").get_json()["items"] == []
    private_id = db.session.scalar(db.select(Media.id))
    assert editor.get(f"/admin/media/{private_id}").status_code == 404


def test_upload_form_saves_several_files_and_reports_each_refusal(app, editor):
    response = editor.post("/admin/media/", data={
        "files": files((samples.image_bytes("PNG"), "a.png"), (samples.SVG, "evil.svg"), (samples.PDF, "b.pdf")),
        "alt": "会场",
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "evil.svg" in page and "SVG images are not accepted" in page
    kinds = sorted(db.session.scalars(db.select(Media.kind)).all())
    assert kinds == ["image", "pdf"]
    image = db.session.scalar(db.select(Media).filter_by(kind="image"))
    assert image.alt == "会场" and image.owner.email == "editor@example.org"
    assert db.session.scalar(db.select(Media).filter_by(kind="pdf")).alt == ""  # alt text is for images


def test_upload_form_redirects_when_everything_was_saved(app, editor):
    response = editor.post("/admin/media/", data={"files": files((samples.DOCX, "纪要.docx"))},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "Uploaded 1 file." in editor.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "upload, status, message",
    [
        ((samples.WINDOWS_EXE, "photo.png"), 415, "This type of file is not accepted"),
        ((samples.png_header_claiming(9000, 9000), "flood.png"), 413, "too many pixels"),
        ((b"", "empty.pdf"), 400, "The file is empty."),
    ],
)
def test_upload_form_with_only_refused_files_answers_with_the_refusal(app, editor, upload, status, message):
    response = editor.post("/admin/media/", data={"files": files(upload)}, content_type="multipart/form-data")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_upload_form_without_files_asks_for_one(app, editor):
    response = editor.post("/admin/media/", data={"alt": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose at least one file." in response.get_data(as_text=True)


def test_edit_alt_text_and_caption(app, editor, item_id):
    response = editor.post(f"/admin/media/{item_id}", data={"alt": " 理事会合影 ", "caption": "第三届理事会"})
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(Media, item_id)
    assert (item.alt, item.caption) == ("理事会合影", "第三届理事会")


def test_too_long_alt_text_is_refused(app, editor, item_id):
    response = editor.post(f"/admin/media/{item_id}", data={"alt": "长" * 301, "caption": ""})
    assert response.status_code == 200 and "Field cannot be longer than 300 characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Media, item_id).alt == "年会合影"


def test_delete_asks_first_then_removes_row_and_files(app, editor, item_id):
    item = db.session.get(Media, item_id)
    keys = [item.key, item.thumb_key]
    confirm = editor.get(f"/admin/media/{item_id}/delete")
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.get_data(as_text=True)
    assert count() == 1
    response = editor.post(f"/admin/media/{item_id}/delete")
    assert response.status_code == 302
    assert count() == 0
    assert not any(get_storage().exists(key) for key in keys)


def make_page(**fields):
    page = Page(title=fields.pop("title", "关于我们"), slug=fields.pop("slug", "guanyu"), **fields)
    db.session.add(page)
    db.session.commit()
    return page


def test_a_cover_image_cannot_be_deleted(app, editor, item_id):
    make_page(cover_id=item_id)
    confirm = editor.get(f"/admin/media/{item_id}/delete").get_data(as_text=True)
    assert "关于我们" in confirm and 'id="confirm-delete"' not in confirm
    response = editor.post(f"/admin/media/{item_id}/delete")
    assert response.status_code == 409 and "cover image" in response.get_data(as_text=True)
    assert count() == 1 and get_storage().exists(db.session.get(Media, item_id).key)


def test_deleting_an_image_used_in_a_text_warns_first(app, editor, item_id):
    key = db.session.get(Media, item_id).key
    make_page(title="年会报道", slug="nianhui", body=f'<p><img src="/media/{key}" alt=""></p>')
    confirm = editor.get(f"/admin/media/{item_id}/delete").get_data(as_text=True)
    assert "年会报道" in confirm and "will be missing there" in confirm and 'id="confirm-delete"' in confirm
    assert "年会报道" in editor.get(f"/admin/media/{item_id}").get_data(as_text=True)


# -- the editor's JSON picker --------------------------------------------------------


def test_library_json_lists_items_in_the_agreed_shape(app, editor, item_id):
    add(app, samples.PDF, "章程.pdf")
    data = editor.get("/admin/media/library.json").get_json()
    assert data["page"] == 1 and data["pages"] == 1 and len(data["items"]) == 2
    item = db.session.get(Media, item_id)
    image = next(entry for entry in data["items"] if entry["kind"] == "image")
    assert image == {
        "id": item_id, "url": f"/media/{item.key}", "thumb_url": f"/media/{item.thumb_key}", "alt": "年会合影",
        "caption": "2025 年会", "width": 64, "height": 48, "kind": "image", "name": "年会合影.jpg",
    }
    pdf = next(entry for entry in data["items"] if entry["kind"] == "pdf")
    assert pdf["thumb_url"] is None and pdf["width"] is None


def test_library_json_filters_searches_and_pages(app, editor, monkeypatch):
    import core.admin.media

    monkeypatch.setattr(core.admin.media, "PER_PAGE", 2)
    for number in range(3):
        add(app, samples.image_bytes("PNG"), f"照片{number}.png")
    add(app, samples.PDF, "照片说明.pdf")
    images = editor.get("/admin/media/library.json?kind=image").get_json()
    assert images["pages"] == 2 and len(images["items"]) == 2
    assert all(entry["kind"] == "image" for entry in images["items"])
    second = editor.get("/admin/media/library.json?kind=image&page=2").get_json()
    assert second["page"] == 2 and len(second["items"]) == 1
    found = editor.get("/admin/media/library.json?q=说明").get_json()
    assert [entry["name"] for entry in found["items"]] == ["照片说明.pdf"]
    assert editor.get("/admin/media/library.json?page=99").get_json()["items"] == []


def test_picker_upload_returns_the_item(storage_app, users):
    client = signed_in(storage_app, users["editor"])
    response = client.post("/admin/media/upload", data={"file": (io.BytesIO(samples.jpeg_with_exif()), "会场.jpg"),
                                                        "alt": "会场全景"}, content_type="multipart/form-data")
    assert response.status_code == 201
    item = response.get_json()["item"]
    assert item["alt"] == "会场全景" and item["kind"] == "image" and item["name"] == "会场.jpg"
    assert (item["width"], item["height"]) == (40, 80)
    served = client.get(item["url"])
    assert served.status_code == 200 and served.content_type == "image/jpeg"
    assert client.get(item["thumb_url"]).status_code == 200


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({"file": (io.BytesIO(samples.SVG), "logo.svg")}, 415, "SVG images are not accepted"),
        ({"file": (io.BytesIO(samples.PDF), "photo.jpg"), "kind": "image"}, 415, "not accepted here"),
        ({"file": (io.BytesIO(samples.PDF), "a.pdf"), "kind": "program"}, 400, "Unknown kind of file."),
        ({"alt": "no file"}, 400, "Choose a file to upload."),
        ({"file": (io.BytesIO(samples.PDF), "a.pdf"), "alt": "x" * 301}, 400, "at most 300 characters"),
    ],
)
def test_picker_upload_errors_are_json(app, editor, data, status, message):
    response = editor.post("/admin/media/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status and message in error["message"]
    assert count() == 0


@pytest.fixture
def small_limits_app(app_factory):
    """A global body limit below the video limit, as in production (64 MiB and 200 MB)."""
    app = app_factory(MAX_CONTENT_LENGTH=8 * KB,
                      UPLOAD_LIMITS={"image": 4 * KB, "pdf": 4 * KB, "document": 4 * KB, "video": 64 * KB})
    with app.app_context():
        make_user("editor")
        make_user("member")
        yield app
        db.session.remove()


def test_upload_routes_accept_files_above_the_global_body_limit(small_limits_app):
    client = signed_in(small_limits_app, "editor@example.org")
    video = samples.MP4 + b"\0" * 30 * KB
    response = client.post("/admin/media/upload", data={"file": (io.BytesIO(video), "clip.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json()["item"]["kind"] == "video"
    response = client.post("/admin/media/", data={"files": files((video, "clip2.mp4"))},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    # Everywhere else the global limit still holds.
    assert client.post("/admin/media/1", data={"alt": "x" * 10 * KB, "caption": ""}).status_code == 413


def test_over_size_bodies_get_a_clear_413(small_limits_app):
    client = signed_in(small_limits_app, "editor@example.org")
    huge = samples.MP4 + b"\0" * 2 * 1024 * KB
    response = client.post("/admin/media/upload", data={"file": (io.BytesIO(huge), "film.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Files may be at most 64 KB" in response.get_json()["error"]["message"]
    page = client.post("/admin/media/", data={"files": files((huge, "film.mp4"))}, content_type="multipart/form-data")
    assert page.status_code == 413 and "Files may be at most 64 KB" in page.get_data(as_text=True)
    # Over the video limit but under the request's: refused by save_upload with the same clarity.
    response = client.post("/admin/media/upload", data={"file": (io.BytesIO(samples.MP4 + b"\0" * 100 * KB), "f.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "64 KB" in response.get_json()["error"]["message"]
    assert count() == 0


def test_picker_upload_needs_the_csrf_header(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("editor")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": "editor@example.org", "password": PASSWORD, "csrf_token": token})
        upload = {"file": (io.BytesIO(samples.PDF), "a.pdf")}
        refused = client.post("/admin/media/upload", data=upload, content_type="multipart/form-data",
                              headers={"Accept": "application/json"})
        assert refused.status_code == 400 and refused.get_json()["error"]["status"] == 400
        page = client.get("/admin/media/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        accepted = client.post("/admin/media/upload", data={"file": (io.BytesIO(samples.PDF), "a.pdf")},
                               content_type="multipart/form-data", headers={"X-CSRFToken": token})
        assert accepted.status_code == 201
        db.session.remove()


def test_library_queries_work_on_both_databases(backend_app):
    """Search, kind filter and the usage checks on SQLite and PostgreSQL."""
    editor = signed_in(backend_app, make_user("editor"))
    item_id = add(backend_app, name="Annual_Meeting%.jpg", caption="理事会 100% 出席")
    add(backend_app, samples.PDF, "annual report.pdf")
    add(backend_app, name="AnnualXMeeting.jpg")  # found if "_" were a wildcard
    found = editor.get("/admin/media/library.json?q=ANNUAL_meeting%25").get_json()["items"]
    assert [entry["id"] for entry in found] == [item_id]  # case-insensitive; % and _ matched literally
    assert len(editor.get("/admin/media/library.json?q=annual").get_json()["items"]) == 3
    assert [e["kind"] for e in editor.get("/admin/media/library.json?kind=pdf").get_json()["items"]] == ["pdf"]
    key = db.session.get(Media, item_id).key
    make_page(title="理事会", slug="lishihui", cover_id=item_id, body=f'<img src="/media/{key}">')
    assert editor.post(f"/admin/media/{item_id}/delete").status_code == 409


def test_picker_upload_keeps_only_a_clean_display_name(app, editor):
    response = editor.post("/admin/media/upload", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(samples.PDF), "../../etc/passwd.png"), "alt": "x"})
    item = response.get_json()["item"]
    assert response.status_code == 201 and item["name"] == "passwd.png" and item["kind"] == "pdf"
    assert item["alt"] == ""  # alternative text is for images, as in the upload form
    assert item["url"].endswith(".pdf") and "passwd" not in item["url"]
