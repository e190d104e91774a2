"""The plugin host: discovery, enabled state, gated hook calls.

Every installed plugin is loaded once per app; whether it takes part is
decided per request from its enabled flag, stored in the database so that
every worker and host agrees within PLUGIN_STATE_TTL seconds.
"""
import importlib
import importlib.metadata
import logging
import pkgutil
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import pluggy
from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from core import hookspecs
from core.extensions import db
from core.users.models import utcnow

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "guildhall.plugins"
BUILTIN_PACKAGE = "plugins"


class PluginState(db.Model):
    __tablename__ = "core_plugin_states"
    name = db.Column(db.String(100), primary_key=True)
    enabled = db.Column(db.Boolean, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    updated_by_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))


class PluginError(Exception):
    """A plugin cannot be enabled or disabled; the message says why."""


@dataclass
class Plugin:
    name: str
    source: str  # "builtin" or the distribution that declared the entry point
    module: object = None
    error: str | None = None
    info: dict = field(default_factory=dict)
    blueprints: list = field(default_factory=list)

    @property
    def title(self):
        return str(self.info.get("title") or self.name)

    @property
    def description(self):
        return str(self.info.get("description") or "")

    @property
    def requires(self):
        return list(self.info.get("requires") or [])

    @property
    def loaded(self):
        return self.module is not None and self.error is None

    @property
    def path(self):
        return Path(self.module.__file__).parent if self.module is not None else None


class PluginHost:
    def __init__(self, app):
        self.app = app
        self.pm = pluggy.PluginManager("guildhall")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, Plugin] = {}
        self._blueprint_owner: dict[str, str] = {}
        self._permission_owner: dict[str, str] = {}
        self._lean_routes = []
        self._cached_states = None
        self._enabled_memo = None  # (states, loaded, configured, enabled): see _enabled()
        self._cached_at = 0.0
        self._states_lock = threading.Lock()
        self._subset_callers = {}
        self._gated = None  # (enabled set, _GatedHooks): see hook

    # -- discovery and registration ------------------------------------

    def discover(self):
        """Find built-in plugin packages and installed entry points; import each."""
        package = importlib.import_module(BUILTIN_PACKAGE)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.ispkg and not info.name.startswith("_"):
                self._load(info.name, "builtin", lambda n=info.name: importlib.import_module(f"{BUILTIN_PACKAGE}.{n}"))
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in self.plugins:
                log.warning("plugin %s from %s shadows another; ignored", entry_point.name, entry_point.value)
                continue
            dist = entry_point.dist.name if entry_point.dist else entry_point.value
            self._load(entry_point.name, dist, entry_point.load)
        self._check_hooks()

    def _load(self, name, source, importer):
        plugin = Plugin(name=name, source=source)
        self.plugins[name] = plugin
        try:
            plugin.module = importer()
            own_specs = getattr(plugin.module, "HOOKSPECS", None)
            if own_specs is not None:  # hooks this plugin calls on the plugins that build on it
                self.pm.add_hookspecs(own_specs)
            self.pm.register(plugin.module, name=name)
            plugin.info = self.call_one(name, "plugin_info") or {}
            if not isinstance(plugin.info, dict):
                raise TypeError(f"plugin_info must return a dict, not {type(plugin.info).__name__}")
        except Exception as exc:  # a broken plugin must not take the site down
            self._mark_broken(plugin, exc)

    def _check_hooks(self):
        """Once every plugin is loaded (a plugin may implement hooks that another one declares):
        a plugin implementing a hook nobody declares is broken."""
        while True:
            try:
                self.pm.check_pending()
                return
            except pluggy.PluginValidationError as exc:
                self._mark_broken(self.plugins[self.pm.get_name(exc.plugin)], exc)

    def _mark_broken(self, plugin, exc):
        plugin.error = f"{type(exc).__name__}: {exc}"
        log.error("plugin %s failed and stays disabled:\n%s", plugin.name, traceback.format_exc())
        if plugin.module is not None and self.pm.is_registered(plugin.module):
            self.pm.unregister(plugin.module)

    def call_one(self, name, hook_name, **kwargs):
        """Call one plugin's implementation of a hook, or return None if it has none."""
        plugin = self.plugins[name]
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin is plugin.module:
                return impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        return None

    def setup(self, app, register_permissions):
        """Run the startup hooks of every loaded plugin, isolating failures."""
        for plugin in self.plugins.values():
            if not plugin.loaded:
                continue
            try:
                permissions = self.call_one(plugin.name, "register_permissions") or []
                register_permissions(app, permissions)
                self._permission_owner.update((permission.name, plugin.name) for permission in permissions)
                for blueprint in self.call_one(plugin.name, "register_blueprints", app=app) or []:
                    app.register_blueprint(blueprint)
                    plugin.blueprints.append(blueprint.name)
                    self._blueprint_owner[blueprint.name] = plugin.name
                self.call_one(plugin.name, "register_commands", cli=app.cli)
                for route in self.call_one(plugin.name, "register_lean_routes") or []:
                    self._lean_routes.append(replace(route, plugin=plugin.name))
            except Exception as exc:
                self._mark_broken(plugin, exc)

    def lean_routes(self):
        """The lean routes of every loaded plugin, each knowing its plugin (core/lean.py)."""
        return list(self._lean_routes)

    def template_folders(self):
        folders = []
        for plugin in self.plugins.values():
            if plugin.loaded:
                try:
                    folders.extend(str(f) for f in self.call_one(plugin.name, "register_template_folders") or [])
                except Exception as exc:
                    self._mark_broken(plugin, exc)
        return folders

    def migration_folders(self):
        """Each plugin's Alembic branch lives in <package>/migrations/versions."""
        folders = []
        for plugin in self.plugins.values():
            if plugin.path is not None:
                versions = plugin.path / "migrations" / "versions"
                if versions.is_dir():
                    folders.append(str(versions))
        return folders

    def translation_folders(self):
        return [
            str(plugin.path / "translations")
            for plugin in self.plugins.values()
            if plugin.path is not None and (plugin.path / "translations").is_dir()
        ]

    # -- enabled state ---------------------------------------------------

    def stored_states(self):
        now = time.monotonic()
        ttl = self.app.config["PLUGIN_STATE_TTL"]
        if self._cached_states is None or now - self._cached_at > ttl:
            # One reader at a time; the others go on with the states last read (a crowd of likes
            # finding them expired together would otherwise take every pool connection at once).
            if not self._states_lock.acquire(blocking=self._cached_states is None):
                return self._cached_states
            try:
                if self._cached_states is not None and time.monotonic() - self._cached_at <= ttl:
                    return self._cached_states  # another reader just refreshed them
                return self._read_states(now)
            finally:
                self._states_lock.release()
        return self._cached_states

    def _read_states(self, now):
        # A connection of its own, given back at once: a request that needs nothing else from the
        # database (a like, an event stream) then holds no pool connection while it waits.
        try:
            with db.engine.connect() as connection:
                rows = connection.execute(db.select(PluginState.name, PluginState.enabled)).all()
        except (OperationalError, PoolTimeoutError) as error:
            if self._cached_states is None:
                raise
            # The database is unreachable: the states last read stand until it answers again (asked
            # once per TTL), so what needs no database (likes and streams in Redis) keeps working.
            log.warning("plugin states not re-read, the database is unreachable: %s", str(error).splitlines()[0])
            self._cached_at = time.monotonic()  # not ``now``: the failed attempt may have taken its timeout
            return self._cached_states
        self._cached_states = {name: enabled for name, enabled in rows}
        self._cached_at = now
        return self._cached_states

    def forget_states(self):
        self._cached_states = None

    def wanted(self, name):
        """Whether the deployment wants this plugin on, before health and needs are checked."""
        states = self.stored_states()
        if name in states:
            return states[name]
        return name in self.app.config["ENABLED_PLUGINS"]

    def enabled_names(self):
        return set(self._enabled())

    def enabled_set(self):
        """The enabled plugins as a frozenset, kept until something changes (a cheap key part)."""
        return self._enabled()

    def _enabled(self):
        """The enabled plugins, worked out again only when the stored states, the loaded plugins
        or the configuration change (every like and every cached page asks)."""
        states = self.stored_states()
        loaded = tuple(n for n, p in self.plugins.items() if p.loaded)
        configured = tuple(self.app.config["ENABLED_PLUGINS"])
        memo = self._enabled_memo
        if memo is not None and memo[0] is states and memo[1] == loaded and memo[2] == configured:
            return memo[3]
        wanted = {n for n in loaded if self.wanted(n)}
        # A plugin whose needs are not all enabled stays off; repeat until stable.
        changed = True
        while changed:
            changed = False
            for name in list(wanted):
                if any(req not in wanted for req in self.plugins[name].requires):
                    wanted.discard(name)
                    changed = True
        enabled = frozenset(wanted)
        self._enabled_memo = (states, loaded, configured, enabled)
        return enabled

    def is_enabled(self, name):
        return name in self._enabled()

    def unmet_needs(self, name):
        enabled = self.enabled_names()
        return [req for req in self.plugins[name].requires if req not in enabled]

    def dependents(self, name):
        enabled = self.enabled_names()
        return sorted(n for n in enabled if name in self.plugins[n].requires)

    def set_enabled(self, name, enabled, user=None):
        """Enable or disable a plugin; raises PluginError with a reason if it cannot."""
        plugin = self.plugins.get(name)
        if plugin is None:
            raise PluginError(_("There is no plugin named %(name)s.", name=name))
        if enabled:
            if not plugin.loaded:
                raise PluginError(_("%(name)s failed to load: %(error)s", name=name, error=plugin.error))
            unmet = self.unmet_needs(name)
            if unmet:
                raise PluginError(
                    _("%(name)s needs these plugins enabled first: %(needs)s", name=name, needs=", ".join(unmet))
                )
        else:
            dependents = self.dependents(name)
            if dependents:
                raise PluginError(
                    _("%(names)s need %(name)s; disable them first.", names=", ".join(dependents), name=name)
                )
        state = db.session.get(PluginState, name) or PluginState(name=name)
        state.enabled = enabled
        state.updated_at = utcnow()
        state.updated_by_id = getattr(user, "id", None)
        db.session.add(state)
        db.session.commit()
        self.forget_states()
        self.notify("on_plugin_enabled" if enabled else "on_plugin_disabled", name=name)

    def notify(self, hook_name, **kwargs):
        """Call an on_* hook on each enabled plugin separately: one failing reaction is
        logged and must not keep the others from hearing about a change already stored."""
        for impl in getattr(self.hook, hook_name).get_hookimpls():
            try:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)

    # -- gated hook calls ------------------------------------------------

    @property
    def hook(self):
        """Like pluggy's ``pm.hook``, but calling only enabled plugins (kept per enabled set:
        templates ask for a slot or two on every page)."""
        enabled = self._enabled()
        gated = self._gated
        if gated is None or gated[0] is not enabled:
            disabled = frozenset(n for n in self.plugins if n not in enabled and self.pm.has_plugin(n))
            gated = self._gated = (enabled, _GatedHooks(self, disabled))
        return gated[1]

    def _subset_caller(self, hook_name, disabled):
        key = (hook_name, disabled)
        if key not in self._subset_callers:
            remove = [self.pm.get_plugin(n) for n in disabled]
            self._subset_callers[key] = self.pm.subset_hook_caller(hook_name, remove_plugins=remove)
        return self._subset_callers[key]

    def collect(self, hook_name, **kwargs):
        """Call a hook on enabled plugins and flatten the lists they return."""
        items = []
        for result in getattr(self.hook, hook_name)(**kwargs):
            if result:
                items.extend(result)
        return items

    def serves(self, endpoint):
        """Whether ``endpoint`` (or a blueprint name) answers now: the core's always, a plugin's while it is enabled."""
        owner = self._blueprint_owner.get(endpoint.split(".")[0])
        return owner is None or self.is_enabled(owner)

    def permission_active(self, name):
        """Whether permission ``name`` counts now: the core's always, a plugin's while it is enabled."""
        owner = self._permission_owner.get(name)
        return owner is None or self.is_enabled(owner)

    def gate_request(self):
        """before_request: a disabled plugin's routes answer 404."""
        if request.blueprint and not self.serves(request.blueprint):
            abort(404)

    def status(self):
        enabled = self.enabled_names()
        return [
            {
                "name": p.name,
                "title": p.title,
                "description": p.description,
                "source": p.source,
                "requires": p.requires,
                "enabled": p.name in enabled,
                "error": p.error,
                "unmet": [r for r in p.requires if r not in enabled],
            }
            for p in sorted(self.plugins.values(), key=lambda p: p.name)
        ]


class _GatedHooks:
    def __init__(self, host, disabled):
        self._host = host
        self._disabled = disabled

    def __getattr__(self, hook_name):
        if not self._disabled:
            return getattr(self._host.pm.hook, hook_name)
        return self._host._subset_caller(hook_name, self._disabled)


def get_host(app=None):
    from flask import current_app

    return (app or current_app).extensions["guildhall.plugins"]
