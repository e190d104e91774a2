"""flask db copy --to URL, flask backup, flask restore ARCHIVE."""
from pathlib import Path

import click
import sqlalchemy as sa
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from flask.cli import with_appcontext

from core.extensions import db
from core.ops import backup, dbcopy, dump

S3_OPTIONS = ("bucket", "prefix", "endpoint_url", "region", "access_key_id", "secret_access_key", "addressing_style")


def _s3_options(command):
    for name in reversed(S3_OPTIONS):
        flag = "--s3-" + name.replace("_", "-")
        command = click.option(
            flag, f"s3_{name}", envvar=f"GUILDHALL_COPY_S3_{name.upper()}",
            help=f"With --files-to s3 (or GUILDHALL_COPY_S3_{name.upper()}).",
        )(command)
    return command


def _target_storage(files_to, options):
    from core.storage.backends import LocalStorage, S3Storage

    if files_to == "s3":
        config = {f"S3_{name.upper()}": options[f"s3_{name}"] for name in S3_OPTIONS}
        return S3Storage.from_config(config)
    return LocalStorage(files_to)


def _migrated_target(url):
    """The target database migrated to the code's Alembic heads; returns its engine."""
    from flask_migrate import upgrade

    from core.app import create_app

    config = dict(current_app.config, SQLALCHEMY_DATABASE_URI=url)
    target_app = create_app(config, instance_path=current_app.instance_path)
    with target_app.app_context():
        upgrade(revision="heads")
        return db.engine


def _echo_report(report):
    for line in report.lines():
        click.echo(line)


@click.command("copy")
@click.option("--to", "url", required=True, help="SQLAlchemy URL of the target, e.g. postgresql+psycopg://u:p@host/db")
@click.option("--replace", is_flag=True, help="Overwrite a target that holds rows the source does not have.")
@click.option("--files-to", help='Also copy the stored files: "s3" (see the --s3-* options) or a local folder.')
@click.option("--batch-size", default=dump.BATCH, show_default=True, help="Rows per INSERT batch.")
@_s3_options
@with_appcontext
def copy_command(url, replace, files_to, batch_size, **s3):
    """Copy every table (core and plugins) to another database, verified by checksums.

    The target is migrated first. Safe to run again: a target holding only what an earlier
    copy put there is overwritten; one holding other rows is refused unless --replace."""
    from core.storage import get_storage

    source_engine = db.engine
    if sa.make_url(url) == source_engine.url:
        raise click.ClickException("the target is the source database")
    try:
        target_storage = _target_storage(files_to, s3) if files_to else None
    except ValueError as error:
        raise click.ClickException(str(error))
    try:
        target_engine = _migrated_target(url)
    except sa.exc.SQLAlchemyError as error:
        raise click.ClickException(f"cannot prepare the target database: {str(error).splitlines()[0]}")
    try:
        report = dbcopy.copy_database(source_engine, target_engine, replace=replace, batch=batch_size)
    except dbcopy.CopyMismatch as error:
        _echo_report(error.report)
        raise click.ClickException(str(error))
    except dump.DumpError as error:
        raise click.ClickException(str(error))
    finally:
        target_engine.dispose()
    if target_storage is not None:
        try:
            dbcopy.copy_files(get_storage(), target_storage, report)
        except (OSError, BotoCoreError, ClientError, dump.DumpError) as error:
            _echo_report(report)
            raise click.ClickException(
                f"the tables were copied, the files were not all: {error}. Run the command again to finish."
            )
    _echo_report(report)
    if not files_to:
        click.echo("files: not copied (give --files-to s3 or --files-to FOLDER to copy them)")


@click.command("backup")
@click.option("--output", type=click.Path(path_type=Path),
              help="Archive (.tar.gz) or a folder for it; default <instance>/backups/.")
@with_appcontext
def backup_command(output):
    """Write one archive with every table, every stored file and a manifest of checksums."""
    from core.storage import get_storage

    output = output or Path(current_app.instance_path) / "backups"
    if output.is_dir() or not output.suffix:
        output = output / backup.default_name()
    if not output.name.endswith((".tar.gz", ".tgz")):
        raise click.ClickException("the archive is a .tar.gz: give --output a name ending in .tar.gz")
    manifest = backup.write_backup(db.engine, get_storage(), output)
    rows = sum(table["rows"] for table in manifest["tables"].values())
    size = sum(item["size"] for item in manifest["files"].values())
    click.echo(
        f"backup written to {output}: {len(manifest['tables'])} tables, {rows} rows, "
        f"{len(manifest['files'])} files ({size} bytes)"
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace what a non-empty instance holds.")
@with_appcontext
def restore_command(archive, force):
    """Bring a backup archive back into an empty instance (checked against its manifest first)."""
    from flask_migrate import upgrade

    from core.storage import get_storage

    def migrate(revisions):
        from alembic.util import CommandError

        try:
            for revision in revisions:
                upgrade(revision=revision)
        except (CommandError, SystemExit) as error:  # Flask-Migrate turns CommandError into exit(1)
            raise dump.DumpError(
                f"cannot migrate this database to the archive's revisions ({error}); "
                "restore with the Guildhall version (and plugins) the backup was made with"
            ) from None

    db.session.remove()
    try:
        manifest = backup.restore_backup(archive, db.engine, get_storage(), migrate, force=force)
    except dump.DumpError as error:
        raise click.ClickException(str(error))
    upgrade(revision="heads")  # an archive from older code: its rows are now migrated forward
    rows = sum(table["rows"] for table in manifest["tables"].values())
    click.echo(
        f"restored {archive.name} (made {manifest['created_at']}): {len(manifest['tables'])} tables, "
        f"{rows} rows, {len(manifest['files'])} files; every checksum matches"
    )


def register_ops_cli(app):
    from flask_migrate.cli import db as migrate_group

    migrate_group.add_command(copy_command)
    app.cli.add_command(migrate_group)  # also reachable from app.test_cli_runner()
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
