"""The plugin life cycle: discovery, run-time toggling, shared state, failures, needs."""
import importlib.metadata
import re
import time

import pytest
from sqlalchemy import func

from core.audit import AuditEntry
from core.extensions import db
from core.plugins import PluginError, get_host
from plugins.announcements.models import Announcement
from tests.conftest import login
from tests.fixtures import add_notice, install_plugins  # noqa: F401  (install_plugins is a fixture)


def main_menu(html):
    return re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)


def admin_menu(html):
    return re.search(r'<nav class="admin-nav".*?</nav>', html, re.S).group(0)


def plugins_cli(app, *args):
    return app.test_cli_runner().invoke(args=["plugins", *args])


def announcements_presence(client, notice):
    """What a signed-in admin sees of the announcements plugin, part by part."""
    home = client.get("/").get_data(as_text=True)
    return {
        "list route": client.get("/announcements").status_code,
        "detail route": client.get(f"/announcements/{notice.id}").status_code,
        "admin route": client.get("/admin/announcements").status_code,
        "nav item": 'href="/announcements"' in main_menu(home),
        "home block": "block-announcements-latest" in home,
        "sidebar banner": "announcement-banner" in home,
        "dashboard card": notice.title in client.get("/me").get_data(as_text=True),
        "admin section": 'href="/admin/announcements"' in admin_menu(client.get("/admin/").get_data(as_text=True)),
    }


ALL_THERE = {
    "list route": 200,
    "detail route": 200,
    "admin route": 200,
    "nav item": True,
    "home block": True,
    "sidebar banner": True,
    "dashboard card": True,
    "admin section": True,
}
ALL_GONE = {
    "list route": 404,
    "detail route": 404,
    "admin route": 404,
    "nav item": False,
    "home block": False,
    "sidebar banner": False,
    "dashboard card": False,
    "admin section": False,
}


def notice_rows():
    return db.session.execute(
        db.select(Announcement.id, Announcement.title).order_by(Announcement.id).execution_options(populate_existing=True)
    ).all()


# -- discovery ------------------------------------------------------------------


def test_builtin_plugins_are_discovered_and_enabled_from_config(app):
    plugin = get_host().plugins["announcements"]
    assert plugin.source == "builtin"
    assert plugin.loaded and plugin.error is None
    assert plugin.blueprints == ["announcements"]
    assert get_host().is_enabled("announcements")


def test_builtin_plugin_not_in_enabled_plugins_starts_disabled(app_factory):
    app = app_factory(ENABLED_PLUGINS=[])
    with app.app_context():
        assert not get_host(app).is_enabled("announcements")
    assert app.test_client().get("/announcements").status_code == 404


def test_entry_point_plugin_from_an_installed_distribution_is_found_and_works(install_plugins, app_factory):
    install_plugins("hello")
    distribution = importlib.metadata.distribution("guildhall_ext_hello")
    assert [(ep.group, ep.name) for ep in distribution.entry_points] == [("guildhall.plugins", "hello")]

    app = app_factory(ENABLED_PLUGINS=["announcements", "hello"])
    client = app.test_client()
    with app.app_context():
        plugin = get_host(app).plugins["hello"]
        assert plugin.source == "guildhall_ext_hello"
        assert plugin.loaded and plugin.title == "Hello"
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hello from an installed plugin"
    assert "Hello menu entry" in main_menu(client.get("/").get_data(as_text=True))
    assert "hello\tguildhall_ext_hello\tenabled" in plugins_cli(app, "list").output


def test_installed_plugin_not_named_in_config_is_found_but_off(install_plugins, app_factory):
    install_plugins("hello")
    app = app_factory()
    assert "hello\tguildhall_ext_hello\tdisabled" in plugins_cli(app, "list").output
    assert app.test_client().get("/hello").status_code == 404
    assert plugins_cli(app, "enable", "hello").exit_code == 0
    assert app.test_client().get("/hello").status_code == 200


# -- run-time toggling ------------------------------------------------------------


def test_disable_hides_every_part_keeps_data_and_enable_brings_it_back(app, client, users):
    notice = add_notice(title="Six Sigma call for entries", pinned=True, author=users["editor"])
    add_notice(title="Title review results", days_ago=3)
    rows = notice_rows()
    login(client, users["admin"])
    assert announcements_presence(client, notice) == ALL_THERE

    get_host().set_enabled("announcements", False, user=users["admin"])
    db.session.commit()
    assert announcements_presence(client, notice) == ALL_GONE
    assert notice_rows() == rows
    assert client.get("/").status_code == 200

    get_host().set_enabled("announcements", True, user=users["admin"])
    db.session.commit()
    assert announcements_presence(client, notice) == ALL_THERE
    assert notice_rows() == rows


def test_disabled_plugin_hooks_are_not_called(app, users):
    host = get_host()
    add_notice(title="Lean management session")
    assert host.collect("register_search_documents")
    host.set_enabled("announcements", False)
    assert host.collect("register_search_documents") == []
    assert host.collect("register_content_blocks") == []
    assert host.collect("extra_nav_items", menu="main", user=users["member"]) == []


def test_cli_lists_disables_and_enables(app, client):
    add_notice()
    assert "announcements\tbuiltin\tenabled" in plugins_cli(app, "list").output

    result = plugins_cli(app, "disable", "announcements")
    assert result.exit_code == 0, result.output
    assert "announcements disabled" in result.output
    assert "announcements\tbuiltin\tdisabled" in plugins_cli(app, "list").output
    assert client.get("/announcements").status_code == 404

    result = plugins_cli(app, "enable", "announcements")
    assert result.exit_code == 0, result.output
    assert client.get("/announcements").status_code == 200
    actions = db.session.scalars(
        db.select(AuditEntry.action).where(AuditEntry.target == "announcements").order_by(AuditEntry.id)
    ).all()
    assert [a for a in actions if a.startswith("plugin.")] == ["plugin.disabled", "plugin.enabled"]


def test_cli_refuses_an_unknown_plugin(app):
    result = plugins_cli(app, "enable", "no_such_plugin")
    assert result.exit_code != 0
    assert "no_such_plugin" in result.output


def test_state_is_shared_between_two_apps_on_the_same_database(app_factory):
    first, second = app_factory(), app_factory()
    other = second.test_client()
    assert other.get("/announcements").status_code == 200
    assert plugins_cli(first, "disable", "announcements").exit_code == 0
    assert other.get("/announcements").status_code == 404
    assert plugins_cli(first, "enable", "announcements").exit_code == 0
    assert other.get("/announcements").status_code == 200


def test_another_worker_follows_within_plugin_state_ttl(app_factory):
    ttl = 0.8
    first, second = app_factory(), app_factory(PLUGIN_STATE_TTL=ttl)
    other = second.test_client()
    assert other.get("/announcements").status_code == 200  # caches the states
    cached_at = time.monotonic()
    assert plugins_cli(first, "disable", "announcements").exit_code == 0
    still_cached = other.get("/announcements").status_code
    if time.monotonic() - cached_at < ttl:
        assert still_cached == 200  # trusted its cache, as configured
    time.sleep(max(0.0, ttl - (time.monotonic() - cached_at)) + 0.05)
    assert other.get("/announcements").status_code == 404


# -- failures ---------------------------------------------------------------------------


def test_broken_plugins_are_reported_left_disabled_and_the_site_serves(install_plugins, app_factory):
    install_plugins("broken_import", "broken_register")
    app = app_factory(ENABLED_PLUGINS=["announcements", "broken_import", "broken_register"], BABEL_DEFAULT_LOCALE="en")
    with app.app_context():
        status = {row["name"]: row for row in get_host(app).status()}
    assert status["broken_import"]["error"] == "RuntimeError: broken at import on purpose"
    assert status["broken_register"]["error"] == "RuntimeError: broken at registration on purpose"
    assert not status["broken_import"]["enabled"] and not status["broken_register"]["enabled"]
    assert status["announcements"]["enabled"]

    listing = plugins_cli(app, "list").output
    assert "broken_import\tguildhall_ext_broken_import\tBROKEN: RuntimeError: broken at import" in listing
    assert "broken_register\tguildhall_ext_broken_register\tBROKEN: RuntimeError: broken at registration" in listing

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/announcements").status_code == 200

    result = plugins_cli(app, "enable", "broken_register")
    assert result.exit_code != 0
    assert "failed to load" in result.output
    with app.app_context():
        assert not get_host(app).is_enabled("broken_register")


# -- needs ------------------------------------------------------------------------------


def test_plugin_needing_a_disabled_plugin_is_refused_naming_the_need(install_plugins, app_factory):
    install_plugins("hello", "needy")
    app = app_factory(ENABLED_PLUGINS=["announcements"], BABEL_DEFAULT_LOCALE="en")  # CLI messages in English
    client = app.test_client()

    result = plugins_cli(app, "enable", "needy")
    assert result.exit_code != 0
    assert "needs these plugins enabled first: hello" in result.output
    assert client.get("/needy").status_code == 404
    with app.app_context():
        with pytest.raises(PluginError, match="hello"):
            get_host(app).set_enabled("needy", True)

    assert plugins_cli(app, "enable", "hello").exit_code == 0
    assert plugins_cli(app, "enable", "needy").exit_code == 0
    assert client.get("/needy").status_code == 200


def test_disabling_a_plugin_that_an_enabled_one_needs_is_refused(install_plugins, app_factory):
    install_plugins("hello", "needy")
    app = app_factory(ENABLED_PLUGINS=["announcements", "hello", "needy"], BABEL_DEFAULT_LOCALE="en")
    client = app.test_client()

    result = plugins_cli(app, "disable", "hello")
    assert result.exit_code != 0
    assert "needy need hello" in result.output
    assert client.get("/hello").status_code == 200

    assert plugins_cli(app, "disable", "needy").exit_code == 0
    assert plugins_cli(app, "disable", "hello").exit_code == 0
    assert client.get("/hello").status_code == 404


def test_plugin_wanted_by_config_without_its_need_stays_off(install_plugins, app_factory):
    install_plugins("hello", "needy")
    app = app_factory(ENABLED_PLUGINS=["needy"])
    assert "needy\tguildhall_ext_needy\tdisabled (needs hello)" in plugins_cli(app, "list").output
    assert app.test_client().get("/needy").status_code == 404


# -- both databases ----------------------------------------------------------------------


def test_life_cycle_keeps_data_on_each_backend(backend_app):
    host = get_host()
    client = backend_app.test_client()
    notice = add_notice(title="Reliability management exchange", body="Line one.\n\nLine two.")
    assert client.get(f"/announcements/{notice.id}").status_code == 200

    host.set_enabled("announcements", False)
    db.session.commit()
    assert client.get(f"/announcements/{notice.id}").status_code == 404
    assert client.get("/announcements").status_code == 404
    assert db.session.scalar(db.select(func.count(Announcement.id))) == 1

    host.set_enabled("announcements", True)
    db.session.commit()
    response = client.get(f"/announcements/{notice.id}")
    assert response.status_code == 200
    assert "Reliability management exchange" in response.get_data(as_text=True)
    assert notice_rows() == [(notice.id, "Reliability management exchange")]


def test_a_plugin_implementing_an_undeclared_hook_is_broken_and_the_others_work(install_plugins, app_factory):
    install_plugins("hello", "misspelt")
    app = app_factory(ENABLED_PLUGINS=["announcements", "hello", "misspelt"], BABEL_DEFAULT_LOCALE="en")
    with app.app_context():
        status = {plugin["name"]: plugin for plugin in get_host(app).status()}
    assert "unknown hook 'register_blueprint'" in status["misspelt"]["error"]
    assert not status["misspelt"]["enabled"]
    assert status["hello"]["enabled"] and status["hello"]["error"] is None
    assert app.test_client().get("/hello").status_code == 200


def test_plugin_whose_template_folders_fail_is_broken_not_fatal(install_plugins, app_factory):
    install_plugins("broken_templates")
    app = app_factory(ENABLED_PLUGINS=["announcements", "broken_templates"])
    assert "BROKEN: RuntimeError: broken template folders on purpose" in plugins_cli(app, "list").output
    client = app.test_client()
    assert client.get("/broken-templates").status_code == 404
    assert client.get("/").status_code == 200


def test_a_failing_reaction_to_a_toggle_does_not_undo_it_or_silence_others(install_plugins, app_factory, caplog):
    install_plugins("hello", "grumpy")
    app = app_factory(ENABLED_PLUGINS=["announcements", "grumpy"])
    result = plugins_cli(app, "enable", "hello")
    assert result.exit_code == 0, result.output
    assert app.test_client().get("/hello").status_code == 200
    assert "plugin grumpy failed in on_plugin_enabled" in caplog.text
    with app.app_context():
        heard = db.session.scalars(db.select(AuditEntry.target).filter_by(action="announcements.plugin_enabled"))
        assert list(heard) == ["hello"]
