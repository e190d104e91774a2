"""`flask announcements list|expire`."""
import click
from flask.cli import AppGroup

from core.audit import audit
from core.extensions import db
from plugins.announcements.models import Announcement, purge_expired, unpin_expired

group = AppGroup("announcements", help="List and expire announcements.")


@group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include scheduled and expired notices.")
def list_command(show_all):
    """Show notices, newest first."""
    notices = db.session.scalars(
        db.select(Announcement).order_by(Announcement.published_at.desc(), Announcement.id.desc())
    )
    for notice in notices:
        status = notice.status()
        if show_all or status == "current":
            pin = "pinned" if notice.pinned else "-"
            click.echo(f"{notice.id}\t{status}\t{pin}\t{notice.published_at:%Y-%m-%d}\t{notice.title}")


@group.command("expire")
@click.option("--purge-days", type=click.IntRange(min=0), help="Also delete notices expired this many days ago.")
@click.option("--yes", is_flag=True, help="Delete without asking.")
def expire_command(purge_days, yes):
    """Unpin expired notices; optionally delete long-expired ones."""
    unpinned = unpin_expired()
    click.echo(f"unpinned {unpinned} expired notice(s)")
    if purge_days is not None:
        if not yes:
            click.confirm(f"Delete notices that expired more than {purge_days} days ago?", abort=True)
        deleted = purge_expired(purge_days)
        audit("announcements.purged", f"{deleted} notices", via="cli", older_than_days=purge_days)
        click.echo(f"deleted {deleted} notice(s)")
    db.session.commit()
