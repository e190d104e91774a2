"""The events calendar, an event's page, registration and cancellation, and the iCalendar feed."""
from itertools import groupby

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from core import pagecache
from core.extensions import db, limiter
from core.permissions import login_required, public
from core.users.blueprint import user_or_address
from plugins.youth_committee import ical, registration as service
from plugins.youth_committee.content import AREAS
from plugins.youth_committee.events_query import past, upcoming
from plugins.youth_committee.forms import ActionForm, GuestRegisterForm, RegisterForm
from plugins.youth_committee.models import Event, Registration
from plugins.youth_committee.views import bp, get_or_404

REGISTER_LIMIT = "10 per minute; 60 per hour"


def visible_event_or_404(event_id):
    event = get_or_404(Event, event_id)
    if not event.published and not (current_user.is_authenticated and current_user.can("youth_committee.edit")):
        abort(404)
    return event


@bp.route("/events")
@public
def calendar():
    area = request.args.get("area", "")
    events = upcoming(area=area if area in AREAS else None)
    months = [(format_date(to_user_timezone(items[0].starts_at), "yyyy MMMM"), items)
              for items in (list(group) for _key, group in
                            groupby(events, key=lambda e: to_user_timezone(e.starts_at).strftime("%Y-%m")))]
    return render_template("youth_committee/events.html", months=months, past=past(limit=10),
                           areas=AREAS.values(), area=area if area in AREAS else "")


@bp.route("/events/<int:event_id>")
@public
def event(event_id):
    event = visible_event_or_404(event_id)
    mine = None
    if current_user.is_authenticated:
        mine = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, user_id=current_user.id))
    return render_template(
        "youth_committee/event.html",
        event=event,
        mine=mine,
        position=service.waiting_position(mine) if mine else None,
        refusal=service.registration_refusal(event),
        register_form=RegisterForm(),
        guest_form=GuestRegisterForm(),
        action_form=ActionForm(),
        area=AREAS.get(event.area),
    )


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@limiter.limit(REGISTER_LIMIT, key_func=user_or_address)
@login_required
def register(event_id):
    event = visible_event_or_404(event_id)
    if not RegisterForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for(".event", event_id=event.id))
    try:
        registration = service.register_member(event, current_user._get_current_object())
    except service.RegistrationError as error:
        flash(error.message, "error")
        return redirect(url_for(".event", event_id=event.id))
    if registration.status == "confirmed":
        flash(_("You are registered. We have sent you a confirmation."), "success")
    elif registration.status == "pending":
        flash(_("Please open the link we sent to your e-mail address to confirm."), "warning")
    else:
        flash(_("The event is full: you are on the waiting list."), "warning")
    return redirect(url_for(".event", event_id=event.id))


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@login_required
def cancel(event_id):
    # Authorised by the member's own registration: one can still cancel after the event was unpublished.
    event = get_or_404(Event, event_id)
    mine = db.session.scalar(db.select(Registration).filter_by(event_id=event.id, user_id=current_user.id))
    if mine is None or not ActionForm().validate_on_submit():
        abort(400 if mine is not None else 404)
    try:
        service.cancel(mine)
    except service.RegistrationError as error:
        flash(error.message, "error")
    else:
        flash(_("Your registration has been cancelled."), "success")
    if not event.published:
        return redirect(url_for("users.dashboard"))
    return redirect(url_for(".event", event_id=event.id))


@bp.route("/events/<int:event_id>/guest", methods=["POST"])
@limiter.limit(REGISTER_LIMIT, key_func=user_or_address)
@public
def register_guest(event_id):
    event = visible_event_or_404(event_id)
    form = GuestRegisterForm()
    if form.validate_on_submit():
        try:
            service.register_guest(event, form.name.data, form.email.data, form.phone.data)
        except service.RegistrationError as error:
            form.email.errors.append(error.message)
        else:  # the same answer whatever the address's state: the mail tells the rest
            flash(_("Please check your mail: we sent a message to %(email)s.", email=form.email.data), "success")
            return redirect(url_for(".event", event_id=event.id))
    return render_template(
        "youth_committee/event.html", event=event, mine=None, position=None,
        refusal=service.registration_refusal(event), register_form=RegisterForm(), guest_form=form,
        action_form=ActionForm(), area=AREAS.get(event.area),
    ), 400


@bp.route("/registration/<token>")
@public
@pagecache.never  # the secret link must never be stored
def guest_registration(token):
    registration = service.by_token(token) or abort(404)
    return render_template("youth_committee/guest_registration.html", registration=registration, token=token,
                           event=registration.event, position=service.waiting_position(registration),
                           form=ActionForm())


@bp.route("/registration/<token>/confirm", methods=["POST"])
@limiter.limit(REGISTER_LIMIT, key_func=user_or_address)
@public
def guest_confirm(token):
    registration = service.by_token(token) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.confirm_guest(registration)
        except service.RegistrationError as error:
            flash(error.message, "error")
    return redirect(url_for(".guest_registration", token=token))


@bp.route("/registration/<token>/cancel", methods=["POST"])
@public
def guest_cancel(token):
    registration = service.by_token(token) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            service.cancel(registration)
        except service.RegistrationError as error:
            flash(error.message, "error")
        else:
            flash(_("Your registration has been cancelled."), "success")
    return redirect(url_for(".guest_registration", token=token))


@bp.route("/events.ics")
@public
def ical_feed():
    events = upcoming() + past(limit=20)
    text = ical.calendar(
        events,
        host=ical.uid_host(current_app.config),
        url_for_event=lambda e: url_for(".event", event_id=e.id, _external=True),
        name=_("Youth-work committee events"),
    )
    return Response(text, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=events.ics"})
