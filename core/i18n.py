"""Translation catalogues: the core's and each plugin's, extracted, updated and compiled.

msgids are English; zh_CN is the site's first language and must be complete.
"""
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

from core.plugins import get_host

CORE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
TRANSLATED_LOCALES = ["zh_CN"]


def catalogue_domains():
    """(name, folder to scan, extra folders, translations folder) for the core and each plugin."""
    yield "core", CORE, [CORE.parent / "themes"], CORE / "translations"
    for plugin in get_host().plugins.values():
        if plugin.path is not None and plugin.source == "builtin":
            yield plugin.name, plugin.path, [], plugin.path / "translations"


def _method_map():
    return [
        ("**/migrations/**", "ignore"),
        ("**.py", "python"),
        ("**/templates/**.html", "jinja2"),
        ("**/templates/**.txt", "jinja2"),
        # Plugins keep the fragments that core pages embed in partials/ (register_template_folders).
        ("**/partials/**.html", "jinja2"),
        ("**/partials/**.txt", "jinja2"),
    ]


def extract(folders):
    catalog = Catalog(project="guildhall", charset="utf-8")
    for folder in folders:
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), _method_map(), {}, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            catalog.add(message, None, [(str(folder.name + "/" + filename), lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(translations, locale):
    return translations / locale / "LC_MESSAGES" / "messages.po"


def load_po(path, locale):
    if not path.exists():
        return Catalog(locale=locale, project="guildhall", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update_catalogues():
    """Bring every .po file in line with the sources; returns {domain: untranslated count}."""
    report = {}
    for name, folder, extra, translations in catalogue_domains():
        template = extract([folder, *extra])
        if not len(template):
            continue
        for locale in TRANSLATED_LOCALES:
            path = po_path(translations, locale)
            catalog = load_po(path, locale)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
            report[name] = sum(1 for m in catalog if m.id and not m.string)
    return report


def compile_catalogues():
    for _name, _folder, _extra, translations in catalogue_domains():
        for locale in TRANSLATED_LOCALES:
            path = po_path(translations, locale)
            if path.exists():
                catalog = load_po(path, locale)
                with path.with_suffix(".mo").open("wb") as handle:
                    write_mo(handle, catalog, use_fuzzy=False)


def import_translations(mapping, locale="zh_CN"):
    """Fill entries from a {msgid: translation} mapping in every catalogue that has them."""
    filled = 0
    for _name, _folder, _extra, translations in catalogue_domains():
        path = po_path(translations, locale)
        if not path.exists():
            continue
        catalog = load_po(path, locale)
        changed = False
        for message in catalog:
            plural = isinstance(message.id, (list, tuple))
            key = message.id[0] if plural else message.id
            if not key or key not in mapping:
                continue
            # Chinese has one plural form: the translation of the singular serves every count.
            wanted = (mapping[key],) * catalog.num_plurals if plural else mapping[key]
            if message.string != wanted:
                message.string = wanted
                changed = True
                filled += 1
        if changed:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    return filled


translations_cli = AppGroup("translations", help="Extract, update and compile translation catalogues.")


@translations_cli.command("update")
def update_command():
    """Extract messages and update each .po file."""
    for name, missing in update_catalogues().items():
        click.echo(f"{name}: {missing} untranslated")


@translations_cli.command("compile")
def compile_command():
    """Compile each .po file into the .mo file the app reads."""
    compile_catalogues()
    click.echo("compiled")


@translations_cli.command("import")
@click.argument("mapping", type=click.File("r", encoding="utf-8"))
@click.option("--locale", default="zh_CN", show_default=True)
def import_command(mapping, locale):
    """Fill translations from a JSON file of {"English msgid": "translation"}."""
    import json

    click.echo(f"{import_translations(json.load(mapping), locale)} entries filled")
