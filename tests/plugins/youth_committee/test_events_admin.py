"""Committee editors set up events (bad input refused), check people in at the door, match
volunteers, export attendee lists safely; the iCalendar feed and the reminders."""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from core.extensions import db
from core.mail import OutboxMessage
from core.users.models import utcnow
from plugins.youth_committee import ical, registration as service
from plugins.youth_committee.models import CONFIRMED, Event, EventVolunteer, Registration, Volunteer
from plugins.youth_committee.reminders import send_due_reminders
from tests.conftest import login, make_user
from tests.plugins.youth_committee.conftest import make_event


@pytest.fixture
def editor(app, committee_editor):
    client = app.test_client()
    login(client, committee_editor)
    return client


def local(days, hour=14):
    moment = utcnow() + timedelta(days=days, hours=8)  # Beijing time, as the form is filled in
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def event_form(**fields):
    data = {"title": "QC工具实训", "kind": "training", "area": "young-workers", "description": "带问题来",
            "location": "协会培训室", "starts_at": local(10), "ends_at": local(10, 17), "capacity": "20",
            "base_id": "0", "guests_allowed": "y", "registration_open": "y", "published": "y"}
    data.update(fields)
    return data


def count_events():
    return db.session.scalar(db.select(db.func.count(Event.id)))


def test_an_editor_creates_an_event(app, editor):
    response = editor.post("/admin/youth/events/new", data=event_form())
    assert response.status_code == 302
    event = db.session.scalar(db.select(Event))
    assert (event.title, event.capacity, event.seats_taken, event.area) == ("QC工具实训", 20, 0, "young-workers")
    assert event.starts_at > utcnow()


@pytest.mark.parametrize("fields", [
    {"starts_at": local(-2), "ends_at": local(-2, 17)},  # in the past
    {"ends_at": local(9)},  # ends before it starts
    {"capacity": "-5"},
    {"capacity": "0"},
    {"capacity": "lots"},
    {"base_id": "999999"},  # a forged base
    {"area": "nope"},
    {"kind": "party"},
    {"title": ""},
    {"starts_at": "3000-01-01T10:00", "ends_at": "3000-01-01T12:00"},
])
def test_bad_event_input_is_refused_and_nothing_saved(app, editor, fields):
    response = editor.post("/admin/youth/events/new", data=event_form(**fields))
    assert response.status_code == 400
    assert count_events() == 0


def test_capacity_cannot_go_below_the_confirmed_places_and_raising_it_moves_the_queue(app, editor):
    event = make_event(capacity=2)
    first, second, third = (make_user("member", email=f"{n}@example.org") for n in "abc")
    for user in (first, second, third):
        service.register_member(event, user)
    event_id = event.id
    starts = event.starts_at + timedelta(hours=8)
    keep_time = {"starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                 "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    # 1 passes the form's NumberRange: only the check against the 2 confirmed places refuses it.
    response = editor.post(f"/admin/youth/events/{event_id}", data=event_form(capacity="1", **keep_time))
    assert response.status_code == 400 and "confirmed place" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event_id).capacity == 2
    response = editor.post(f"/admin/youth/events/{event_id}", data=event_form(capacity="3", **keep_time))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event_id).seats_taken == 3
    assert {r.status for r in db.session.scalars(db.select(Registration))} == {CONFIRMED}


def test_an_unparseable_start_time_is_a_form_error_not_a_server_error(app, editor):
    event = make_event()
    response = editor.post(f"/admin/youth/events/{event.id}", data=event_form(starts_at="next tuesday"))
    assert response.status_code == 400
    response = editor.post("/admin/youth/events/new", data=event_form(starts_at="2027-13-45T99:99"))
    assert response.status_code == 400


def test_capacity_edits_and_promotions_reach_the_cached_public_pages(app, editor):
    event = make_event(capacity=1)
    service.register_member(event, make_user("member", email="a@example.org"))
    service.register_member(event, make_user("member", email="b@example.org"))
    visitor = app.test_client()
    assert "0 of 1 left" in visitor.get(f"/youth/events/{event.id}").get_data(as_text=True)
    assert visitor.get(f"/youth/events/{event.id}").headers.get("X-Cache") == "HIT"
    starts = event.starts_at + timedelta(hours=8)
    response = editor.post(f"/admin/youth/events/{event.id}", data=event_form(
        title=event.title, kind=event.kind, area=event.area, description="", location=event.location,
        capacity="3", starts_at=starts.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    assert "1 of 3 left" in visitor.get(f"/youth/events/{event.id}").get_data(as_text=True)


def test_forged_ids_in_the_admin_answer_404(app, editor):
    for url in ("/admin/youth/events/999999", "/admin/youth/events/99999999999999999999",
                "/admin/youth/events/999999/attendees", "/admin/youth/bases/999999"):
        assert editor.get(url).status_code == 404, url
    assert editor.post("/admin/youth/registrations/999999/check-in").status_code == 404


def test_check_in_at_the_door(app, editor):
    event = make_event(capacity=1)
    present, waiting = make_user("member", email="p@example.org"), make_user("member", email="w@example.org")
    service.register_member(event, present)
    service.register_member(event, waiting)
    confirmed = db.session.scalar(db.select(Registration).filter_by(user_id=present.id))
    queued = db.session.scalar(db.select(Registration).filter_by(user_id=waiting.id))
    page = editor.get(f"/admin/youth/events/{event.id}/attendees").get_data(as_text=True)
    assert f'id="registration-{confirmed.id}"' in page and f'id="registration-{queued.id}"' in page
    editor.post(f"/admin/youth/registrations/{confirmed.id}/check-in")
    editor.post(f"/admin/youth/registrations/{queued.id}/check-in")
    db.session.expire_all()
    assert db.session.get(Registration, confirmed.id).checked_in_at is not None
    assert db.session.get(Registration, queued.id).checked_in_at is None  # nobody waiting is let in
    arrived = db.session.get(Registration, confirmed.id).checked_in_at
    editor.post(f"/admin/youth/registrations/{confirmed.id}/check-in")  # a double tap changes nothing
    db.session.expire_all()
    assert db.session.get(Registration, confirmed.id).checked_in_at == arrived
    page = editor.get(f"/admin/youth/events/{event.id}/attendees").get_data(as_text=True)
    assert f"/admin/youth/registrations/{confirmed.id}/undo-check-in" in page
    editor.post(f"/admin/youth/registrations/{confirmed.id}/undo-check-in")
    db.session.expire_all()
    assert db.session.get(Registration, confirmed.id).checked_in_at is None
    editor.post(f"/admin/youth/registrations/{confirmed.id}/undo-check-in")  # twice: still not arrived
    db.session.expire_all()
    assert db.session.get(Registration, confirmed.id).checked_in_at is None


def test_attendee_lists_leave_out_registrations_never_confirmed_by_mail(app, editor, client):
    event = make_event(capacity=5)
    service.register_member(event, make_user("member", email="m@example.org", name="Confirmed Member"))
    client.post(f"/youth/events/{event.id}/guest", data={"name": "Pending Guest", "email": "p@example.org",
                                                          "phone": "13800138000"})
    client.post(f"/youth/events/{event.id}/guest", data={"name": "Expired Guest", "email": "x@example.org",
                                                          "phone": "13800138001"})
    db.session.execute(db.update(Registration).where(Registration.guest_email == "x@example.org")
                       .values(created_at=utcnow() - timedelta(days=service.GUEST_LINK_DAYS + 1)))
    db.session.commit()
    page = editor.get(f"/admin/youth/events/{event.id}/attendees").get_data(as_text=True)
    assert "Confirmed Member" in page
    assert "Pending Guest" not in page and "Expired Guest" not in page
    assert 'id="unconfirmed"' in page  # the one still able to confirm is counted, not listed
    exported = editor.get(f"/admin/youth/events/{event.id}/attendees.csv").get_data(as_text=True)
    assert "Confirmed Member" in exported and "Guest" not in exported.split("\n", 1)[1]


def test_confirming_a_guest_link_rechecks_that_guests_are_still_allowed(app, client):
    event = make_event(capacity=5)
    client.post(f"/youth/events/{event.id}/guest", data={"name": "王", "email": "g@example.org",
                                                          "phone": "13800138000"})
    token = _link_token("g@example.org")
    db.session.execute(db.update(Event).where(Event.id == event.id).values(guests_allowed=False))
    db.session.commit()
    client.post(f"/youth/registration/{token}/confirm")
    db.session.expire_all()
    assert db.session.scalar(db.select(Registration)).status == "pending"
    assert db.session.get(Event, event.id).seats_taken == 0


def _link_token(address):
    import re

    mail = db.session.scalar(db.select(OutboxMessage).filter_by(recipient=address).order_by(OutboxMessage.id.desc()))
    return re.search(r"/youth/registration/([\w-]+)", mail.body).group(1)


def test_attendee_exports_neutralise_formulas(app, editor):
    event = make_event(capacity=5)
    service.register_member(event, make_user("member", email="m@example.org", name="=HYPERLINK(\"http://x\")"))
    csv_response = editor.get(f"/admin/youth/events/{event.id}/attendees.csv")
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
    xlsx = editor.get(f"/admin/youth/events/{event.id}/attendees.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"
    assert editor.get(f"/admin/youth/events/{event.id}/attendees.pdf").status_code == 404


def test_volunteers_are_matched_to_events(app, editor):
    event = make_event(title="QC工具入门")
    user = make_user("member", email="v@example.org")
    volunteer = Volunteer(user_id=user.id, name="老刘", background="quality_veteran", expertise="QC工具, 六西格玛",
                          availability="周末", status="approved")
    pending = Volunteer(user_id=make_user("member", email="q@example.org").id, name="老张",
                        background="model_worker", expertise="QC工具", availability="周末", status="pending")
    db.session.add_all([volunteer, pending])
    db.session.commit()
    page = editor.get(f"/admin/youth/events/{event.id}/attendees").get_data(as_text=True)
    assert "Good match" in page and "老张" not in page
    editor.post(f"/admin/youth/events/{event.id}/volunteers/{volunteer.id}")
    assert db.session.get(EventVolunteer, (event.id, volunteer.id)) is not None
    assert editor.post(f"/admin/youth/events/{event.id}/volunteers/{pending.id}").status_code == 400
    editor.post(f"/admin/youth/events/{event.id}/volunteers/{volunteer.id}")
    db.session.expire_all()
    assert db.session.get(EventVolunteer, (event.id, volunteer.id)) is None


def test_reminders_go_out_once_and_only_for_confirmed_places_soon(app):
    soon = make_event(title="明天的讲座", capacity=1, days=0.5)
    later = make_event(title="下个月的参观", days=30)
    first, second = make_user("member", email="r1@example.org"), make_user("member", email="r2@example.org")
    service.register_member(soon, first)
    service.register_member(soon, second)  # waiting: no reminder
    service.register_member(later, second)
    db.session.execute(db.delete(OutboxMessage))
    db.session.commit()
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    result = app.test_cli_runner().invoke(args=["youth-committee", "send-reminders"])
    assert "queued 0" in result.output
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert [(m.recipient, "明天的讲座" in m.subject) for m in messages] == [("r1@example.org", True)]


def test_the_icalendar_feed_is_valid_rfc5545(app, client):
    make_event(title="讲座; 质量, 与\n青年", location="协会\\培训室", description="很长的说明" * 30)
    response = client.get("/youth/events.ics")
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:讲座\\; 质量\\, 与\\n青年" in text and "LOCATION:协会\\\\培训室" in text
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "DTSTART:" in text and "UID:youth-committee-event-" in text


def test_icalendar_uids_come_from_the_site_address_not_the_request_host(app_factory):
    app = app_factory(SITE_URL="https://www.example.org")
    with app.app_context():
        event = make_event()
        text = app.test_client().get("/youth/events.ics", headers={"Host": "evil.example.com"}).get_data(as_text=True)
        assert f"UID:youth-committee-event-{event.id}@www.example.org" in text
        assert "evil.example.com" not in text.split("URL:")[0]


def test_folding_never_splits_a_character():
    folded = ical.fold("DESCRIPTION:" + "质" * 100)
    pieces = folded.split("\r\n ")
    assert "".join(pieces) == "DESCRIPTION:" + "质" * 100
    assert all(len(piece.encode()) <= 74 for piece in pieces[1:]) and len(pieces[0].encode()) <= 75
