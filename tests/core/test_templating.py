"""core.templating: templates' globals as dicts that behave like Jinja's ChainMap of the template's own
globals over the environment's."""
import pytest
from flask import render_template


def test_a_global_added_later_reaches_templates_already_loaded(app):
    environment = app.jinja_env
    with app.test_request_context("/"):
        template = environment.from_string("[{{ greeting is defined and greeting }}]")
        assert template.render() == "[False]"
        environment.globals["greeting"] = "你好"
        assert template.render() == "[你好]"
        environment.globals.update(greeting="hello")
        assert render_template(template) == "[hello]"
        del environment.globals["greeting"]
        assert template.render() == "[False]"
        environment.globals.setdefault("greeting", "again")
        assert environment.globals.pop("greeting") == "again" and template.render() == "[False]"


def test_a_templates_own_globals_win_and_stay_its_own(app):
    environment = app.jinja_env
    environment.globals["site_motto"] = "shared"
    own = environment.from_string("{{ site_motto }}", globals={"site_motto": "own"})
    other = environment.from_string("{{ site_motto }}")
    assert own.render() == "own" and other.render() == "shared"
    environment.globals["site_motto"] = "changed"
    assert own.render() == "own" and other.render() == "changed"
    del own.globals["site_motto"]  # its own value goes: the environment's shows again
    assert own.render() == "changed"
    own.globals["site_motto"] = "set on the template"
    assert own.render() == "set on the template" and other.render() == "changed"
    assert "site_motto" not in environment.globals or environment.globals["site_motto"] == "changed"
    with pytest.raises(KeyError):
        del other.globals["site_motto"]  # as with a ChainMap: only a template's own can be deleted
    assert own.globals.popitem() == ("site_motto", "set on the template") and own.render() == "changed"
    own.globals.update(site_motto="again", extra="x")
    own.globals.clear()  # its own go, the environment's stay
    assert own.render() == "changed" and "extra" not in own.globals and "url_for" in own.globals
    with pytest.raises(KeyError):
        own.globals.popitem()
    del environment.globals["site_motto"]


def test_translated_strings_with_and_without_variables(app):
    with app.test_request_context("/"):
        page = app.jinja_env.from_string("{{ _('Home') }}|{{ _('100%% sure') }}|{{ _('By %(name)s', name='<b>') }}")
        home, sure, by = render_template(page).split("|")
    assert home == "首页"  # translated, no formatting needed
    assert sure == "100% sure"  # an escaped % still formatted, as Jinja's newstyle gettext does
    assert "&lt;b&gt;" in by and "<b>" not in by and "%(name)s" not in by


def test_imports_and_macros_see_the_globals(app, client):
    environment = app.jinja_env
    environment.globals["shout"] = lambda text: text.upper() + "!"
    macros = environment.from_string("{% macro hail(name) %}{{ shout(name) }}{% endmacro %}")
    environment.globals["macros_file"] = macros
    try:
        page = environment.from_string("{% from macros_file import hail %}{{ hail('guild') }}")
        with app.test_request_context("/"):
            assert page.render() == "GUILD!" and page.render() == "GUILD!"  # the second from Jinja's cached module
    finally:
        del environment.globals["shout"], environment.globals["macros_file"]
    assert client.get("/").status_code == 200


def test_a_blueprints_page_gets_request_session_and_g_from_one_processor_run(app):
    from flask import g, session
    from flask.templating import _default_template_ctx_processor

    processors = app.template_context_processors[None]
    runs = []

    def counted():
        runs.append(1)
        return _default_template_ctx_processor()

    processors[processors.index(_default_template_ctx_processor)] = counted
    with app.test_request_context("/news/"):
        assert app.url_map.bind("localhost").match("/news/")[0] == "pages.news_index"
        app.preprocess_request()  # the request matches the pages blueprint
        session["lang"] = "en"
        g.marker = "g-value"
        html = render_template(app.jinja_env.from_string("{{ request.path }} {{ session.lang }} {{ g.marker }}"))
    assert html == "/news/ en g-value" and len(runs) == 1
