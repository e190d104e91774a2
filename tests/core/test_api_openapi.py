"""The OpenAPI document: valid OpenAPI 3, and every /api/v1 route in it, plugin routes too."""
import json

from openapi_spec_validator import validate

from core.api.openapi import build_document
from core.extensions import db
from tests.core.test_api_plugins import BASE, BASE_SOURCE, install_entry_point_plugins

IGNORED = {"HEAD", "OPTIONS"}


def openapi_path(rule):
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def fetch_document(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def assert_every_api_rule_documented(app, document):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]
    assert rules
    for rule in rules:
        item = document["paths"].get(openapi_path(rule.rule))
        assert item is not None, rule.rule
        for method in set(rule.methods) - IGNORED:
            assert method.lower() in item, (rule.rule, method)
    return rules


def test_document_is_valid_openapi_with_every_core_route(app):
    document = fetch_document(app)
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert_every_api_rule_documented(app, document)


def test_document_says_who_may_call_what(app):
    paths = fetch_document(app)["paths"]
    assert paths["/api/v1/organisations"]["get"]["security"] == []
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]
    patch = paths["/api/v1/users/{user_id}"]["patch"]
    assert patch["x-permission"] == "users.manage"
    assert {"401", "403", "409", "422", "429"} <= set(patch["responses"])
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserPatch"}
    assert any(p["name"] == "per_page" for p in paths["/api/v1/users"]["get"]["parameters"])


def test_plugin_routes_are_documented(tmp_path_factory, monkeypatch, app_factory):
    install_entry_point_plugins(tmp_path_factory.mktemp("site"), monkeypatch, {BASE: BASE_SOURCE})
    app = app_factory(ENABLED_PLUGINS=[BASE])
    with app.app_context():
        document = fetch_document(app)
        validate(document)
        rules = assert_every_api_rule_documented(app, document)
        assert "/api/v1/apitest/items/<int:item_id>/<slug>" in [rule.rule for rule in rules]
        whoami = document["paths"]["/api/v1/apitest/whoami"]["get"]
        assert whoami["summary"] == "The caller's e-mail address"  # read from the docstring's YAML
        assert whoami["security"] == [{"bearerAuth": []}]
        item = document["paths"]["/api/v1/apitest/items/{item_id}/{slug}"]
        assert {p["name"] for p in item["parameters"]} == {"item_id", "slug"}
        db.session.remove()


def test_a_view_with_broken_yaml_is_still_documented(app):
    def broken():
        """Broken.
        ---
        get: [this: is: not yaml
        """

    app.add_url_rule("/api/v1/broken", "broken", broken)
    document = build_document(app)
    assert document["paths"]["/api/v1/broken"]["get"]["summary"] == "Broken."
    validate(document)
