"""Admin outbox (filter, read, send now) and audit log (filters, pagination)."""
from datetime import datetime

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.mail import OutboxMessage
from tests.conftest import make_user
from tests.core.test_admin_access import signed_in


@pytest.fixture
def admin(app, users):
    return signed_in(app, users["admin"])


@pytest.fixture
def messages(app):
    queued = OutboxMessage(recipient="queued@example.org", subject="Waiting", body="Line one\n<b>not html</b>")
    sent = OutboxMessage(recipient="sent@example.org", subject="Delivered", body="x", status="sent")
    db.session.add_all([queued, sent])
    db.session.commit()
    return queued, sent


def test_outbox_lists_and_filters_by_status(admin, messages):
    everything = admin.get("/admin/outbox").get_data(as_text=True)
    assert "queued@example.org" in everything and "sent@example.org" in everything
    only_sent = admin.get("/admin/outbox?status=sent").get_data(as_text=True)
    assert "sent@example.org" in only_sent and "queued@example.org" not in only_sent
    nonsense = admin.get("/admin/outbox?status=lost")
    assert nonsense.status_code == 200 and "queued@example.org" in nonsense.get_data(as_text=True)


def test_one_message_is_shown_escaped(admin, messages):
    page = admin.get(f"/admin/outbox/{messages[0].id}").get_data(as_text=True)
    assert "Waiting" in page and "&lt;b&gt;not html&lt;/b&gt;" in page
    assert admin.get("/admin/outbox/9999").status_code == 404


def test_send_now_without_smtp_says_so_and_keeps_the_mail(admin, messages):
    response = admin.post("/admin/outbox/flush", follow_redirects=True)
    assert "SMTP is not configured" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, messages[0].id).status == "queued"


class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message["To"])


def test_send_now_with_smtp_delivers_queued_mail(app_factory, monkeypatch):
    monkeypatch.setattr("core.mail.smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent = []
    app = app_factory(MAIL_SERVER="smtp.example.org")
    with app.app_context():
        admin_user = make_user("admin")
        db.session.add(OutboxMessage(recipient="queued@example.org", subject="Waiting", body="x"))
        db.session.commit()
        admin = signed_in(app, admin_user)
        response = admin.post("/admin/outbox/flush", follow_redirects=True)
        assert "Sent 1 messages; 0 still queued." in response.get_data(as_text=True)
        assert FakeSMTP.sent == ["queued@example.org"]
        db.session.expire_all()
        assert db.session.scalar(db.select(OutboxMessage)).status == "sent"
        db.session.remove()


# -- audit log ------------------------------------------------------------------


@pytest.fixture
def log(app, users):
    def entry(action, actor, at, target):
        db.session.add(AuditEntry(action=action, actor=actor, actor_label=actor.email, at=at, target=target, ip="203.0.113.7"))

    entry("user.login", users["editor"], datetime(2021, 7, 22, 2, 0), "editor-login")
    entry("plugin.disabled", users["admin"], datetime(2021, 9, 1, 2, 0), "announcements")
    entry("plugin.enabled", users["admin"], datetime(2021, 9, 2, 2, 0), "announcements-back")
    entry("role.changed", users["admin"], datetime(2021, 9, 30, 17, 0), "late-change")  # 1 October in Shenzhen
    db.session.commit()


def rows(page):
    body = page.get_data(as_text=True).split('id="audit-table"')[1]
    return [target for target in ("editor-login", "announcements<", "announcements-back", "late-change") if target in body]


def test_audit_log_is_newest_first_with_who_what_where(admin, log):
    page = admin.get("/admin/audit?action=plugin.").get_data(as_text=True)
    assert page.index("announcements-back") < page.index("announcements<")
    assert "203.0.113.7" in page and "admin@example.org" in page and "<code>plugin.disabled</code>" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("action=plugin.", ["announcements<", "announcements-back"]),
        ("action=plugin.enabled", ["announcements-back"]),
        ("action=%25", []),  # a literal percent sign, not a wildcard
        ("actor=EDITOR@", ["editor-login"]),
        ("date_from=2021-09-02&date_to=2021-09-30", ["announcements-back"]),
        ("date_from=2021-10-01", ["late-change"]),  # days are the site's (Asia/Shanghai) days
    ],
)
def test_audit_log_filters(admin, log, query, expected):
    assert rows(admin.get(f"/admin/audit?{query}")) == expected


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=yesterday", "Not a valid date value."),
        ("date_from=2021-09-30&date_to=2021-09-01", "The end date is before the start date."),
        ("date_to=0001-01-01", "Enter a date between the years 1900 and 9000."),
    ],
)
def test_bad_audit_filters_say_why_and_show_everything(admin, log, query, message):
    page = admin.get(f"/admin/audit?{query}")
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert len(rows(page)) == 4


def test_audit_log_is_paginated_and_keeps_the_filter(admin, users):
    for number in range(60):
        db.session.add(AuditEntry(action="test.bulk", target=f"t{number:02d}", actor_label="bot@example.org"))
    db.session.commit()
    first = admin.get("/admin/audit?action=test.").get_data(as_text=True)
    second = admin.get("/admin/audit?action=test.&page=2").get_data(as_text=True)
    assert "60 entries" in first
    # Cells, not substrings: a random token elsewhere in the page may contain "t00".
    assert "<td>t59</td>" in first and "<td>t00</td>" not in first and "<td>t00</td>" in second
    assert "/admin/audit?page=2&amp;action=test." in first or "/admin/audit?action=test.&amp;page=2" in first
