"""flask partners ...: the retention run (schedule it daily, e.g. from cron)."""
import click
from flask.cli import AppGroup

from plugins.partner_recruitment import retention

group = AppGroup("partners", help="Partner recruitment programmes.")


@group.command("anonymise-expired")
@click.option("--dry-run", is_flag=True, help="Only count the applications past their retention period.")
def anonymise_expired(dry_run):
    """Anonymise applications older than their programme's retention period."""
    if dry_run:
        click.echo(f"{len(retention.expired())} application(s) past their retention period")
        return
    click.echo(f"{retention.anonymise_expired()} application(s) anonymised")
