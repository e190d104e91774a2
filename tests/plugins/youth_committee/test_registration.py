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


# -- defects found by the audit -----------------------------------------------------


def _token_for(address):
    """The token of the newest confirmation link sent to ``address``."""
    for mail in reversed(_mails_to(address)):
        found = re.search(r"/youth/registration/([\w-]+)", mail.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no link sent to {address}")


def _mails_to(address):
    return db.session.scalars(db.select(OutboxMessage).filter_by(recipient=address).order_by(OutboxMessage.id)).all()


def test_raising_the_capacity_never_confirms_someone_who_cancelled_meanwhile(app, monkeypatch):
    event = make_event(capacity=1)
    first, gone, next_one = members(3, prefix="f")
    for user in (first, gone, next_one):
        service.register_member(event, user)
    gone_registration = db.session.scalar(db.select(Registration).filter_by(user_id=gone.id))
    service.cancel(gone_registration)
    next_registration = db.session.scalar(db.select(Registration).filter_by(user_id=next_one.id))
    # The first candidate was read while still waiting and cancelled before the UPDATE confirms it.
    stale = iter([gone_registration.id])
    real = service._first_waiting
    monkeypatch.setattr(service, "_first_waiting", lambda event_id: next(stale, None) or real(event_id))
    db.session.execute(db.update(Event).where(Event.id == event.id).values(capacity=2))
    promoted = service.fill_free_seats(db.session.get(Event, event.id))
    db.session.commit()
    assert [r.id for r in promoted] == [next_registration.id]
    assert statuses(event) == [CONFIRMED, "cancelled", CONFIRMED]
    assert db.session.get(Event, event.id).seats_taken == 2


def test_two_requests_reusing_the_same_cancelled_registration_take_one_seat(app):
    event = make_event(capacity=3)
    user = make_user("member", email="twice@example.org")
    service.register_member(event, user)
    service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=user.id)))
    event_id, user_id = event.id, user.id
    db.session.remove()
    outcomes, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            from core.users.models import User

            try:
                event, member = db.session.get(Event, event_id), db.session.get(User, user_id)
                db.session.scalar(db.select(Registration).filter_by(user_id=user_id))  # both read it cancelled
                barrier.wait()
                outcomes.append(service.register_member(event, member).status)
            except service.RegistrationError as error:
                outcomes.append(error.status)
            except Exception as error:  # pragma: no cover
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes, key=str) == sorted([CONFIRMED, 409], key=str)
    assert statuses(db.session.get(Event, event_id)) == [CONFIRMED]
    assert db.session.get(Event, event_id).seats_taken == 1


def test_recount_repairs_seats_leaked_while_the_plugin_was_disabled(app):
    from core.plugins import get_host
    from core.users.service import delete_user

    event = make_event(capacity=1)
    leaving, waiting = members(2, prefix="r")
    service.register_member(event, leaving)
    service.register_member(event, waiting)
    get_host().set_enabled("youth_committee", False)
    delete_user(leaving)  # the plugin's on_user_deleted does not run: the seat stays taken
    db.session.commit()
    assert db.session.get(Event, event.id).seats_taken == 1 and statuses(event) == [WAITING]
    get_host().set_enabled("youth_committee", True)
    result = app.test_cli_runner().invoke(args=["youth-committee", "recount"])
    assert result.exit_code == 0 and "promoted 1" in result.output
    assert statuses(event) == [CONFIRMED]
    assert db.session.get(Event, event.id).seats_taken == 1
    result = app.test_cli_runner().invoke(args=["youth-committee", "recount"])
    assert "corrected 0 event(s), promoted 0" in result.output


def test_members_with_an_unverified_address_confirm_by_mail_first(app, client):
    event = make_event(capacity=1)
    unverified = make_user("member", email="new@example.org", email_verified_at=None)
    login(client, unverified)
    client.post(f"/youth/events/{event.id}/register")
    assert statuses(event) == [PENDING]
    assert db.session.get(Event, event.id).seats_taken == 0
    page = client.get(f"/youth/events/{event.id}").get_data(as_text=True)
    assert 'data-status="pending"' in page
    client.post(f"/youth/registration/{_token_for('new@example.org')}/confirm")
    assert statuses(event) == [CONFIRMED]
    assert db.session.get(Event, event.id).seats_taken == 1


def test_nobody_cancels_once_the_event_has_started(app, client):
    from core.users.service import delete_user

    event = make_event(capacity=1)
    member, waiting = members(2, prefix="s")
    service.register_member(event, member)
    service.register_member(event, waiting)
    client.post(f"/youth/events/{event.id}/guest", data={"name": "客", "email": "g@example.org",
                                                          "phone": "13800138000"})
    token = _token_for("g@example.org")
    client.post(f"/youth/registration/{token}/confirm")
    db.session.execute(db.update(Event).where(Event.id == event.id).values(starts_at=utcnow_minus(hours=1)))
    db.session.commit()
    signed_in = app.test_client()
    login(signed_in, member)
    signed_in.post(f"/youth/events/{event.id}/cancel")
    client.post(f"/youth/registration/{token}/cancel")
    with pytest.raises(service.RegistrationError):
        service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=member.id)))
    assert statuses(event) == [CONFIRMED, WAITING, WAITING]
    delete_user(member)  # a past event's place is released, and nobody is promoted into it
    db.session.commit()
    assert statuses(event) == [WAITING, WAITING]
    assert db.session.get(Event, event.id).seats_taken == 0


def utcnow_minus(**delta):
    from datetime import timedelta

    from core.users.models import utcnow

    return utcnow() - timedelta(**delta)


def test_the_guest_form_answers_the_same_for_every_address(app, client):
    event = make_event(capacity=1)
    data = {"name": "王小明", "email": "guest@example.org", "phone": "13800138000"}
    first = client.post(f"/youth/events/{event.id}/guest", data=data, follow_redirects=True)
    client.post(f"/youth/registration/{_token_for('guest@example.org')}/confirm")
    again = client.post(f"/youth/events/{event.id}/guest", data=data | {"name": "冒名", "phone": "13900000000"},
                        follow_redirects=True)
    assert first.status_code == again.status_code == 200

    def notice(response):
        return re.sub(r"\s+", " ", re.search(r'class="flash[^"]*"[^>]*>(.*?)<', response.get_data(as_text=True),
                                             re.S).group(1))

    assert notice(first) == notice(again)
    assert "already registered" not in again.get_data(as_text=True)
    mails = _mails_to("guest@example.org")
    assert "already registered" in mails[-1].body  # the real state goes to the mailbox
    stored = db.session.scalar(db.select(Registration))
    assert (stored.guest_name, stored.guest_phone, stored.status) == ("王小明", "13800138000", CONFIRMED)


def test_an_anonymous_request_does_not_overwrite_a_pending_guest(app, client):
    event = make_event()
    client.post(f"/youth/events/{event.id}/guest", data={"name": "王小明", "email": "guest@example.org",
                                                          "phone": "13800138000"})
    client.post(f"/youth/events/{event.id}/guest", data={"name": "冒名", "email": "Guest@example.org",
                                                          "phone": "13900000000"})
    db.session.expire_all()
    stored = db.session.scalar(db.select(Registration))
    assert (stored.guest_name, stored.guest_phone, stored.status) == ("王小明", "13800138000", PENDING)
    client.post(f"/youth/registration/{_token_for('guest@example.org')}/confirm")  # the newest link works
    assert statuses(event) == [CONFIRMED]


def test_a_returning_guest_starts_with_no_reminder_or_check_in(app, client):
    event = make_event()
    data = {"name": "王小明", "email": "guest@example.org", "phone": "13800138000"}
    client.post(f"/youth/events/{event.id}/guest", data=data)
    client.post(f"/youth/registration/{_token_for('guest@example.org')}/confirm")
    db.session.execute(db.update(Registration).values(reminded_at=utcnow_minus(hours=1),
                                                      checked_in_at=utcnow_minus(hours=1)))
    db.session.commit()
    client.post(f"/youth/registration/{_token_for('guest@example.org')}/cancel")
    client.post(f"/youth/events/{event.id}/guest", data=data)
    client.post(f"/youth/registration/{_token_for('guest@example.org')}/confirm")
    db.session.expire_all()
    stored = db.session.scalar(db.select(Registration))
    assert stored.status == CONFIRMED and stored.reminded_at is None and stored.checked_in_at is None


def test_cancelling_refreshes_the_cached_event_page(app, client):
    event = make_event(capacity=1)
    holder = make_user("member", email="holder@example.org")
    service.register_member(event, holder)
    assert "0 of 1 left" in client.get(f"/youth/events/{event.id}").get_data(as_text=True)
    assert client.get(f"/youth/events/{event.id}").headers.get("X-Cache") == "HIT"
    service.cancel(db.session.scalar(db.select(Registration).filter_by(user_id=holder.id)))
    assert "1 of 1 left" in client.get(f"/youth/events/{event.id}").get_data(as_text=True)


def test_the_guest_link_page_is_never_cached(app, client):
    event = make_event()
    client.post(f"/youth/events/{event.id}/guest", data={"name": "王", "email": "g@example.org",
                                                          "phone": "13800138000"})
    token = _token_for("g@example.org")
    from core.pagecache import get_cache

    store = get_cache(app).store
    fresh = app.test_client()  # no flashed message waiting
    assert fresh.get(f"/youth/events/{event.id}").status_code == 200
    stored = len(store)
    assert stored >= 1  # the cache is on: an ordinary public page is kept
    for _ in range(2):
        response = fresh.get(f"/youth/registration/{token}")
        assert response.status_code == 200 and response.headers.get("X-Cache") != "HIT"
    assert len(store) == stored


def test_a_member_cancels_after_the_event_was_unpublished(app, client):
    event = make_event(capacity=1)
    member, waiting = members(2, prefix="u")
    service.register_member(event, member)
    service.register_member(event, waiting)
    db.session.execute(db.update(Event).where(Event.id == event.id).values(published=False))
    db.session.commit()
    login(client, member)
    assert "/youth/events/%d/cancel" % event.id in client.get("/me").get_data(as_text=True)
    response = client.post(f"/youth/events/{event.id}/cancel")
    assert response.status_code == 302
    assert statuses(event) == ["cancelled", CONFIRMED]
    stranger = app.test_client()
    login(stranger, make_user("member", email="stranger@example.org"))
    assert stranger.post(f"/youth/events/{event.id}/cancel").status_code == 404


@pytest.mark.postgres
def test_a_cancellation_during_a_registration_leaves_no_seat_free_on_postgresql(app_factory, pg_migrated, monkeypatch):
    """The registration has found the event full and is about to commit as waiting when the only
    place is cancelled: without the event row lock the cancellation sees nobody waiting and frees
    the seat, and the newcomer waits beside an empty place."""
    from core.users.models import User
    from tests.conftest import _clean_postgres

    app = app_factory(SQLALCHEMY_DATABASE_URI=pg_migrated)
    with app.app_context():
        _clean_postgres(app)
        event = make_event(capacity=1)
        holder, newcomer = members(2, prefix="pg")
        service.register_member(event, holder)
        event_id, holder_id, newcomer_id = event.id, holder.id, newcomer.id
        holding = db.session.scalar(db.select(Registration.id).filter_by(user_id=holder_id))
        db.session.remove()
        queued, release, errors = threading.Event(), threading.Event(), []
        real_notify = service._notify

        def paused_notify(registration, template):
            if threading.current_thread().name == "newcomer":
                queued.set()
                release.wait(10)
            real_notify(registration, template)

        monkeypatch.setattr(service, "_notify", paused_notify)

        def run(work):
            def target():
                with app.app_context():
                    try:
                        work()
                    except Exception as error:  # pragma: no cover
                        errors.append(repr(error))
                    finally:
                        db.session.remove()
            return target

        registering = threading.Thread(name="newcomer", target=run(lambda: service.register_member(
            db.session.get(Event, event_id), db.session.get(User, newcomer_id))))
        cancelling = threading.Thread(name="holder", target=run(lambda: service.cancel(
            db.session.get(Registration, holding))))
        registering.start()
        assert queued.wait(10)
        cancelling.start()
        cancelling.join(1)  # with the lock it waits for the registration's commit
        release.set()
        registering.join(30)
        cancelling.join(30)
        assert errors == []
        assert statuses(db.session.get(Event, event_id)) == ["cancelled", CONFIRMED]
        assert db.session.get(Event, event_id).seats_taken == 1
        db.session.remove()
