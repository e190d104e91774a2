"""The committee's admin: events (create, edit), attendees with check-in at the door,
volunteer matching, and attendee exports."""
from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc

from core import pagecache, spreadsheets
from core.audit import audit
from core.extensions import db
from core.permissions import permission_required
from core.users.models import utcnow
from plugins.youth_committee import content, exports
from plugins.youth_committee import registration as service
from plugins.youth_committee.content import AREAS, EDIT
from plugins.youth_committee.forms import ActionForm, EventForm
from plugins.youth_committee.models import (
    CONFIRMED,
    PENDING,
    Base,
    Event,
    EventVolunteer,
    Registration,
    Volunteer,
)
from plugins.youth_committee.views import admin_bp, get_or_404


@admin_bp.route("/")
@permission_required(EDIT)
def overview():
    events = db.session.scalars(db.select(Event).order_by(Event.starts_at.desc())).all()
    pending = db.session.scalar(db.select(db.func.count(Volunteer.id)).where(Volunteer.status == "pending"))
    set_up = content.section() is not None and content.root_page() is not None
    return render_template("youth_committee/admin/overview.html", events=events, pending=pending, areas=AREAS,
                           now=utcnow(), set_up=set_up, form=ActionForm())


@admin_bp.route("/set-up", methods=["POST"])
@permission_required(EDIT)
def set_up():
    """The same as `flask youth-committee init`, for a site where the plugin was on from the start."""
    if not ActionForm().validate_on_submit():
        abort(400)
    content.ensure_structure()
    audit("youth_committee.set_up")
    db.session.commit()
    flash(_("The committee's section and pages exist now. Write and publish them under Committee pages and "
            "activities."), "success")
    return redirect(url_for(".overview"))


def _bases():
    return db.session.scalars(db.select(Base).order_by(Base.name)).all()


def _local(value):
    return to_user_timezone(value).replace(tzinfo=None) if value else None


@admin_bp.route("/events/new", methods=["GET", "POST"])
@permission_required(EDIT)
def event_new():
    return _edit(None)


@admin_bp.route("/events/<int:event_id>", methods=["GET", "POST"])
@permission_required(EDIT)
def event_edit(event_id):
    return _edit(get_or_404(Event, event_id))


def _edit(event):
    form = EventForm(obj=event, bases=_bases(), event=event)
    if event is not None and not form.is_submitted():
        form.starts_at.data, form.ends_at.data = _local(event.starts_at), _local(event.ends_at)
        form.base_id.data = event.base_id or 0
    if form.validate_on_submit():
        creating = event is None
        event = event or Event(seats_taken=0)
        for field in ("title", "kind", "area", "description", "location", "guests_allowed", "registration_open",
                      "published"):
            setattr(event, field, getattr(form, field).data)
        event.description = (event.description or "").strip()
        event.starts_at = to_utc(form.starts_at.data).replace(tzinfo=None)
        event.ends_at = to_utc(form.ends_at.data).replace(tzinfo=None)
        event.base_id = form.base_id.data or None
        if creating:
            event.capacity = form.capacity.data
            db.session.add(event)
        else:  # never below the seats taken, even if someone registered since the form was read
            changed = db.session.execute(
                db.update(Event).where(Event.id == event.id, Event.seats_taken <= form.capacity.data)
                .values(capacity=form.capacity.data).execution_options(synchronize_session=False)
            ).rowcount
            if not changed:
                db.session.rollback()
                event = db.session.get(Event, event.id)
                form.capacity.errors.append(_("More people have a confirmed place than that."))
                return render_template("youth_committee/admin/event_form.html", form=form, event=event), 400
        db.session.flush()
        db.session.refresh(event)
        service.fill_free_seats(event)
        audit("youth_committee.event_saved", event.title, id=event.id)
        db.session.commit()
        pagecache.content_changed()  # the capacity and promotions are plain UPDATEs: pages show the places
        flash(_("Saved the event %(title)s.", title=event.title), "success")
        return redirect(url_for(".event_edit", event_id=event.id))
    return render_template("youth_committee/admin/event_form.html", form=form, event=event), (
        400 if form.is_submitted() else 200)


@admin_bp.route("/events/<int:event_id>/attendees")
@permission_required(EDIT)
def attendees(event_id):
    event = get_or_404(Event, event_id)
    registrations = exports.attendees(event)
    unconfirmed = db.session.scalar(db.select(db.func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == PENDING,
        Registration.created_at >= utcnow() - timedelta(days=service.GUEST_LINK_DAYS)))
    matched = {link.volunteer_id for link in event.volunteer_links}
    volunteers = db.session.scalars(
        db.select(Volunteer).where(Volunteer.status == "approved").order_by(Volunteer.name)
    ).all()
    area = AREAS.get(event.area)
    haystack = " ".join((event.title, event.description, area.tag if area else "")).lower()
    suggested = {v.id for v in volunteers if any(word in haystack for word in _expertise_words(v))}
    return render_template("youth_committee/admin/attendees.html", event=event, registrations=registrations,
                           volunteers=volunteers, matched=matched, suggested=suggested, form=ActionForm(),
                           confirmed=CONFIRMED, unconfirmed=unconfirmed)


def _expertise_words(volunteer):
    text = volunteer.expertise.replace("，", ",").replace("、", ",").lower()
    return [word.strip() for word in text.split(",") if len(word.strip()) >= 2]


@admin_bp.route("/registrations/<int:registration_id>/check-in", methods=["POST"])
@permission_required(EDIT)
def check_in(registration_id):
    """Mark arrival; pressing twice (a double tap at the door) keeps the first time."""
    return _set_checked_in(registration_id, arrived=True)


@admin_bp.route("/registrations/<int:registration_id>/undo-check-in", methods=["POST"])
@permission_required(EDIT)
def undo_check_in(registration_id):
    return _set_checked_in(registration_id, arrived=False)


def _set_checked_in(registration_id, arrived):
    registration = get_or_404(Registration, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if registration.status != CONFIRMED:
        flash(_("Only people with a confirmed place can be checked in."), "error")
    else:
        db.session.execute(  # conditional: two taps at once still record one arrival time
            db.update(Registration)
            .where(Registration.id == registration.id,
                   Registration.checked_in_at.is_(None) if arrived else Registration.checked_in_at.is_not(None))
            .values(checked_in_at=utcnow() if arrived else None).execution_options(synchronize_session=False)
        )
        db.session.commit()
    return redirect(url_for(".attendees", event_id=registration.event_id) + f"#registration-{registration.id}")


@admin_bp.route("/events/<int:event_id>/volunteers/<int:volunteer_id>", methods=["POST"])
@permission_required(EDIT)
def match_volunteer(event_id, volunteer_id):
    event = get_or_404(Event, event_id)
    volunteer = get_or_404(Volunteer, volunteer_id)
    if volunteer.status != "approved" or not ActionForm().validate_on_submit():
        abort(400)
    link = db.session.get(EventVolunteer, (event.id, volunteer.id))
    if link is None:
        db.session.add(EventVolunteer(event_id=event.id, volunteer_id=volunteer.id))
    else:
        db.session.delete(link)
    db.session.commit()
    return redirect(url_for(".attendees", event_id=event.id) + "#volunteers")


@admin_bp.route("/events/<int:event_id>/attendees.<any(csv, xlsx):fmt>")
@permission_required(EDIT)
def export(event_id, fmt):
    event = get_or_404(Event, event_id)
    header, rows = exports.attendees_table(event)
    data = spreadsheets.to_csv(header, rows) if fmt == "csv" else spreadsheets.to_xlsx(header, rows, "attendees")
    return Response(data, mimetype=spreadsheets.MIMETYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename=event-{event.id}-attendees.{fmt}"})
