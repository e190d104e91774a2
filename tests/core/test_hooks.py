"""Every hook is documented and tested, and the host really uses each one.

The `test_hook_<name>` tests use the built-in announcements plugin, which
implements every hook, and check the effect with the plugin enabled and,
where it shows, gone again with the plugin disabled.
"""
import logging
import re
from pathlib import Path

import pluggy
import pytest
from flask_babel import force_locale

from core import hookspecs
from core.audit import AuditEntry
from core.contrib import SearchDocument
from core.extensions import db
from core.permissions import registry
from core.plugins import get_host
from core.users.service import create_user, delete_user
from plugins.announcements.models import Announcement
from tests.conftest import PASSWORD, login
from tests.fixtures import add_notice, install_plugins  # noqa: F401  (install_plugins is a fixture)

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name, value in vars(hookspecs).items() if hasattr(value, "guildhall_spec"))


def documented_hooks():
    text = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## (\w+)\s*$", text, re.M))


def hooks_with_a_test():
    names = set()
    for path in (ROOT / "tests").rglob("*.py"):
        names.update(re.findall(r"^\s*def test_hook_(\w+)\(", path.read_text(encoding="utf-8"), re.M))
    return names


def test_the_hook_list_is_what_pluggy_sees():
    manager = pluggy.PluginManager("guildhall")
    manager.add_hookspecs(hookspecs)
    assert HOOKS == sorted(vars(manager.hook)) and len(HOOKS) == 18


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_and_a_docs_section(hook):
    assert (getattr(hookspecs, hook).__doc__ or "").strip(), f"{hook} has no docstring in core/hookspecs.py"
    assert hook in documented_hooks(), f"docs/plugin-hooks.md has no '## {hook}' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert hook in hooks_with_a_test(), f"no test function named test_hook_{hook} under tests/"


def disable_announcements():
    get_host().set_enabled("announcements", False)
    db.session.commit()


def main_menu(html):
    return re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)


def sidebar(html):
    return re.search(r'<aside class="home-sidebar">.*?</aside>', html, re.S).group(0)


# -- one test per hook -------------------------------------------------------------


def test_hook_plugin_info(app, client, users):
    plugin = get_host().plugins["announcements"]
    assert plugin.title == "通知公告"  # Chinese by default
    with force_locale("en"):
        assert plugin.title == "Announcements"
        assert "secretariat" in plugin.description
    login(client, users["admin"])
    client.post("/language", data={"lang": "en"})
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "Short notices from the secretariat" in page


def test_hook_register_blueprints(app, client):
    assert get_host().plugins["announcements"].blueprints == ["announcements"]
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("announcements.")}
    assert {"/announcements", "/announcements/<int:id>", "/admin/announcements"} <= rules
    assert client.get("/announcements").status_code == 200
    disable_announcements()
    assert client.get("/announcements").status_code == 404


def test_hook_register_permissions(app, client, users):
    permission = registry()["announcements.manage"]
    assert set(permission.default_roles) == {"admin", "editor"}
    login(client, users["editor"])
    assert client.get("/admin/announcements").status_code == 200
    client.post("/logout")
    login(client, users["member"])
    assert client.get("/admin/announcements").status_code == 403


def test_hook_register_commands(app):
    from datetime import timedelta

    from core.users.models import utcnow

    add_notice(title="Lecture series, session 52")
    stale = add_notice(title="Old pinned notice", pinned=True, expires_at=utcnow() - timedelta(hours=1))
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["announcements", "list"])
    assert listing.exit_code == 0, listing.output
    assert "Lecture series, session 52" in listing.output
    assert "Old pinned notice" not in listing.output
    assert "Old pinned notice" in runner.invoke(args=["announcements", "list", "--all"]).output

    result = runner.invoke(args=["announcements", "expire"])
    assert result.exit_code == 0, result.output
    assert "unpinned 1" in result.output
    db.session.refresh(stale)
    assert stale.pinned is False


def test_hook_register_template_folders(app, client):
    from plugins.announcements import PARTIALS

    assert str(PARTIALS) in get_host().template_folders()
    template = app.jinja_env.get_template("announcements/_latest.html")
    assert Path(template.filename).is_relative_to(PARTIALS)
    add_notice(title="Reliability management workshop")
    assert "Reliability management workshop" in client.get("/").get_data(as_text=True)


def test_hook_register_admin_sections(app, client, users):
    login(client, users["editor"])
    assert 'href="/admin/announcements"' in client.get("/admin/").get_data(as_text=True)
    disable_announcements()
    assert 'href="/admin/announcements"' not in client.get("/admin/").get_data(as_text=True)


def test_hook_register_content_blocks(app, client):
    add_notice(title="Brand-story contest final")
    home = client.get("/").get_data(as_text=True)
    assert "block-announcements-latest" in home and "Brand-story contest final" in home
    disable_announcements()
    home = client.get("/").get_data(as_text=True)
    assert "block-announcements-latest" not in home and "Brand-story contest final" not in home


def test_hook_register_search_documents(app):
    from datetime import timedelta

    from core.users.models import utcnow

    notice = add_notice(title="Ten model markets: voting opens", body="Vote for your market.")
    add_notice(title="Expired notice", expires_at=utcnow() - timedelta(minutes=1))
    documents = get_host().collect("register_search_documents")
    assert all(isinstance(document, SearchDocument) for document in documents)
    assert [(d.title, d.url, d.kind) for d in documents] == [
        ("Ten model markets: voting opens", f"/announcements/{notice.id}", "announcement")
    ]
    disable_announcements()
    assert get_host().collect("register_search_documents") == []


def test_hook_register_sanitizer_allowlist(install_plugins, app_factory):
    from core.sanitize import sanitize_html

    install_plugins("widening")
    app = app_factory(ENABLED_PLUGINS=["announcements", "widening"])
    clip = '<video controls src="/clip.mp4" onclick="alert(1)">clip</video><a href="tel:+8675512345">call</a>'
    with app.app_context():
        widened = sanitize_html(clip + "<script>alert(1)</script>")
        assert '<video controls="" src="/clip.mp4">clip</video>' in widened
        assert 'href="tel:+8675512345"' in widened
        assert "onclick" not in widened and "<script" not in widened  # asked for, still refused
        get_host(app).set_enabled("widening", False)
        narrow = sanitize_html(clip)
        assert "<video" not in narrow and "tel:" not in narrow and "clip" in narrow


def test_hook_extra_nav_items(app, client):
    assert 'href="/announcements"' in main_menu(client.get("/").get_data(as_text=True))
    disable_announcements()
    assert 'href="/announcements"' not in main_menu(client.get("/").get_data(as_text=True))


def test_hook_extra_dashboard_cards(app, client, users):
    add_notice(title="Youth-work committee founded")
    login(client, users["member"])
    assert "Youth-work committee founded" in client.get("/me").get_data(as_text=True)
    disable_announcements()
    assert "Youth-work committee founded" not in client.get("/me").get_data(as_text=True)


def test_hook_extra_slot(app, client):
    add_notice(title="Pinned: entries close Friday", pinned=True)
    add_notice(title="Not pinned", days_ago=2)
    side = sidebar(client.get("/").get_data(as_text=True))
    assert "Pinned: entries close Friday" in side and "Not pinned" not in side
    disable_announcements()
    assert "Pinned: entries close Friday" not in sidebar(client.get("/").get_data(as_text=True))


def test_hook_load_demo_content(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    titles = db.session.scalars(db.select(Announcement.title)).all()
    assert len(titles) == 3 and any("质量大讲堂" in title for title in titles)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert sorted(db.session.scalars(db.select(Announcement.title)).all()) == sorted(titles)


def test_hook_on_user_created(app, caplog):
    caplog.set_level(logging.INFO, logger="plugins.announcements")
    user = create_user("new.member@example.org", "New Member", PASSWORD)
    assert f"announcements: user {user.id} created" in caplog.text
    disable_announcements()
    caplog.clear()
    create_user("second.member@example.org", "Second Member", PASSWORD)
    assert "announcements:" not in caplog.text


def test_hook_on_user_deleted(app, users):
    editor = users["editor"]
    notice = add_notice(title="Written by an editor who leaves", author=editor)
    delete_user(editor)
    db.session.commit()
    db.session.refresh(notice)
    assert notice.author_id is None and notice.author is None
    assert notice.author_name == "Editor User"


def plugin_audit(action):
    return db.session.scalars(db.select(AuditEntry.target).filter_by(action=action).order_by(AuditEntry.id)).all()


def test_hook_on_plugin_enabled(install_plugins, app_factory):
    install_plugins("hello")
    app = app_factory()
    with app.app_context():
        host = get_host(app)
        host.set_enabled("hello", True)
        db.session.commit()
        assert plugin_audit("announcements.plugin_enabled") == ["hello"]
        # Told about its own enabling too.
        host.set_enabled("announcements", False)
        host.set_enabled("announcements", True)
        db.session.commit()
        assert plugin_audit("announcements.plugin_enabled") == ["hello", "announcements"]


def test_hook_on_plugin_disabled(install_plugins, app_factory):
    install_plugins("hello")
    app = app_factory(ENABLED_PLUGINS=["announcements", "hello"])
    with app.app_context():
        host = get_host(app)
        host.set_enabled("hello", False)
        db.session.commit()
        assert plugin_audit("announcements.plugin_disabled") == ["hello"]
        # A plugin being disabled is no longer listening.
        host.set_enabled("announcements", False)
        db.session.commit()
        assert plugin_audit("announcements.plugin_disabled") == ["hello"]
