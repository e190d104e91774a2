"""Every hook a Guildhall plugin may implement.

A plugin implements only the hooks it needs, marked with ``@hookimpl``::

    from core.hookspecs import hookimpl

    @hookimpl
    def register_blueprints(app):
        return [blueprint]

Families: ``register_*`` returns things the host collects, ``extra_*`` adds
to pages, ``on_*`` reacts to events. Hooks marked "startup" are called once
per app on every loaded plugin, enabled or not, because Flask cannot add or
remove routes at run time; the host then gates those routes per request by
the plugin's enabled flag. All other hooks are called only on enabled
plugins. docs/plugin-hooks.md documents each hook with an example.
"""
import pluggy

hookspec = pluggy.HookspecMarker("guildhall")
hookimpl = pluggy.HookimplMarker("guildhall")


@hookspec
def plugin_info():
    """Describe the plugin (startup).

    Return a dict with ``title``, ``description`` and optionally ``version``
    and ``requires``: a list of plugin names that must be enabled for this
    one to be enabled."""


@hookspec
def register_blueprints(app):
    """Return a list of Flask blueprints to register on ``app`` (startup).

    Every view must declare who may use it (``core.permissions``). Routes
    answer 404 while the plugin is disabled."""


@hookspec
def register_permissions():
    """Return a list of ``core.contrib.Permission`` the plugin defines (startup).

    Each names the built-in roles that hold it by default; admins can grant
    or revoke it per role on the admin roles page."""


@hookspec
def register_commands(cli):
    """Add click commands to the ``flask`` command group ``cli`` (startup)."""


@hookspec
def register_lean_routes():
    """Return a list of ``core.lean.LeanRoute`` for hot JSON endpoints (startup).

    A lean route is answered before Flask builds a request (no session, login,
    limiter or after-request hooks), for endpoints a crowd calls many times a
    second, such as a live final's likes. Its handler returns a
    ``LeanResponse``, or ``None`` to pass the request to the ordinary view at
    the same URL, which must exist and stay the reference behaviour."""


@hookspec
def register_template_folders():
    """Return a list of folders with extra Jinja templates (startup).

    Themes still override them. Templates of a blueprint's own
    ``template_folder`` need no hook."""


@hookspec
def register_admin_sections():
    """Return a list of ``core.contrib.AdminSection`` for the admin sidebar."""


@hookspec
def register_content_blocks():
    """Return a list of ``core.contrib.ContentBlock`` that pages can embed.

    The home page offers every block whose ``home`` flag is set; an admin
    arranges and hides them (Admin -> Site and home page), and blocks the
    admin has not arranged follow in ``order``. Blocks of a disabled plugin
    vanish. ``render`` runs per request and may depend on the visitor."""


@hookspec
def register_search_documents():
    """Return an iterable of ``core.contrib.SearchDocument`` for site search."""


@hookspec
def register_sanitizer_allowlist():
    """Return a dict widening the HTML sanitiser's allow-list while the plugin is enabled.

    Keys (all optional): ``tags`` (a list), ``attributes`` (a dict of tag to a
    list of attribute names, ``"*"`` for every tag) and ``url_schemes`` (a
    list). script, style, iframe, object, embed and similar tags, ``on*``
    event attributes, ``formaction``, ``srcdoc`` and javascript:/vbscript:/data:
    URLs stay forbidden whatever is asked for (``core/sanitize.py``)."""


@hookspec
def extra_nav_items(menu, user):
    """Return a list of ``core.contrib.NavItem`` for ``menu`` ("main" or "footer").

    ``user`` is the current user (possibly anonymous); items whose
    ``permission`` the user lacks are hidden by the host."""


@hookspec
def extra_dashboard_cards(user):
    """Return a list of ``core.contrib.DashboardCard`` for the member dashboard /me."""


@hookspec
def extra_slot(slot, context):
    """Return HTML (``markupsafe.Markup``) or text for a named template slot.

    Slots: ``head`` (inside <head>), ``body_end``, ``home_sidebar`` and
    ``admin_dashboard``. ``context`` is a dict with at least ``user``. Plain
    strings are escaped; return Markup only for HTML you built safely."""


@hookspec
def load_demo_content(app):
    """Create the plugin's demo content; called by ``flask demo load``.

    Must be safe to call on a database that already holds the demo."""


@hookspec
def on_user_created(user):
    """React to a new user (already flushed, so ``user.id`` is set)."""


@hookspec
def on_user_deleted(user):
    """React to a user about to be deleted: remove or anonymise what is theirs."""


@hookspec
def on_plugin_enabled(name):
    """React to plugin ``name`` having been enabled (every enabled plugin, including it)."""


@hookspec
def on_plugin_disabled(name):
    """React to plugin ``name`` having been disabled (every still-enabled plugin)."""
