"""Find the catalogues in translations/zh_CN/ (and other language_TERRITORY folders).

Babel parses "zh_CN" as zh_Hans_CN (it adds the likely script), and gettext then only
tries the folders zh_Hans_CN and zh: Flask-Babel as shipped never loads zh_CN/, so the
site stayed English (known upstream: ckan/ckan#4413, flask-admin#403). This domain also
tries language_TERRITORY, the folder name pybabel and translators use.

A page asks for its translations a few dozen times (every _() in a template). Flask-Babel
finds them anew each time, through half a dozen context-local look-ups; here the answer is
kept for the request, next to Flask-Babel's own per-request values, and given back as long as
the request's locale and domain are the ones it was found for (flask_babel.refresh() and
Domain.as_default() change them, and so start a new look-up).
"""
from functools import cached_property

import flask_babel
from babel import support
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale
from jinja2 import pass_context
from markupsafe import Markup

from core.kept import keep

KEPT = "guildhall_translations"  # on Flask-Babel's per-request namespace: (locale, domain, translations)


def catalogue_folders(locale):
    """Folder names to try, most specific first: zh_Hans_CN, zh_CN, zh."""
    names = [str(locale)]
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    names.append(locale.language)
    return list(dict.fromkeys(names))


def _babel_namespace():
    """Flask-Babel's per-request namespace (g._flask_babel), or None; without LocalProxy hops."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    return app_context.g.__dict__.get("_flask_babel")


def current_translations():
    """flask_babel.get_translations(), kept for the request."""
    namespace = _babel_namespace()
    if namespace is not None:
        kept = namespace.__dict__.get(KEPT)
        if kept is not None:
            values = namespace.__dict__
            if kept[0] is values.get("babel_locale") and kept[1] is values.get("babel_domain"):
                return kept[2]
    return flask_babel.get_translations()


class TerritoryDomain(Domain):
    def get_translations(self):
        namespace = _babel_namespace()
        if namespace is not None:
            kept = namespace.__dict__.get(KEPT)
            if kept is not None and kept[1] is self and kept[0] is namespace.__dict__.get("babel_locale"):
                return kept[2]
        locale = get_locale()
        if locale is None:  # outside a request or app context
            return support.NullTranslations()
        directories = list(self.translation_directories)
        # One Babel object serves every app in the process (tests build many): key by folders too.
        key = (str(locale), tuple(self.domain), tuple(directories))
        if key not in self.cache:
            translations = support.Translations()
            for index, dirname in enumerate(directories):
                domain = self.domain[0] if len(self.domain) == 1 else self.domain[index]
                catalog = support.Translations.load(dirname, catalogue_folders(locale), domain)
                translations.merge(catalog)
                if hasattr(catalog, "plural"):  # merge() does not copy the plural rule
                    translations.plural = catalog.plural
            self.cache[key] = translations
        translations = self.cache[key]
        namespace = _babel_namespace()
        if namespace is not None:
            setattr(namespace, KEPT, (locale, self, translations))
        return translations


class TerritoryBabel(Babel):
    @cached_property
    def domain_instance(self):
        return TerritoryDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        if self._configure_jinja:
            install_template_callables(app.jinja_env)


# The template callables. Jinja's i18n extension wraps what it is given twice (_ calls gettext,
# which calls the function given, each through Context.call); these do what those wrappers do
# (new-style gettext: the result is Markup when autoescaping, and always a format string),
# in one call, with the translations kept for the request.


@pass_context
def _gettext(context, string, /, **variables):
    rv = current_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    if not variables and "%" not in rv:  # what formatting would give back unchanged (most strings)
        return rv
    return rv % variables


@pass_context
def _ngettext(context, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    rv = current_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _pgettext(context, message_context, string, /, **variables):
    variables.setdefault("context", message_context)
    rv = current_translations().upgettext(message_context, string)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_context
def _npgettext(context, message_context, singular, plural, num, /, **variables):
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    rv = current_translations().unpgettext(message_context, singular, plural, num)
    if context.eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


FORMATTED = "guildhall.formatted_dates"  # app.extensions: (filter, value, arguments, locale, zone) -> text
FORMATTED_MAX = 4096


def kept_format(name, function):
    """A Flask-Babel date filter whose answers are kept per app, keyed by the value, the arguments,
    the locale and the time zone: a news list formats a dozen dates, each costing Babel's pattern
    work and a time zone conversion (about 40 µs), and the same dates come back on every visit."""

    def formatted(value=None, *args, **kwargs):
        app_context = _cv_app.get(None)
        if app_context is None or value is None:
            return function(value, *args, **kwargs)
        try:
            key = (name, value, args, tuple(sorted(kwargs.items())), str(get_locale()), str(flask_babel.get_timezone()))
            kept = app_context.app.extensions.setdefault(FORMATTED, {})
            found = kept.get(key)
        except TypeError:  # an argument that cannot be a key
            return function(value, *args, **kwargs)
        if found is None:
            found = keep(kept, key, function(value, *args, **kwargs), FORMATTED_MAX)
        return found

    formatted.__name__ = function.__name__
    return formatted


def install_template_callables(environment):
    environment.newstyle_gettext = True
    environment.globals.update(
        _=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )
    environment.filters.update(
        dateformat=kept_format("date", flask_babel.format_date),
        datetimeformat=kept_format("datetime", flask_babel.format_datetime),
        timeformat=kept_format("time", flask_babel.format_time),
    )
