"""The announcements plugin as editors, members and visitors use it."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import utcnow
from plugins.announcements import demo
from plugins.announcements.models import Announcement
from tests.conftest import login
from tests.fixtures import add_notice

VALID = {
    "title": "Call for quality innovation projects",
    "body": "Dear members,\n\nEntries are open in four categories.\nSee the rules.",
    "link": "https://example.org/rules",
    "published_at": "2024-03-01T09:00",
    "expires_at": "",
}


def count():
    return db.session.scalar(db.select(func.count(Announcement.id)))


def audited(action):
    return db.session.scalars(db.select(AuditEntry.target).filter_by(action=action)).all()


# -- permissions -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "judge"])
def test_roles_without_the_permission_get_403_and_change_nothing(client, users, role):
    notice = add_notice(title="Untouched")
    login(client, users[role])
    assert client.get("/admin/announcements").status_code == 403
    assert client.get("/admin/announcements/new").status_code == 403
    assert client.post("/admin/announcements/new", data=VALID).status_code == 403
    assert client.post(f"/admin/announcements/{notice.id}/edit", data=VALID).status_code == 403
    assert client.post(f"/admin/announcements/{notice.id}/delete").status_code == 403
    db.session.refresh(notice)
    assert count() == 1 and notice.title == "Untouched"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.post("/admin/announcements/new", data=VALID)
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/admin/announcements").status_code == 302
    assert count() == 0


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_may_manage(client, users, role):
    login(client, users[role])
    assert client.get("/admin/announcements").status_code == 200
    assert client.get("/admin/announcements/new").status_code == 200


# -- create, read, update, delete --------------------------------------------------


def test_editor_creates_a_notice_that_the_public_reads(client, users):
    login(client, users["editor"])
    response = client.post("/admin/announcements/new", data=VALID)
    assert response.status_code == 302
    notice = db.session.scalar(db.select(Announcement))
    assert notice.title == VALID["title"]
    assert notice.author_id == users["editor"].id and notice.author_name == users["editor"].name
    assert notice.link == "https://example.org/rules" and notice.pinned is False
    # Entered in the site's time zone (Asia/Shanghai), stored as UTC.
    assert notice.published_at == datetime(2024, 3, 1, 1, 0)
    assert audited("announcements.created") == [str(notice.id)]

    client.post("/logout")
    assert VALID["title"] in client.get("/announcements").get_data(as_text=True)
    page = client.get(f"/announcements/{notice.id}").get_data(as_text=True)
    assert "<p>Dear members,</p>" in page
    assert "<p>Entries are open in four categories.<br>See the rules.</p>" in page
    assert 'href="https://example.org/rules"' in page


def test_body_is_plain_text_and_escaped(client):
    notice = add_notice(body='<script>alert("x")</script>\n\n<b>bold</b>')
    page = client.get(f"/announcements/{notice.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<p>&lt;b&gt;bold&lt;/b&gt;</p>" in page


def test_editor_edits_a_notice(client, users):
    notice = add_notice(title="Old title")
    login(client, users["editor"])
    form = client.get(f"/admin/announcements/{notice.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in form
    response = client.post(
        f"/admin/announcements/{notice.id}/edit",
        data={**VALID, "title": "New title", "pinned": "y", "expires_at": "2099-01-01T00:00"},
    )
    assert response.status_code == 302
    db.session.refresh(notice)
    assert notice.title == "New title" and notice.pinned is True
    assert notice.expires_at == datetime(2098, 12, 31, 16, 0)
    assert audited("announcements.updated") == [str(notice.id)]


def test_editor_deletes_a_notice_with_post_only(client, users):
    notice = add_notice(title="To be removed")
    login(client, users["editor"])
    assert client.get(f"/admin/announcements/{notice.id}/delete").status_code == 405
    assert client.post(f"/admin/announcements/{notice.id}/delete").status_code == 302
    assert count() == 0
    assert audited("announcements.deleted") == [str(notice.id)]
    assert client.post(f"/admin/announcements/{notice.id}/delete").status_code == 404


# -- bad input ---------------------------------------------------------------------


BAD_INPUTS = [
    ({"title": ""}, "This field is required."),
    ({"title": "   "}, "This field is required."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"body": ""}, "This field is required."),
    ({"link": "javascript:alert(1)"}, "Enter a web address starting with https://"),
    ({"link": "//evil.example/x"}, "Enter a web address starting with https://"),
    ({"published_at": ""}, "This field is required."),
    ({"published_at": "yesterday"}, "Not a valid datetime value."),
    ({"expires_at": "2024-13-45T99:99"}, "Not a valid datetime value."),
    ({"published_at": "0001-01-01T00:00"}, "Enter a date between the years 1900 and 2999."),
    ({"expires_at": "9999-12-31T23:59"}, "Enter a date between the years 1900 and 2999."),
    ({"expires_at": "2024-02-01T09:00"}, "A notice must expire after it is published."),
    ({"expires_at": "2024-03-01T09:00"}, "A notice must expire after it is published."),
]


@pytest.mark.parametrize("change, message", BAD_INPUTS)
def test_bad_input_rerenders_with_the_error_and_saves_nothing(client, users, change, message):
    login(client, users["editor"])
    client.post("/language", data={"lang": "en"})
    response = client.post("/admin/announcements/new", data={**VALID, **change})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and message in page
    assert count() == 0


def test_bad_input_on_edit_leaves_the_notice_as_it_was(client, users):
    notice = add_notice(title="Stays as it is")
    login(client, users["editor"])
    response = client.post(
        f"/admin/announcements/{notice.id}/edit", data={**VALID, "expires_at": "2020-01-01T00:00"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Announcement, notice.id).title == "Stays as it is"


@pytest.mark.parametrize("url", ["/announcements?page=abc", "/announcements?page=-3", "/announcements?page=99999"])
def test_odd_list_pages_do_not_fail(client, url):
    add_notice()
    assert client.get(url).status_code == 200


def test_unknown_notices_answer_404(client, users):
    assert client.get("/announcements/999").status_code == 404
    assert client.get("/announcements/abc").status_code == 404
    login(client, users["editor"])
    assert client.get("/admin/announcements/999/edit").status_code == 404


# -- visibility --------------------------------------------------------------------


def test_expired_and_scheduled_notices_are_hidden_from_the_public(client, users):
    current = add_notice(title="Current notice")
    expired = add_notice(title="Expired notice", pinned=True, expires_at=utcnow() - timedelta(minutes=5))
    scheduled = add_notice(title="Scheduled notice", days_ago=-2)
    listing = client.get("/announcements").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    for page in (listing, home):
        assert "Current notice" in page
        assert "Expired notice" not in page and "Scheduled notice" not in page
    assert client.get(f"/announcements/{current.id}").status_code == 200
    assert client.get(f"/announcements/{expired.id}").status_code == 404
    assert client.get(f"/announcements/{scheduled.id}").status_code == 404

    login(client, users["editor"])
    assert client.get(f"/announcements/{expired.id}").status_code == 200  # managers may preview
    admin_list = client.get("/admin/announcements").get_data(as_text=True)
    assert "Expired notice" in admin_list and "Scheduled notice" in admin_list


def test_pinned_notices_come_first(client):
    add_notice(title="Newer plain notice", days_ago=1)
    add_notice(title="Older pinned notice", days_ago=5, pinned=True)
    listing = client.get("/announcements").get_data(as_text=True)
    assert listing.index("Older pinned notice") < listing.index("Newer plain notice")


# -- demo --------------------------------------------------------------------------


def test_demo_loader_is_idempotent_and_credits_the_demo_editor(app):
    from core.demo import load_demo

    load_demo()
    first = db.session.execute(db.select(Announcement.id, Announcement.title).order_by(Announcement.id)).all()
    assert len(first) == len(demo.NOTICES) == 3
    load_demo()
    demo.load()
    db.session.commit()
    assert db.session.execute(db.select(Announcement.id, Announcement.title).order_by(Announcement.id)).all() == first
    notices = db.session.scalars(db.select(Announcement)).all()
    assert all(n.author is not None and n.author.email == demo.DEMO_AUTHOR for n in notices)
    assert all(n.is_visible() for n in notices)
    assert sum(n.pinned for n in notices) == 1
