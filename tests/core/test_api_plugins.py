"""Plugins through the API: listing and toggling, and plugin routes under /api/v1.

The plugins here are installed for the test only, as entry points of a
temporary distribution, exactly as a third-party plugin would be."""
import textwrap

import pytest

from core.audit import AuditEntry
from core.extensions import db
from tests.conftest import make_user
from tests.core.test_api import assert_json_error, bearer

BASE = "apitest_base"
NEEDY = "apitest_needy"

BASE_SOURCE = '''
from flask import Blueprint, jsonify, request
from flask_login import current_user

from core.hookspecs import hookimpl
from core.permissions import login_required, public


@hookimpl
def plugin_info():
    return {"title": "API test base", "description": "A plugin with API routes."}


@hookimpl
def register_blueprints(app):
    bp = Blueprint("apitest_base", __name__, url_prefix="/api/v1/apitest")

    @bp.route("/whoami")
    @login_required
    def whoami():
        """Who is asking.
        ---
        get:
          summary: The caller's e-mail address
          responses:
            200:
              description: The caller.
        """
        return jsonify({"email": current_user.email})

    @bp.route("/echo", methods=["POST"])
    @login_required
    def echo():
        return jsonify(request.get_json())

    @bp.route("/items/<int:item_id>")
    @bp.route("/items/<int:item_id>/<slug>")
    @public
    def item(item_id, slug=None):
        """An item, with or without its slug."""
        return jsonify({"id": item_id, "slug": slug})

    return [bp]
'''

NEEDY_SOURCE = '''
from core.hookspecs import hookimpl


@hookimpl
def plugin_info():
    return {"title": "API test needy", "requires": ["apitest_base"]}
'''


def install_entry_point_plugins(folder, monkeypatch, packages, dist="apitest-plugins"):
    """Write packages plus a dist-info declaring them as guildhall.plugins entry points."""
    for name, source in packages.items():
        (folder / name).mkdir()
        (folder / name / "__init__.py").write_text(textwrap.dedent(source))
    info = folder / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {name}\n" for name in packages)
    (info / "entry_points.txt").write_text(f"[guildhall.plugins]\n{lines}")
    monkeypatch.syspath_prepend(str(folder))


@pytest.fixture
def plugin_app(tmp_path_factory, monkeypatch, app_factory):
    install_entry_point_plugins(
        tmp_path_factory.mktemp("site"), monkeypatch, {BASE: BASE_SOURCE, NEEDY: NEEDY_SOURCE}
    )
    app = app_factory(ENABLED_PLUGINS=[BASE, NEEDY])
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def admin(plugin_app):
    return make_user("admin")


def toggle(client, admin, name, body):
    return client.post(f"/api/v1/plugins/{name}", json=body, headers=bearer(admin))


def test_plugins_are_listed(plugin_app, admin):
    items = plugin_app.test_client().get("/api/v1/plugins", headers=bearer(admin)).get_json()["items"]
    by_name = {item["name"]: item for item in items}
    assert by_name[BASE]["enabled"] is True
    assert by_name[BASE]["source"] == "apitest-plugins"
    assert by_name[NEEDY]["requires"] == [BASE]


def test_plugin_is_toggled_through_the_api(plugin_app, admin):
    client = plugin_app.test_client()
    headers = bearer(admin)
    assert client.get("/api/v1/apitest/whoami", headers=headers).status_code == 200

    error = assert_json_error(toggle(client, admin, BASE, {"enabled": False}), 409)
    assert NEEDY in error["message"]

    response = toggle(client, admin, NEEDY, {"enabled": False})
    assert response.status_code == 200
    assert response.get_json()["enabled"] is False
    response = toggle(client, admin, BASE, {"enabled": False})
    assert response.get_json()["enabled"] is False
    assert_json_error(client.get("/api/v1/apitest/whoami", headers=headers), 404)

    error = assert_json_error(toggle(client, admin, NEEDY, {"enabled": True}), 409)
    assert BASE in error["message"]
    assert toggle(client, admin, BASE, {"enabled": True}).status_code == 200
    assert client.get("/api/v1/apitest/whoami", headers=headers).status_code == 200

    actions = [
        (entry.action, entry.target, entry.detail.get("via"))
        for entry in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.like("plugin.%")))
    ]
    assert actions == [
        ("plugin.disabled", NEEDY, "api"),
        ("plugin.disabled", BASE, "api"),
        ("plugin.enabled", BASE, "api"),
    ]


@pytest.mark.parametrize(
    "body,status",
    [({}, 422), ({"enabled": "yes"}, 422), ({"enabled": 1}, 422), ({"enabled": True, "x": 1}, 422)],
)
def test_toggle_validates_its_body(plugin_app, admin, body, status):
    assert_json_error(toggle(plugin_app.test_client(), admin, BASE, body), status)


def test_toggle_needs_a_json_body(plugin_app, admin):
    response = plugin_app.test_client().post(f"/api/v1/plugins/{BASE}", data="enabled=0", headers=bearer(admin))
    assert_json_error(response, 400)


def test_unknown_plugin_is_404(plugin_app, admin):
    assert_json_error(toggle(plugin_app.test_client(), admin, "nope", {"enabled": True}), 404)


def test_plugin_api_routes_use_tokens_not_cookies_and_skip_csrf(tmp_path_factory, monkeypatch, app_factory):
    install_entry_point_plugins(tmp_path_factory.mktemp("site"), monkeypatch, {BASE: BASE_SOURCE})
    app = app_factory(ENABLED_PLUGINS=[BASE], WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        member = make_user("member")
        response = client.post("/api/v1/apitest/echo", json={"said": "hi"}, headers=bearer(member))
        assert response.status_code == 200
        assert response.get_json() == {"said": "hi"}

        browser = app.test_client()
        with browser.session_transaction() as session:
            session["_user_id"] = member.get_id()
            session["_fresh"] = True
        assert browser.get("/me").status_code == 200  # the cookie signs in to pages...
        assert_json_error(browser.get("/api/v1/apitest/whoami"), 401)  # ...but not to the API
