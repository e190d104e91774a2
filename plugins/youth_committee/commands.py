"""`flask youth-committee ...`: init (the section and pages committee editors need),
send-reminders (run it from cron, e.g. hourly; each person is reminded once) and recount
(repair the seat counters, then give free seats to people waiting)."""
import click
from flask.cli import AppGroup

from plugins.youth_committee import content, registration
from plugins.youth_committee.reminders import send_due_reminders

group = AppGroup("youth-committee", help="The youth-work committee's events.")


@group.command("init")
def init_command():
    """Create the committee's news section and pages (empty drafts) with its edit permission."""
    created = content.ensure_structure()
    click.echo(f"created {len(created)} item(s)" + (": " + ", ".join(created) if created else ""))


@group.command("send-reminders")
def send_reminders_command():
    """Queue reminders for confirmed registrations of events starting soon (once per person)."""
    click.echo(f"queued {send_due_reminders()} reminder(s)")


@group.command("recount")
def recount_command():
    """Set every event's taken seats to its confirmed registrations and fill free seats from the queue."""
    corrected, promoted = registration.recount()
    click.echo(f"corrected {corrected} event(s), promoted {promoted} person(s)")
