"""Registration: capacity, the waiting list, cancellation moving it up, guests confirming by
e-mail link, and no over-booking when many people register at the same moment."""
import re
import threading

import pytest

from core.extensions import db
from core.mail import OutboxMessage
from plugins.youth_committee import registration as service
from plugins.youth_committee.models import CONFIRMED, PENDING, WAITING, Event, Registration
from tests.conftest import login, make_user
from tests.plugins.youth_committee.conftest import make_event


def members(count, prefix="m"):
    return [make_user("member", email=f"{prefix}{n}@example.org") for n in range(count)]


def statuses(event):
    db.session.expire_all()
    rows = db.session.scalars(db.select(Registration).where(Registration.event_id == event.id)
                              .order_by(Registration.id)).all()
    return [row.status for row in rows]


def test_places_then_waiting_list_then_cancellation_moves_it_up(app):
    event = make_event(capacity=2)
    first, second, third, fourth = members(4)
    results = [service.register_member(event, user).status for user in (first, second, third, fourth)]
    assert results == [CONFIRMED, CONFIRMED, WAITING, WAITING]
    third_registration = db.session.scalar(db.select(Registration).filter_by(user_id=third.id))
    fourth_registration = db.session.scalar(db.select(Registration).filter_by(user_id=fourth.id))
    assert service.waiting_position(fourth_registration) == 2

    promoted = service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=first.id)))
    assert promoted.id == third_registration.id
    assert statuses(event) == ["cancelled", CONFIRMED, CONFIRMED, WAITING]
    assert service.waiting_position(db.session.get(Registration, fourth_registration.id)) == 1
    assert db.session.get(Event, event.id).seats_taken == 2
    promoted_mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.recipient == third.email)
                                      .order_by(OutboxMessage.id.desc()))
    assert "A place became free" in promoted_mail.body

    # A person waiting who cancels frees nothing; a confirmed one with nobody waiting frees a seat.
    service.cancel(db.session.get(Registration, fourth_registration.id))
    assert db.session.get(Event, event.id).seats_taken == 2
    service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=second.id)))
    assert db.session.get(Event, event.id).seats_taken == 1


def test_cancelling_twice_frees_one_seat_only(app):
    event = make_event(capacity=1)
    first, second, third = members(3)
    for user in (first, second, third):
        service.register_member(event, user)
    mine = db.session.scalar(db.select(Registration).filter_by(user_id=first.id))
    service.cancel(mine)
    service.cancel(mine)
    assert statuses(event) == ["cancelled", CONFIRMED, WAITING]


def test_a_member_registers_once(app):
    event = make_event()
    user = make_user("member")
    service.register_member(event, user)
    with pytest.raises(service.RegistrationError):
        service.register_member(event, user)
    service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=user.id)))
    assert service.register_member(event, user).status == CONFIRMED  # registering again after cancelling


def _register_all_at_once(app, event_id, user_ids):
    barrier = threading.Barrier(len(user_ids))
    outcomes, errors = [], []

    def worker(user_id):
        with app.app_context():
            try:
                from core.users.models import User

                event = db.session.get(Event, event_id)
                user = db.session.get(User, user_id)
                barrier.wait()
                outcomes.append(service.register_member(event, user).status)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


def _check_no_overbooking(app, capacity, people):
    event_id = make_event(capacity=capacity).id
    user_ids = [user.id for user in members(people, prefix=f"c{capacity}-")]
    db.session.remove()
    outcomes, errors = _register_all_at_once(app, event_id, user_ids)
    assert errors == []
    assert sorted(outcomes) == sorted([CONFIRMED] * capacity + [WAITING] * (people - capacity))
    stored = db.session.get(Event, event_id)
    confirmed = db.session.scalar(db.select(db.func.count(Registration.id))
                                  .filter_by(event_id=event_id, status=CONFIRMED))
    assert confirmed == stored.seats_taken == capacity


def test_concurrent_registrations_never_overbook_on_sqlite(app):
    _check_no_overbooking(app, capacity=3, people=12)


@pytest.mark.postgres
def test_concurrent_registrations_never_overbook_on_postgresql(app_factory, pg_migrated):
    from tests.conftest import _clean_postgres

    app = app_factory(SQLALCHEMY_DATABASE_URI=pg_migrated)
    with app.app_context():
        _clean_postgres(app)
        _check_no_overbooking(app, capacity=3, people=12)
        db.session.remove()


def test_concurrent_cancellations_promote_each_person_once(app):
    _check_concurrent_cancellations(app)


@pytest.mark.postgres
def test_concurrent_cancellations_promote_each_person_once_on_postgresql(app_factory, pg_migrated):
    from tests.conftest import _clean_postgres

    app = app_factory(SQLALCHEMY_DATABASE_URI=pg_migrated)
    with app.app_context():
        _clean_postgres(app)
        _check_concurrent_cancellations(app)
        db.session.remove()


def _check_concurrent_cancellations(app):
    event = make_event(capacity=3)
    event_id = event.id
    users = members(6, prefix="x")
    for user in users:
        service.register_member(event, user)
    confirmed_ids = [r.id for r in db.session.scalars(db.select(Registration).filter_by(status=CONFIRMED))]
    db.session.remove()
    barrier = threading.Barrier(len(confirmed_ids))
    errors = []

    def worker(registration_id):
        with app.app_context():
            try:
                registration = db.session.get(Registration, registration_id)
                barrier.wait()
                service.cancel(registration)
            except Exception as error:  # pragma: no cover
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(rid,)) for rid in confirmed_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    event = db.session.get(Event, event_id)
    assert statuses(event) == ["cancelled"] * 3 + [CONFIRMED] * 3
    assert event.seats_taken == 3


# -- through the web ------------------------------------------------------------------


def test_member_registers_and_cancels_through_the_pages(app, users):
    event = make_event(capacity=1)
    other = make_user("member", email="other@example.org")
    service.register_member(event, other)
    client = app.test_client()
    login(client, users["member"])
    response = client.post(f"/youth/events/{event.id}/register", follow_redirects=True)
    assert "waiting list" in response.get_data(as_text=True)
    assert 'data-status="waiting"' in client.get(f"/youth/events/{event.id}").get_data(as_text=True)
    service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=other.id)))
    assert 'data-status="confirmed"' in client.get(f"/youth/events/{event.id}").get_data(as_text=True)
    client.post(f"/youth/events/{event.id}/cancel")
    assert statuses(event) == ["cancelled", "cancelled"]


def test_anonymous_visitors_cannot_register_as_members(app, event):
    response = app.test_client().post(f"/youth/events/{event.id}/register")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert statuses(event) == []


def test_guest_confirms_by_link_and_only_then_takes_a_place(app, client):
    event = make_event(capacity=1)
    response = client.post(f"/youth/events/{event.id}/guest",
                           data={"name": "王小明", "email": "Guest@Example.org", "phone": "13800138000"})
    assert response.status_code == 302
    registration = db.session.scalar(db.select(Registration).filter_by(event_id=event.id))
    assert registration.status == PENDING and registration.guest_email == "guest@example.org"
    assert db.session.get(Event, event.id).seats_taken == 0
    mail = db.session.scalar(db.select(OutboxMessage).filter_by(recipient="guest@example.org"))
    link = re.search(r"http://[^\s]+/youth/registration/([\w-]+)", mail.body)
    token = link.group(1)
    assert registration.token_hash != token  # only the hash is stored
    assert 'data-status="pending"' in client.get(f"/youth/registration/{token}").get_data(as_text=True)
    client.post(f"/youth/registration/{token}/confirm")
    client.post(f"/youth/registration/{token}/confirm")  # twice: still one seat
    assert statuses(event) == [CONFIRMED]
    assert db.session.get(Event, event.id).seats_taken == 1
    client.post(f"/youth/registration/{token}/cancel")
    assert statuses(event) == ["cancelled"]
    assert db.session.get(Event, event.id).seats_taken == 0
    assert client.get("/youth/registration/not-a-token").status_code == 404


@pytest.mark.parametrize("data", [
    {"name": "", "email": "a@example.org", "phone": "13800138000"},
    {"name": "王", "email": "not-an-address", "phone": "13800138000"},
    {"name": "王", "email": "a@example.org", "phone": "call me"},
    {"name": "王" * 200, "email": "a@example.org", "phone": "13800138000"},
])
def test_bad_guest_input_is_refused_and_nothing_saved(app, client, event, data):
    response = client.post(f"/youth/events/{event.id}/guest", data=data)
    assert response.status_code == 400
    assert statuses(event) == []


def test_members_only_events_refuse_guests(app, client):
    event = make_event(guests_allowed=False)
    response = client.post(f"/youth/events/{event.id}/guest",
                           data={"name": "王", "email": "a@example.org", "phone": "13800138000"})
    assert response.status_code == 400
    assert statuses(event) == []


def test_registration_is_refused_for_past_closed_unpublished_and_forged_events(app, users):
    client = app.test_client()
    login(client, users["member"])
    past = make_event(days=-1)
    closed = make_event(registration_open=False)
    hidden = make_event(published=False)
    for event in (past, closed):
        client.post(f"/youth/events/{event.id}/register")
        assert statuses(event) == []
    assert client.post(f"/youth/events/{hidden.id}/register").status_code == 404
    for forged in (999999, 99999999999999999999):
        assert client.post(f"/youth/events/{forged}/register").status_code == 404
        assert client.get(f"/youth/events/{forged}").status_code == 404


def test_a_deleted_member_s_place_passes_to_the_next_person(app):
    from core.users.service import delete_user

    event = make_event(capacity=1)
    leaving, next_one = members(2, prefix="d")
    service.register_member(event, leaving)
    service.register_member(event, next_one)
    delete_user(leaving)
    db.session.commit()
    assert statuses(event) == [CONFIRMED]
    assert db.session.scalar(db.select(Registration)).user_id == next_one.id
    assert db.session.get(Event, event.id).seats_taken == 1
