"""Every endpoint declares who may use it; every state-changing form route demands a CSRF token;
no URL, however malformed, produces a 500."""
import pytest

from core.permissions import access_of, registry
from tests.conftest import login

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
WEIRD_VALUES = ["0", "-1", "99999999999999999999", "%00", "..%2F..%2Fetc", "'\"<script>", "x" * 500, "名字"]


def is_static(endpoint):
    return endpoint == "static" or endpoint.endswith(".static")


def disabled(rule):
    """A disabled plugin's route answers 404 to everyone; the walks below skip it."""
    from core.plugins import get_host

    return not get_host().serves(rule.endpoint)


def sample_url(rule, value="1"):
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        kind = type(converter).__name__
        if kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = 1 if kind == "IntegerConverter" else value
    return rule.build(values, append_unknown=False)[1]


def test_every_endpoint_declares_its_access(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not is_static(rule.endpoint) and access_of(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_declared_permissions_exist(app):
    known = set(registry())
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint]) or ""
        if access.startswith("permission:"):
            assert access.split(":", 1)[1] in known, rule.endpoint


def test_undeclared_endpoint_is_caught(app):
    """The walk above would fail on a route that forgot its declaration."""
    @app.route("/__forgot")
    def forgot():
        return "x"

    assert access_of(app.view_functions["forgot"]) is None


def test_state_changing_form_routes_refuse_requests_without_csrf_token(app_factory, users):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if not methods or rule.rule.startswith("/api/"):
            continue
        for method in methods:
            response = client.open(sample_url(rule), method=method, data={"x": "1"})
            assert response.status_code == 400, (rule.rule, method, response.status_code)
            checked += 1
    assert checked >= 3  # at least login, logout, language


def test_api_blueprints_are_the_only_csrf_exempt_ones(app):
    from core.extensions import csrf

    # The CSRF extension is shared by every app a test session builds and exempts by name:
    # judge the names of blueprints this app has (other tests' plugin apps add their own).
    exempt = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} & set(app.blueprints)
    assert "api" in exempt
    for name in exempt:
        assert (app.blueprints[name].url_prefix or "").startswith("/api/"), name
    assert not csrf._exempt_views


@pytest.mark.parametrize("role", [None, "member", "admin"])
def test_malformed_urls_never_produce_a_server_error(app, users, role):
    check_malformed_urls(app, users, role)


def check_malformed_urls(app, users, role, endpoint_prefix=""):
    """GET every route (or those whose endpoint starts with endpoint_prefix) with odd values."""
    client = app.test_client()
    if role:
        assert login(client, users[role]).status_code == 302
    for rule in app.url_map.iter_rules():
        if is_static(rule.endpoint) or "GET" not in rule.methods or not rule.endpoint.startswith(endpoint_prefix):
            continue
        for value in WEIRD_VALUES:
            try:
                url = sample_url(rule, value)
            except Exception:
                continue
            for query in ("", "?page=-5&per_page=abc&q=%FF&next=//evil.example"):
                response = client.get(url + query)
                assert response.status_code < 500, (url + query, response.status_code)


def test_malformed_posts_never_produce_a_server_error(app, users):
    client = app.test_client()
    login(client, users["admin"])
    junk = {"email": "\x00" * 3, "password": "x" * 5000, "name": "<b>", "page": "-1", "id": "abc"}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in {"users.logout"}:
            continue
        try:
            url = sample_url(rule, "zz")
        except Exception:
            continue
        response = client.post(url, data=junk)
        assert response.status_code < 500, (url, response.status_code)
        response = client.post(url, data=b"\xff\xfe{not json", content_type="application/json")
        assert response.status_code < 500, (url, response.status_code)


def test_every_protected_route_turns_away_anonymous_visitors(app):
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        if access in (None, "public") or disabled(rule):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(sample_url(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, rule.rule)
            else:
                assert response.status_code == 302 and "/login" in response.headers["Location"], (method, rule.rule)
            checked += 1
    assert checked > 30


@pytest.mark.parametrize("role", ["member", "judge", "editor"])
def test_every_permission_route_refuses_roles_without_that_permission(app, users, role):
    """Walks every route declared with a permission, core and plugin, GET and POST alike."""
    from core.permissions import user_permissions

    held = user_permissions(users[role])
    client = app.test_client()
    login(client, users[role])
    denied = 0
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint]) or ""
        if not access.startswith("permission:") or rule.rule.startswith("/api/") or disabled(rule):
            continue
        if access.split(":", 1)[1] in held:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(sample_url(rule), method=method, data={"name": "x"})
            assert response.status_code == 403, (role, method, rule.rule, response.status_code)
            denied += 1
    assert denied > 20
