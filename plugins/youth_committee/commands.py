"""`flask youth-committee send-reminders`: run it from cron, e.g. hourly; each person is reminded once."""
import click
from flask.cli import AppGroup

from plugins.youth_committee.reminders import send_due_reminders

group = AppGroup("youth-committee", help="The youth-work committee's events.")


@group.command("send-reminders")
def send_reminders_command():
    """Queue reminders for confirmed registrations of events starting soon (once per person)."""
    click.echo(f"queued {send_due_reminders()} reminder(s)")
