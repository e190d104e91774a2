"""Registering for events without ever over-booking, and the waiting list that moves up.

A seat is taken by one conditional UPDATE on the event's counter
(``seats_taken = seats_taken + 1 WHERE seats_taken < capacity``): the database applies
concurrent UPDATEs of one row one after the other and re-checks the condition each time
(PostgreSQL re-evaluates it on the newest row version; SQLite lets one writer in at a time),
so two registrations can never both take the last seat. Whoever does not get a seat joins
the waiting list. A cancelled seat passes to the first person waiting, claimed with another
conditional UPDATE so that two cancellations never promote the same person twice.

Members whose address is verified are confirmed at once; the others, like guests, confirm
through an e-mail link first. Seat changes of one event lock its row first (PostgreSQL),
so a cancellation and a registration never miss each other. Guests give a name, an e-mail
address and a phone number and must follow the link we send before they take a seat or a
place in the queue: otherwise anyone could fill an event with made-up addresses.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.mail import queue_mail
from core.pagecache import content_changed
from core.users.models import utcnow
from plugins.youth_committee.models import CANCELLED, CONFIRMED, PENDING, WAITING, Event, Registration

GUEST_LINK_DAYS = 2  # a guest who does not confirm within this time must register again


class RegistrationError(ValueError):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def registration_refusal(event, now=None):
    """Why nobody can register for ``event`` now (a translated message), or None."""
    now = now or utcnow()
    if not event.published:
        return _("This event is not open for registration.")
    if event.starts_at <= now:
        return _("This event has already started.")
    if not event.registration_open:
        return _("Registration for this event is closed.")
    return None


def lock_event(event_id):
    """Serialise seat changes of one event: on PostgreSQL the event's row stays locked until the
    commit, so a cancellation and a new registration cannot both miss each other (a seat left
    free while someone waits). SQLite has no row locks; its single writer serialises them."""
    db.session.execute(db.select(Event.id).where(Event.id == event_id).with_for_update())


def _take_seat(event_id):
    """Take one seat if one is free; True when this transaction got it."""
    result = db.session.execute(
        db.update(Event)
        .where(Event.id == event_id, Event.seats_taken < Event.capacity)
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_seat(event_id):
    db.session.execute(
        db.update(Event).where(Event.id == event_id, Event.seats_taken > 0)
        .values(seats_taken=Event.seats_taken - 1).execution_options(synchronize_session=False)
    )


def _seat_or_queue(registration):
    now = utcnow()
    if _take_seat(registration.event_id):
        registration.status, registration.confirmed_at = CONFIRMED, now
    else:
        registration.status, registration.queued_at = WAITING, now


def _expired(registration, now=None):
    return registration.created_at < (now or utcnow()) - timedelta(days=GUEST_LINK_DAYS)


def _reusable(registration):
    """A stored registration that a new one may take over: cancelled, or never confirmed in time."""
    return registration.status == CANCELLED or (registration.status == PENDING and _expired(registration))


def _claim(registration, **values):
    """Take over a reusable row as it was read: one conditional UPDATE, so that of two requests
    that read the same row only one goes on. Returns whether this one did."""
    claimed = db.session.execute(
        db.update(Registration)
        .where(Registration.id == registration.id, Registration.status == registration.status,
               Registration.created_at == registration.created_at)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    db.session.refresh(registration)
    return True


def _fresh_fields(now):
    """A reused row starts again: nothing of the earlier registration carries over."""
    return dict(created_at=now, confirmed_at=None, queued_at=None, cancelled_at=None, reminded_at=None,
                checked_in_at=None)


def register_member(event, user):
    """Register a signed-in member: confirmed or waiting. Commits; raises RegistrationError.

    A member whose address is not verified gets the guests' e-mail link instead and takes a
    place only after following it (registration is open to anyone who signs up)."""
    refusal = registration_refusal(event)
    if refusal:
        raise RegistrationError(refusal)
    already = RegistrationError(_("You are already registered for this event."), 409)
    verified = user.email_verified_at is not None
    now = utcnow()
    try:
        lock_event(event.id)
        existing = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, user_id=user.id))
        if existing is not None and existing.status == PENDING and not _expired(existing, now):
            raise RegistrationError(_("Please open the link we sent to your e-mail address to confirm."), 409)
        if existing is not None and not _reusable(existing):
            raise already
        if existing is None:
            registration = Registration(event_id=event.id, user_id=user.id, status=PENDING, created_at=now)
            db.session.add(registration)
            db.session.flush()  # a second request for the same member fails here (unique constraint)
        elif _claim(existing, status=PENDING, token_hash=None, **_fresh_fields(now)):
            registration = existing
        else:  # the same member twice at once: the first one counts
            db.session.rollback()
            raise already
        if verified:
            _seat_or_queue(registration)
            db.session.flush()
            _notify(registration, "youth_committee/mail/registered.txt")
        else:
            _send_link(registration, event)
        db.session.commit()
    except IntegrityError:  # the same member twice at once: the first one counts
        db.session.rollback()
        raise already from None
    except RegistrationError:
        db.session.rollback()
        raise
    return registration


def _send_link(registration, event):
    token = secrets.token_urlsafe(24)
    registration.token_hash = hash_token(token)
    db.session.flush()
    link = url_for("youth_committee.guest_registration", token=token, _external=True)
    queue_mail(registration.email, _("Please confirm your registration: %(title)s", title=event.title),
               "youth_committee/mail/confirm_guest.txt", registration=registration, event=event, link=link,
               days=GUEST_LINK_DAYS)


def register_guest(event, name, email, phone):
    """A guest's registration: the answer is the same whatever the address's state (the page
    says "check your mail"), and the mail tells the real state. Commits.

    A new or reusable (cancelled, expired) registration becomes pending and gets the
    confirmation link. A pending one keeps its name and phone (an anonymous request may not
    change them) and gets a fresh link; a confirmed or waiting one is told so by mail."""
    refusal = registration_refusal(event)
    if refusal:
        raise RegistrationError(refusal)
    if not event.guests_allowed:
        raise RegistrationError(_("This event is open to members only. Please sign in."), 403)
    email, now = email.strip().lower(), utcnow()
    try:
        lock_event(event.id)
        existing = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, guest_email=email))
        if existing is not None and existing.status in (CONFIRMED, WAITING):
            queue_mail(email, _("You are already registered: %(title)s", title=event.title),
                       "youth_committee/mail/already_registered.txt", registration=existing, event=event,
                       position=waiting_position(existing))
            db.session.commit()
            return None
        if existing is None:
            registration = Registration(event_id=event.id, guest_email=email, guest_name=name.strip(),
                                        guest_phone=phone.strip(), status=PENDING, created_at=now)
            db.session.add(registration)
            db.session.flush()
        elif existing.status == PENDING and not _expired(existing, now):
            registration = existing
            registration.created_at = now  # the fresh link gets its full time
        elif _claim(existing, status=PENDING, guest_name=name.strip(), guest_phone=phone.strip(),
                    **_fresh_fields(now)):
            registration = existing
        else:  # another request took it over meanwhile; its mail is on the way
            db.session.rollback()
            return None
        _send_link(registration, event)
        db.session.commit()
    except IntegrityError:  # the same address twice at once: the first one's mail is on the way
        db.session.rollback()
        return None
    return registration


def by_token(token):
    if not token or len(token) > 100:
        return None
    return db.session.scalar(db.select(Registration).where(Registration.token_hash == hash_token(token)))


def confirm_guest(registration):
    """A guest (or a member with an unverified address) followed the link: take a seat or join
    the queue. Commits; idempotent."""
    if registration.status != PENDING:
        return registration
    if _expired(registration):
        raise RegistrationError(_("This link has expired. Please register again."), 410)
    event = registration.event
    refusal = registration_refusal(event)
    if refusal:
        raise RegistrationError(refusal)
    if registration.user_id is None and not event.guests_allowed:
        raise RegistrationError(_("This event is open to members only. Please sign in."), 403)
    lock_event(event.id)
    claimed = db.session.execute(
        db.update(Registration).where(Registration.id == registration.id, Registration.status == PENDING)
        .values(status=WAITING).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # the same link opened twice at once
        db.session.rollback()
        return db.session.get(Registration, registration.id)
    _seat_or_queue(registration)
    _notify(registration, "youth_committee/mail/registered.txt")
    db.session.commit()
    return registration


def cancel(registration, now=None):
    """Cancel a registration; a freed seat goes to the first person waiting. Commits.

    Refused once the event has started. Returns the promoted registration, if any."""
    event = db.session.get(Event, registration.event_id)
    if event.starts_at <= (now or utcnow()):
        raise RegistrationError(_("This event has already started: registrations can no longer be cancelled."))
    lock_event(event.id)
    db.session.refresh(registration)
    previous = registration.status
    if previous == CANCELLED:
        db.session.rollback()
        return None
    changed = db.session.execute(
        db.update(Registration)
        .where(Registration.id == registration.id, Registration.status == previous)
        .values(status=CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # cancelled (or promoted) by someone else meanwhile: start again from the stored state
        db.session.rollback()
        return cancel(registration, now)
    promoted = pass_seat_on(registration.event_id) if previous == CONFIRMED else None
    db.session.commit()
    db.session.refresh(registration)
    content_changed()
    return promoted


def _first_waiting(event_id):
    return db.session.scalar(
        db.select(Registration.id)
        .where(Registration.event_id == event_id, Registration.status == WAITING)
        .order_by(Registration.queued_at, Registration.id)
        .limit(1)
    )


def _promote(candidate):
    """Confirm ``candidate`` if it is still waiting (one conditional UPDATE); the registration or None."""
    claimed = db.session.execute(
        db.update(Registration)
        .where(Registration.id == candidate, Registration.status == WAITING)
        .values(status=CONFIRMED, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    promoted = db.session.get(Registration, candidate)
    db.session.refresh(promoted)
    _notify(promoted, "youth_committee/mail/promoted.txt")
    return promoted


def pass_seat_on(event_id):
    """Give a freed seat to the first person waiting, or release it; returns the promoted registration."""
    while True:
        candidate = _first_waiting(event_id)
        if candidate is None:
            release_seat(event_id)
            return None
        promoted = _promote(candidate)
        if promoted is not None:
            return promoted


def fill_free_seats(event):
    """While seats are free, promote people waiting (after the capacity went up, or a recount).
    Caller commits."""
    promoted = []
    while True:
        candidate = _first_waiting(event.id)
        if candidate is None or not _take_seat(event.id):
            return promoted
        registration = _promote(candidate)
        if registration is None:  # no longer waiting (cancelled meanwhile): the seat goes back
            release_seat(event.id)
            continue
        promoted.append(registration)


def recount(event_ids=None):
    """Repair the seat counters: seats_taken = the confirmed registrations, then free seats go to
    people waiting (events still to come). Returns (events corrected, people promoted). Commits."""
    query = db.select(Event.id).order_by(Event.id)
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    corrected = promoted = 0
    now = utcnow()
    for event_id in db.session.scalars(query).all():
        lock_event(event_id)
        event = db.session.get(Event, event_id)
        db.session.refresh(event)
        confirmed = db.session.scalar(db.select(db.func.count(Registration.id))
                                      .where(Registration.event_id == event_id, Registration.status == CONFIRMED))
        if event.seats_taken != min(confirmed, event.capacity):
            db.session.execute(db.update(Event).where(Event.id == event_id)
                               .values(seats_taken=min(confirmed, event.capacity))
                               .execution_options(synchronize_session=False))
            corrected += 1
        if event.starts_at > now:
            promoted += len(fill_free_seats(event))
        db.session.commit()
    content_changed()
    return corrected, promoted


def waiting_position(registration):
    if registration.status != WAITING:
        return None
    ahead = db.session.scalar(
        db.select(db.func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == WAITING,
            db.or_(Registration.queued_at < registration.queued_at,
                   db.and_(Registration.queued_at == registration.queued_at, Registration.id < registration.id)),
        )
    )
    return ahead + 1


def _notify(registration, template):
    event = db.session.get(Event, registration.event_id)
    subjects = {
        CONFIRMED: _("Your place is confirmed: %(title)s", title=event.title),
        WAITING: _("You are on the waiting list: %(title)s", title=event.title),
    }
    if registration.status in subjects and registration.email:
        queue_mail(registration.email, subjects[registration.status], template, registration=registration,
                   event=event)


def my_registrations(user, limit=10):
    """A member's current registrations for events still to come, soonest first."""
    return db.session.scalars(
        db.select(Registration).join(Event)
        .where(Registration.user_id == user.id, Registration.status.in_((CONFIRMED, WAITING)),
               Event.ends_at > utcnow())
        .order_by(Event.starts_at).limit(limit)
    ).all()
