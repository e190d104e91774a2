"""Registering for events without ever over-booking, and the waiting list that moves up.

A seat is taken by one conditional UPDATE on the event's counter
(``seats_taken = seats_taken + 1 WHERE seats_taken < capacity``): the database applies
concurrent UPDATEs of one row one after the other and re-checks the condition each time
(PostgreSQL re-evaluates it on the newest row version; SQLite lets one writer in at a time),
so two registrations can never both take the last seat. Whoever does not get a seat joins
the waiting list. A cancelled seat passes to the first person waiting, claimed with another
conditional UPDATE so that two cancellations never promote the same person twice.

Members are confirmed at once (their address is verified). Guests give a name, an e-mail
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


def _take_seat(event_id):
    """Take one seat if one is free; True when this transaction got it."""
    result = db.session.execute(
        db.update(Event)
        .where(Event.id == event_id, Event.seats_taken < Event.capacity)
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _seat_or_queue(registration):
    now = utcnow()
    if _take_seat(registration.event_id):
        registration.status, registration.confirmed_at = CONFIRMED, now
    else:
        registration.status, registration.queued_at = WAITING, now


def register_member(event, user):
    """Register a signed-in member: confirmed or waiting. Commits; raises RegistrationError."""
    refusal = registration_refusal(event)
    if refusal:
        raise RegistrationError(refusal)
    existing = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, user_id=user.id))
    if existing is not None and existing.status != CANCELLED:
        raise RegistrationError(_("You are already registered for this event."), 409)
    registration = existing or Registration(event_id=event.id, user_id=user.id)
    registration.cancelled_at = registration.reminded_at = registration.checked_in_at = None
    try:
        # The seat first: before it, this transaction has read nothing it could act on stale.
        _seat_or_queue(registration)
        db.session.add(registration)
        db.session.flush()
        _notify(registration, "youth_committee/mail/registered.txt")
        db.session.commit()
    except IntegrityError:  # the same member twice at once: the first one counts
        db.session.rollback()
        raise RegistrationError(_("You are already registered for this event."), 409) from None
    return registration


def register_guest(event, name, email, phone):
    """Record a guest's registration as pending and mail the confirmation link. Commits.

    A guest who registers again while pending gets a fresh link; one already confirmed or
    waiting is told so (without revealing anything else about the registration)."""
    refusal = registration_refusal(event)
    if refusal:
        raise RegistrationError(refusal)
    if not event.guests_allowed:
        raise RegistrationError(_("This event is open to members only. Please sign in."), 403)
    email = email.strip().lower()
    existing = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, guest_email=email))
    if existing is not None and existing.status in (CONFIRMED, WAITING):
        raise RegistrationError(_("This e-mail address is already registered for this event."), 409)
    registration = existing or Registration(event_id=event.id, guest_email=email)
    registration.guest_name, registration.guest_phone = name.strip(), phone.strip()
    registration.status, registration.created_at = PENDING, utcnow()
    registration.cancelled_at = registration.confirmed_at = registration.queued_at = None
    token = secrets.token_urlsafe(24)
    registration.token_hash = hash_token(token)
    try:
        db.session.add(registration)
        db.session.flush()
        link = url_for("youth_committee.guest_registration", token=token, _external=True)
        queue_mail(email, _("Please confirm your registration: %(title)s", title=event.title),
                   "youth_committee/mail/confirm_guest.txt", registration=registration, event=event, link=link,
                   days=GUEST_LINK_DAYS)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RegistrationError(_("This e-mail address is already registered for this event."), 409) from None
    return registration


def by_token(token):
    if not token or len(token) > 100:
        return None
    return db.session.scalar(db.select(Registration).where(Registration.token_hash == hash_token(token)))


def confirm_guest(registration):
    """A guest followed the link: take a seat or join the queue. Commits; idempotent."""
    if registration.status != PENDING:
        return registration
    if registration.created_at < utcnow() - timedelta(days=GUEST_LINK_DAYS):
        raise RegistrationError(_("This link has expired. Please register again."), 410)
    refusal = registration_refusal(registration.event)
    if refusal:
        raise RegistrationError(refusal)
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


def cancel(registration):
    """Cancel a registration; a freed seat goes to the first person waiting. Commits.

    Returns the promoted registration, if any."""
    previous = registration.status
    if previous == CANCELLED:
        return None
    changed = db.session.execute(
        db.update(Registration)
        .where(Registration.id == registration.id, Registration.status == previous)
        .values(status=CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # cancelled (or promoted) by someone else meanwhile: start again from the stored state
        db.session.rollback()
        db.session.refresh(registration)
        return cancel(registration)
    promoted = pass_seat_on(registration.event_id) if previous == CONFIRMED else None
    db.session.commit()
    db.session.refresh(registration)
    return promoted


def pass_seat_on(event_id):
    """Give a freed seat to the first person waiting, or release it; returns the promoted registration."""
    while True:
        candidate = db.session.scalar(
            db.select(Registration.id)
            .where(Registration.event_id == event_id, Registration.status == WAITING)
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
        )
        if candidate is None:
            db.session.execute(
                db.update(Event).where(Event.id == event_id, Event.seats_taken > 0)
                .values(seats_taken=Event.seats_taken - 1).execution_options(synchronize_session=False)
            )
            return None
        claimed = db.session.execute(
            db.update(Registration)
            .where(Registration.id == candidate, Registration.status == WAITING)
            .values(status=CONFIRMED, confirmed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            promoted = db.session.get(Registration, candidate)
            db.session.refresh(promoted)
            _notify(promoted, "youth_committee/mail/promoted.txt")
            return promoted


def fill_free_seats(event):
    """After the capacity went up: promote people waiting while seats are free. Caller commits."""
    promoted = []
    while True:
        candidate = db.session.scalar(
            db.select(Registration.id).where(Registration.event_id == event.id, Registration.status == WAITING)
            .order_by(Registration.queued_at, Registration.id).limit(1)
        )
        if candidate is None or not _take_seat(event.id):
            return promoted
        db.session.execute(
            db.update(Registration).where(Registration.id == candidate)
            .values(status=CONFIRMED, confirmed_at=utcnow()).execution_options(synchronize_session=False)
        )
        registration = db.session.get(Registration, candidate)
        db.session.refresh(registration)
        _notify(registration, "youth_committee/mail/promoted.txt")
        promoted.append(registration)


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
