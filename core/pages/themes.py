"""Themes: which one is in use, and template lookup that follows it per request.

The theme comes from the Setting "theme" (chosen in the admin), else the
configured THEME. Every worker trusts its cached choice for PLUGIN_STATE_TTL
seconds, like the plugin states, so a switch shows on the next request
without a restart. Templates are looked up in the theme, then the core and
blueprint folders, then plugin folders; Jinja's compiled-template cache is
keyed by theme as well as by name so that two themes never share an entry.
"""
import time
from pathlib import Path

import jinja2
from flask import current_app, g, has_request_context
from flask.globals import _cv_app, _cv_request
from jinja2.utils import LRUCache
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db

THEMES_FOLDER = Path(__file__).resolve().parents[2] / "themes"
SETTING = "theme"


class Themes:
    def __init__(self, app, folder=THEMES_FOLDER):
        self.app = app
        self.folder = Path(folder)
        self._cached = None
        self._cached_at = 0.0

    def available(self):
        """Theme folders an admin may choose (names starting with "_" are private)."""
        return sorted(
            path.name
            for path in self.folder.iterdir()
            if path.is_dir() and not path.name.startswith((".", "_")) and self.exists(path.name)
        )

    def exists(self, name):
        path = self.folder / name
        return bool(name) and "/" not in name and ".." not in name and (
            (path / "templates").is_dir() or (path / "static").is_dir()
        )

    def _stored_choice(self):
        from core.pages.models import get_setting

        now = time.monotonic()
        if self._cached is None or now - self._cached_at > self.app.config["PLUGIN_STATE_TTL"]:
            try:
                self._cached = get_setting(SETTING) or ""
            except SQLAlchemyError:  # no tables yet (before the first migration)
                db.session.rollback()
                self._cached = ""
            self._cached_at = now
        return self._cached

    def current(self):
        """The theme for this request; decided once per request (asked a dozen times a page, so
        read from the request's g without going through LocalProxy)."""
        request_context = _cv_request.get(None)
        if request_context is not None:
            found = _cv_app.get().g.__dict__.get("_theme")
            if found is not None:
                return found
        name = self._stored_choice()
        if not self.exists(name):
            name = self.app.config["THEME"]
        if request_context is not None:
            g._theme = name
        return name

    def forget(self):
        self._cached = None
        if has_request_context():
            g.pop("_theme", None)

    def templates_folder(self, name):
        return self.folder / name / "templates"

    def static_folder(self, name=None):
        return self.folder / (name or self.current()) / "static"


def get_themes(app=None):
    return (app or current_app).extensions["guildhall.themes"]


def _current_name():
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    return app_context.app.extensions["guildhall.themes"].current()


class ThemeLoader(jinja2.BaseLoader):
    """Looks in the current theme's templates folder, then in the loaders after it."""

    def __init__(self, themes, fallback):
        self.themes = themes
        self.fallback = fallback
        self._theme_loaders = {}

    def _theme_loader(self):
        name = _current_name() or self.themes.app.config["THEME"]
        if name not in self._theme_loaders:
            self._theme_loaders[name] = jinja2.FileSystemLoader(str(self.themes.templates_folder(name)))
        return self._theme_loaders[name]

    def get_source(self, environment, template):
        try:
            return self._theme_loader().get_source(environment, template)
        except jinja2.TemplateNotFound:
            return self.fallback.get_source(environment, template)

    def list_templates(self):
        return sorted(set(self._theme_loader().list_templates()) | set(self.fallback.list_templates()))


class ThemedCache:
    """Jinja's template cache, keyed by the current theme as well (Jinja keys by loader and name)."""

    def __init__(self, capacity=800):
        self._cache = LRUCache(capacity)

    def get(self, key, default=None):
        return self._cache.get((_current_name(), key), default)

    def __setitem__(self, key, value):
        self._cache[(_current_name(), key)] = value

    def __getitem__(self, key):
        return self._cache[(_current_name(), key)]

    def __contains__(self, key):
        return (_current_name(), key) in self._cache

    def clear(self):
        self._cache.clear()


def install(app, fallback_loaders):
    """Make app render through the current theme (called by core.app._configure_templates)."""
    themes = Themes(app)
    app.extensions["guildhall.themes"] = themes
    app.jinja_env.loader = ThemeLoader(themes, jinja2.ChoiceLoader(fallback_loaders))
    app.jinja_env.cache = ThemedCache()
    return themes
