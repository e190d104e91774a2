"""url_for with its answers kept: a page builds a few dozen addresses, most of them the same on
every request (stylesheets, feeds, the sign-in link, the sections).

An address depends only on the endpoint, its values, the app's URL rules and the request's host,
script root and scheme; the kept answer is keyed by all of these. Anything unusual goes to Flask's
url_for as before: _external, _anchor and the like, relative endpoints (".name"), values that
are not plain strings or numbers, an app with url_defaults functions, no request, build errors.
"""
from flask import url_for as flask_url_for
from flask.globals import _cv_request

from core.kept import keep

EXTENSION = "guildhall.urls"
MAX_KEPT = 4096
_PLAIN = (str, int)


def url_for(endpoint, **values):
    request_context = _cv_request.get(None)
    if request_context is None or endpoint[:1] == ".":
        return flask_url_for(endpoint, **values)
    for name, value in values.items():
        if name[:1] == "_" or type(value) not in _PLAIN:
            return flask_url_for(endpoint, **values)
    app = request_context.app
    kept = app.extensions.get(EXTENSION)
    if kept is None:
        kept = app.extensions[EXTENSION] = {}
    adapter = request_context.url_adapter
    if adapter is None:
        return flask_url_for(endpoint, **values)
    key = (adapter.server_name, adapter.script_name, adapter.subdomain, adapter.url_scheme, endpoint,
           *values.items())
    found = kept.get(key)
    if found is None:
        found = flask_url_for(endpoint, **values)  # raises BuildError as before; nothing is kept then
        if app.url_default_functions or app.url_build_error_handlers:  # may depend on the request: never keep
            return found
        keep(kept, key, found, MAX_KEPT)
    return found


def install(app):
    """Templates build addresses with this url_for."""
    app.jinja_env.globals["url_for"] = url_for
