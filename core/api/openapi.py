"""The OpenAPI 3 document of every /api/v1 route, core and plugin.

Each view documents itself in YAML after '---' in its docstring (read by
apispec_webframeworks' FlaskPlugin; marshmallow schemas may be named by
class). Whatever a docstring leaves out is filled in from the URL map and the
view's access declaration: every method, path parameters, security and the
401/403/429 answers. The URL map is fixed once the app is built, so the
document is built once per app.
"""
import logging
import re
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from apispec_webframeworks.flask import FlaskPlugin

from core.permissions import access_of

log = logging.getLogger(__name__)

API_ROOT = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
CONVERTER_TYPES = {"int": "integer", "float": "number"}

ERROR_RESPONSES = {
    "BadRequest": "The body is not JSON or was not sent as application/json.",
    "Unauthorized": "No valid API token: send 'Authorization: Bearer <token>'.",
    "Forbidden": "The token's user lacks the permission this route needs.",
    "NotFound": "There is no such thing.",
    "Invalid": "Some fields are not valid; error.fields says which and why.",
    "TooManyRequests": "Too many requests for this token or address; try again later.",
}


class FlaskRulePlugin(FlaskPlugin):
    """FlaskPlugin, also accepting an explicit path for a view's second and later rules."""

    def path_helper(self, path=None, operations=None, parameters=None, *, view=None, app=None, **kwargs):
        if view is None:
            return None
        return super().path_helper(path, operations, parameters, view=view, app=app, **kwargs)


def openapi_document(app):
    cache = app.extensions.setdefault("guildhall.openapi", {})
    if "document" not in cache:
        cache["document"] = build_document(app)
    return cache["document"]


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_ROOT)]


def build_document(app):
    spec = APISpec(
        title=f"{app.config['SITE_NAME']} API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskRulePlugin(), MarshmallowPlugin()],
        info={"description": "Authenticate with 'Authorization: Bearer <token>'. Errors are "
              '{"error": {"status": N, "message": "..."}}.'},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for name, description in ERROR_RESPONSES.items():
        spec.components.response(
            name,
            {"description": description, "content": {"application/json": {"schema": "ErrorResponseSchema"}}},
        )

    access, defaults_by_operation = {}, {}
    rules_seen = {}  # endpoint -> how many of its rules came before
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        path = FlaskPlugin.flaskpath2openapi(rule.rule)
        methods = sorted(set(rule.methods or ()) - IGNORED_METHODS)
        position = rules_seen.get(rule.endpoint, 0)
        rules_seen[rule.endpoint] = position + 1
        defaults = {method.lower(): _default_operation(rule, view, method, methods, position) for method in methods}
        for method in defaults:
            access[(path, method)] = access_of(view) or "undeclared"
            defaults_by_operation[(path, method)] = defaults[method]
        parameters = _path_parameters(rule.rule)
        try:
            if position == 0:
                spec.path(view=view, app=app, operations=defaults, parameters=parameters)
            else:  # FlaskPlugin only knows a view's first rule
                operations = {**defaults, **load_operations_from_docstring(view.__doc__ or "")}
                for method, operation in operations.items():
                    if method in defaults:
                        operation["operationId"] = defaults[method]["operationId"]  # must stay unique
                spec.path(path=path, operations=operations, parameters=parameters)
        except Exception:  # one badly documented plugin view must not break the document
            log.exception("the docstring of %s is not valid OpenAPI YAML; documenting defaults", rule.endpoint)
            spec.path(path=path, operations=defaults, parameters=parameters)

    document = spec.to_dict()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if (path, method) in access:
                for key, value in defaults_by_operation[(path, method)].items():
                    operation.setdefault(key, value)
                _complete_operation(operation, access[(path, method)])
    return document


def _summary(view):
    text = (view.__doc__ or "").split("---", 1)[0].strip()
    return text.splitlines()[0] if text else view.__name__.replace("_", " ")


def _default_operation(rule, view, method, methods, position):
    operation_id = rule.endpoint if len(methods) == 1 else f"{rule.endpoint}.{method.lower()}"
    if position:
        operation_id += f".{position + 1}"
    return {"summary": _summary(view), "operationId": operation_id}


def _path_parameters(rule):
    return [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": CONVERTER_TYPES.get(converter, "string")},
        }
        for converter, name in RULE_ARGUMENT.findall(rule)
    ]


def _complete_operation(operation, access):
    responses = operation.setdefault("responses", {})
    if not any(code.startswith("2") for code in responses):
        responses["200"] = {"description": "OK"}
    for code, response in responses.items():
        if "$ref" not in response:
            response.setdefault("description", HTTPStatus(int(code)).phrase if code.isdigit() else code)
    responses.setdefault("429", {"$ref": "#/components/responses/TooManyRequests"})
    if access == "public":
        operation.setdefault("security", [])
    else:
        operation.setdefault("security", [{"bearerAuth": []}])
        responses.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
    if access.startswith("permission:"):
        permission = access.split(":", 1)[1]
        responses.setdefault("403", {"$ref": "#/components/responses/Forbidden"})
        operation["x-permission"] = permission
        operation.setdefault("description", f"Needs the permission {permission}.")
