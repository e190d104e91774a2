"""Admin plugins page: live toggling with confirmation, refusals, audit; plugin admin sections.

Uses two throwaway plugins installed the way a third party would be: a package
plus a ``*.dist-info`` folder declaring ``guildhall.plugins`` entry points.
"""
import re
import textwrap

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.plugins import PluginState, get_host
from tests.conftest import PASSWORD, make_user
from tests.core.test_admin_access import signed_in

PROBE = '''
from flask import Blueprint
from markupsafe import Markup

from core.contrib import AdminSection, Permission
from core.hookspecs import hookimpl
from core.permissions import permission_required, public

bp = Blueprint("probe", __name__, url_prefix="/probe")
DELETED = []


@bp.route("/")
@public
def index():
    return "probe page"


@bp.route("/admin")
@permission_required("probe.manage")
def admin():
    return "probe admin"


@hookimpl
def plugin_info():
    return {"title": "Probe", "description": "A plugin that only tests install."}


@hookimpl
def register_blueprints(app):
    return [bp]


@hookimpl
def register_permissions():
    return [Permission("probe.manage", "Manage the probe", ("admin", "editor"))]


@hookimpl
def register_admin_sections():
    return [
        AdminSection("Probe section", "probe.admin", "probe.manage", order=70),
        AdminSection("Broken section", "probe.nowhere", "probe.manage", order=71),
        AdminSection("Secret section", "probe.index", "no.such_permission", order=72),
    ]


@hookimpl
def extra_slot(slot, context):
    if slot == "admin_dashboard":
        return Markup('<p id="probe-slot">Probe slot</p>')


@hookimpl
def on_user_deleted(user):
    DELETED.append(user.email)
'''

CHILD = '''
from core.hookspecs import hookimpl


@hookimpl
def plugin_info():
    return {"title": "Probe child", "requires": ["probe"]}
'''


@pytest.fixture(scope="session")
def probe_site(tmp_path_factory):
    """A folder holding the installed probe distribution."""
    site = tmp_path_factory.mktemp("site")
    package = site / "guildhall_probe"
    package.mkdir()
    (package / "__init__.py").write_text(PROBE)
    (package / "child.py").write_text(CHILD)
    dist = site / "guildhall_probe-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: guildhall-probe\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [guildhall.plugins]
            probe = guildhall_probe
            probe_child = guildhall_probe.child
            """
        )
    )
    return site


@pytest.fixture
def site(app_factory, probe_site, monkeypatch):
    """The app with the probe plugins installed, probe enabled and probe_child disabled."""
    monkeypatch.syspath_prepend(str(probe_site))
    app = app_factory(ENABLED_PLUGINS=["probe"])
    with app.app_context():
        people = {role: make_user(role) for role in ("admin", "editor", "member")}
        yield app, people
        db.session.remove()


@pytest.fixture
def admin(site):
    app, people = site
    return signed_in(app, people["admin"])


def audit_actions():
    return [(e.action, e.target, e.actor_label) for e in db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action.like("plugin.%")).order_by(AuditEntry.id))]


def test_plugins_page_lists_installed_plugins_with_their_state(admin):
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert 'id="plugin-probe" data-plugin="probe" data-enabled="true"' in page
    assert 'id="plugin-probe_child" data-plugin="probe_child" data-enabled="false"' in page
    assert "A plugin that only tests install." in page
    assert "guildhall-probe" in page  # the distribution it came from
    assert 'id="toggle-probe"' in page and 'data-action="disable"' in page
    assert 'href="/admin/plugins/probe/confirm?action=disable"' in page


def test_disable_then_enable_through_the_confirmation_page(site, admin):
    app, people = site
    assert app.test_client().get("/probe/").status_code == 200

    confirm = admin.get("/admin/plugins/probe/confirm?action=disable").get_data(as_text=True)
    assert 'id="confirm-toggle"' in confirm
    assert "Its data stays in the database" in confirm
    assert 'action="/admin/plugins/probe/disable"' in confirm
    assert admin.get("/probe/").status_code == 200  # the GET changed nothing

    response = admin.post("/admin/plugins/probe/disable", follow_redirects=True)
    assert "Probe is disabled; its data stays." in response.get_data(as_text=True)
    assert admin.get("/probe/").status_code == 404
    assert "Probe section" not in admin.get("/admin/").get_data(as_text=True)
    state = db.session.get(PluginState, "probe")
    assert state.enabled is False and state.updated_by_id == people["admin"].id

    admin.post("/admin/plugins/probe/enable")
    assert admin.get("/probe/").status_code == 200
    assert audit_actions() == [
        ("plugin.disabled", "probe", "admin@example.org"),
        ("plugin.enabled", "probe", "admin@example.org"),
    ]


def test_enabling_a_plugin_with_unmet_needs_is_refused(site, admin):
    admin.post("/admin/plugins/probe/disable")
    confirm = admin.get("/admin/plugins/probe_child/confirm?action=enable").get_data(as_text=True)
    assert 'id="toggle-blocked"' in confirm and 'id="confirm-toggle"' not in confirm

    response = admin.post("/admin/plugins/probe_child/enable", follow_redirects=True)
    assert "probe_child needs these plugins enabled first: probe" in response.get_data(as_text=True)
    assert not get_host().is_enabled("probe_child")
    assert [a for a, _t, _u in audit_actions()] == ["plugin.disabled"]


def test_disabling_a_plugin_others_need_is_refused(site, admin):
    admin.post("/admin/plugins/probe_child/enable")
    assert get_host().is_enabled("probe_child")
    response = admin.post("/admin/plugins/probe/disable", follow_redirects=True)
    assert "probe_child need probe; disable them first." in response.get_data(as_text=True)
    assert get_host().is_enabled("probe")


def test_unknown_plugins_and_actions_are_404(admin):
    assert admin.get("/admin/plugins/nothing/confirm?action=disable").status_code == 404
    assert admin.get("/admin/plugins/probe/confirm?action=explode").status_code == 404
    assert admin.post("/admin/plugins/nothing/enable").status_code == 404
    assert admin.get("/admin/plugins/probe/disable").status_code == 405


def test_only_plugin_managers_may_toggle(site):
    app, people = site
    editor = signed_in(app, people["editor"])
    assert editor.post("/admin/plugins/probe/disable").status_code == 403
    assert get_host().is_enabled("probe")


def test_plugin_admin_sections_follow_permission_and_enabled_state(site, admin):
    app, people = site
    page = admin.get("/admin/").get_data(as_text=True)
    assert '<a href="/probe/admin">Probe section</a>' in page
    assert "Broken section" not in page  # its endpoint does not exist
    assert "Secret section" not in page  # its permission is not declared
    assert '<p id="probe-slot">Probe slot</p>' in page

    editor_page = signed_in(app, people["editor"]).get("/admin/").get_data(as_text=True)
    assert "Probe section" in editor_page and 'href="/admin/users"' not in editor_page


def test_plugin_permissions_appear_in_the_role_grid(admin):
    page = admin.get("/admin/roles/permissions").get_data(as_text=True)
    assert "<code>probe.manage</code>" in page and ">probe</th>" in page


def test_deleting_a_user_tells_the_plugins(site, admin):
    import guildhall_probe

    app, people = site
    guildhall_probe.DELETED.clear()
    assert admin.post(f"/admin/users/{people['member'].id}/delete").status_code == 302
    assert guildhall_probe.DELETED == ["member@example.org"]


def test_builtin_announcements_plugin_toggles_too(app, users):
    if "announcements" not in get_host().plugins:
        pytest.skip("the announcements plugin is not installed")
    admin = signed_in(app, users["admin"])
    admin.post("/admin/plugins/announcements/disable")
    assert not get_host().is_enabled("announcements")
    assert admin.get("/announcements").status_code == 404
    admin.post("/admin/plugins/announcements/enable")
    assert get_host().is_enabled("announcements")
    assert [a for a, _t, _u in audit_actions()] == ["plugin.disabled", "plugin.enabled"]


def test_confirm_page_form_works_with_csrf_protection_on(app_factory, probe_site, monkeypatch):
    monkeypatch.syspath_prepend(str(probe_site))
    app = app_factory(ENABLED_PLUGINS=["probe"], WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("admin")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})

        assert client.post("/admin/plugins/probe/disable").status_code == 400  # no token: refused
        assert get_host().is_enabled("probe")

        confirm = client.get("/admin/plugins/probe/confirm?action=disable").get_data(as_text=True)
        form = confirm.split('action="/admin/plugins/probe/disable"')[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        assert client.post("/admin/plugins/probe/disable", data={"csrf_token": token}).status_code == 302
        assert not get_host().is_enabled("probe")
        db.session.remove()
