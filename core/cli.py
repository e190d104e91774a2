"""flask commands: users, plugins, outbox, demo, quickstart."""
import secrets

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from core.extensions import db
from core.plugins import PluginError, get_host

users_cli = AppGroup("users", help="Create users and API tokens.")
plugins_cli = AppGroup("plugins", help="List, enable and disable plugins.")
outbox_cli = AppGroup("outbox", help="Send the e-mail that waits in the outbox.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many messages per run.")
def outbox_send_command(limit):
    """Send queued messages through SMTP (run it every minute from a timer)."""
    from core.mail import OutboxMessage, flush_outbox

    sent = flush_outbox(limit)
    waiting = db.session.scalar(db.select(db.func.count(OutboxMessage.id)).filter_by(status="queued"))
    click.echo(f"{sent} sent, {waiting} still queued")


@click.group("demo", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def demo_cli(ctx):
    """Demo content: without a subcommand, the same as `demo load`."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(load_demo_command)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", help="Omit to generate one, printed once.")
@click.option("--name", default="")
@click.option("--role", "roles", multiple=True, default=["member"], show_default=True)
def create_user_command(email, password, name, roles):
    """Create a user with the given roles."""
    from core.users.service import UserError, create_user

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(email, name or email.split("@")[0], password, roles=roles, verified=True)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    click.echo(f"created {user.email} with roles {', '.join(roles)}")
    if generated:
        click.echo(f"password (shown once): {password}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token_command(email, name):
    """Issue a personal API token for EMAIL; prints it once."""
    from core.audit import audit
    from core.users.models import ApiToken
    from core.users.service import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user {email}")
    _, raw = ApiToken.issue(user, name)
    audit("token.created", user.email, actor=user, name=name, via="cli")
    db.session.commit()
    click.echo(raw)


@users_cli.command("list")
def list_users_command():
    """List users with their roles."""
    from core.users.models import User

    for user in db.session.scalars(db.select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.name}\t{','.join(user.role_names)}\t{state}")


@plugins_cli.command("list")
def list_plugins_command():
    """Show every discovered plugin and its state."""
    for row in get_host().status():
        state = "enabled" if row["enabled"] else "disabled"
        if row["error"]:
            state = f"BROKEN: {row['error']}"
        elif row["unmet"] and not row["enabled"]:
            state += f" (needs {', '.join(row['unmet'])})"
        click.echo(f"{row['name']}\t{row['source']}\t{state}")


@plugins_cli.command("enable")
@click.argument("name")
def enable_plugin_command(name):
    """Enable plugin NAME on every worker and host."""
    _toggle(name, True)


@plugins_cli.command("disable")
@click.argument("name")
def disable_plugin_command(name):
    """Disable plugin NAME; its data stays."""
    _toggle(name, False)


def _toggle(name, enabled):
    from core.audit import audit

    try:
        get_host().set_enabled(name, enabled)
    except PluginError as error:
        raise click.ClickException(str(error))
    audit("plugin.enabled" if enabled else "plugin.disabled", name, via="cli")
    db.session.commit()
    click.echo(f"{name} {'enabled' if enabled else 'disabled'}")


@demo_cli.command("load")
def load_demo_command():
    """Load demo content (safe to run again)."""
    from core.demo import load_demo

    password = load_demo()
    if password:
        click.echo("demo admin: admin@demo.example.org")
        click.echo(f"password (shown once): {password}")
    else:
        click.echo("demo content is up to date")


@click.command("quickstart")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def quickstart_command(host, port):
    """Migrate the database, load demo content if empty, and serve the site."""
    from flask_migrate import upgrade

    upgrade(revision="heads")
    load_demo_command.callback()
    click.echo(f"serving on http://{host}:{port}/")
    # app.run() refuses to run inside a flask command; serve with Werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, current_app._get_current_object(), threaded=True)


def register_cli(app):
    from core.i18n import translations_cli

    app.cli.add_command(translations_cli)
    # Every plugin has its own Alembic branch, so "upgrade" must mean all heads.
    from flask_migrate import cli as migrate_cli

    for param in migrate_cli.upgrade.params:
        if param.name == "revision":
            param.default = "heads"
    for group in (users_cli, plugins_cli, demo_cli, outbox_cli):
        app.cli.add_command(group)
    app.cli.add_command(quickstart_command)
    from core.ops.cli import register_ops_cli

    register_ops_cli(app)
