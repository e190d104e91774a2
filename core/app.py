"""The application factory: config -> extensions -> plugin host -> blueprints."""
import os
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType, MethodType

import jinja2
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core import lean, observability, pagecache, prepared, web
from core.config import load_config
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.permissions import CORE_PERMISSIONS, register_permissions
from core.plugins import PluginHost
from core.templating import GuildhallEnvironment, prune_context_processors

ROOT = Path(__file__).resolve().parent.parent
CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class GuildhallFlask(Flask):
    """Flask, answering ``ensure_sync`` for plain functions without inspect's general checks:
    Flask asks it for every hook and view of every request (about 16 times a page); its
    templates' globals are plain dicts (core.templating)."""

    jinja_environment = GuildhallEnvironment

    def ensure_sync(self, func):
        plain = func.__func__ if type(func) is MethodType else func
        if (
            type(plain) is FunctionType
            and not plain.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in plain.__dict__  # inspect.markcoroutinefunction (3.12+)
        ):
            return func
        return super().ensure_sync(func)


def create_app(config=None, instance_path=None):
    instance_path = instance_path or os.environ.get("GUILDHALL_INSTANCE_PATH") or ROOT / "instance"
    app = GuildhallFlask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, config)

    # Models must be imported before migrations or the first query.
    from core import audit, mail, plugins  # noqa: F401
    from core.pages import models as page_models  # noqa: F401
    from core.storage import models as storage_models  # noqa: F401
    from core.users import models  # noqa: F401

    db.init_app(app)
    web.configure_sqlite(app)
    web.configure_fail_fast(app)
    prepared.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    host = PluginHost(app)
    app.extensions["guildhall.plugins"] = host
    register_permissions(app, CORE_PERMISSIONS)
    host.discover()
    host.setup(app, register_permissions)

    babel.init_app(
        app,
        locale_selector=web.select_babel_locale,
        default_translation_directories=";".join(
            [str(Path(__file__).parent / "translations"), *host.translation_folders()]
        ),
    )
    from core.search import include_in_autogenerate

    migrate.init_app(
        app, db, directory=str(CORE_MIGRATIONS), render_as_batch=True, include_name=include_in_autogenerate
    )
    migrate.configure(web.alembic_version_locations(host))

    _register_core_blueprints(app)
    _configure_templates(app, host)
    web.init_app(app, host)
    pagecache.init_app(app)
    lean.install(app, host)
    observability.install(app)  # request ids, access log, metrics: outside the lean lane, inside ProxyFix
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:  # outermost: the lean lane and Flask both see the visitor's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from core.cli import register_cli

    register_cli(app)
    prune_context_processors(app)  # last: every blueprint is registered
    return app


def _register_core_blueprints(app):
    from core.admin.views import bp as admin_bp
    from core.api.health import bp as health_bp
    from core.api.views import bp as api_bp
    from core.pages.views import bp as pages_bp
    from core.storage.views import bp as media_bp
    from core.users.views import bp as users_bp

    for blueprint in (pages_bp, media_bp, users_bp, admin_bp, api_bp, health_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # the API authenticates by bearer token only, never by cookie


def _configure_templates(app, host):
    """Lookup order: the current theme (per request), core and blueprint templates, plugin folders."""
    from core.pages import themes

    themes.install(
        app,
        [app.create_global_jinja_loader(), *(jinja2.FileSystemLoader(folder) for folder in host.template_folders())],
    )
