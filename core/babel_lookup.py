"""Find the catalogues in translations/zh_CN/ (and other language_TERRITORY folders).

Babel parses "zh_CN" as zh_Hans_CN (it adds the likely script), and gettext then only
tries the folders zh_Hans_CN and zh: Flask-Babel as shipped never loads zh_CN/, so the
site stayed English (known upstream: ckan/ckan#4413, flask-admin#403). This domain also
tries language_TERRITORY, the folder name pybabel and translators use.
"""
from functools import cached_property

from babel import support
from flask_babel import Babel, Domain, get_locale


def catalogue_folders(locale):
    """Folder names to try, most specific first: zh_Hans_CN, zh_CN, zh."""
    names = [str(locale)]
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    names.append(locale.language)
    return list(dict.fromkeys(names))


class TerritoryDomain(Domain):
    def get_translations(self):
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
        return self.cache[key]


class TerritoryBabel(Babel):
    @cached_property
    def domain_instance(self):
        return TerritoryDomain(domain=self.domain)
