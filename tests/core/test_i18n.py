"""Chinese is the site's first language: every message is translated, and pages show it.

When a test here fails after adding a string: run
``GUILDHALL_INSTANCE_PATH=$(mktemp -d) .venv/bin/flask --app wsgi translations update``,
translate the new entries in the zh_CN .po files, then ``... translations compile``.
"""
import io
import re
from pathlib import Path

from babel import Locale
from babel.messages.mofile import read_mo, write_mo

from core.babel_lookup import catalogue_folders
from core.i18n import TRANSLATED_LOCALES, catalogue_domains, extract, load_po, po_path
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
# A %-placeholder as Python formats it: %(name)s, %(num)d, %s, and the escaped %%.
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def catalogues():
    """(domain, locale, extracted template, .po catalogue) for every translated domain."""
    for name, folder, extra, translations in catalogue_domains():
        template = extract([folder, *extra])
        if not len(template):
            continue
        for locale in TRANSLATED_LOCALES:
            yield name, locale, template, load_po(po_path(translations, locale), locale)


def ids_of(message):
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def strings_of(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def placeholders(text):
    return sorted((name or "", kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%")


def where(message):
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:2])


def translation_problems(name, locale, template, catalogue):
    problems = []
    for message in template:
        if not message.id:
            continue
        entry = catalogue.get(message.id, context=message.context)
        label = f"{name}/{locale}: {ids_of(message)[0]!r} ({where(message)})"
        if CJK.search(ids_of(message)[0]):
            problems.append(f"msgids are English, translations Chinese: {label}")
        if entry is None:
            problems.append(f"missing {label}")
        elif entry.fuzzy or not all(strings_of(entry)):
            problems.append(f"untranslated or fuzzy {label}")
        elif isinstance(message.id, (list, tuple)) != isinstance(entry.id, (list, tuple)):
            problems.append(f"plural form differs {label}")
    return problems


def test_every_message_in_the_sources_has_a_chinese_translation(app):
    problems = [problem for domain in catalogues() for problem in translation_problems(*domain)]
    assert not problems, "\n".join(problems)


def test_a_new_untranslated_string_is_reported(app, tmp_path):
    (tmp_path / "views.py").write_text('from flask_babel import gettext as _\n_("A sentence nobody translated yet.")\n')
    name, locale, template, catalogue = next(domain for domain in catalogues() if domain[0] == "core")
    for message in extract([tmp_path]):
        if message.id:
            template.add(message.id, locations=message.locations)
    problems = translation_problems(name, locale, template, catalogue)
    assert any(p.startswith("missing core/zh_CN: 'A sentence nobody translated yet.'") for p in problems)


def test_translations_keep_the_placeholders_of_their_msgid(app):
    problems = []
    for name, locale, _template, catalogue in catalogues():
        for entry in catalogue:
            if not entry.id:
                continue
            expected = placeholders(ids_of(entry)[-1])  # the plural msgid names the same values
            for text in strings_of(entry):
                if text and placeholders(text) != expected:
                    problems.append(f"{name}/{locale}: {ids_of(entry)[0]!r} -> {text!r}")
                elif text and expected and all(label for label, _kind in expected):
                    try:  # what Flask-Babel does with the values at run time
                        text % {label: 1 for label, _kind in expected}
                    except (ValueError, TypeError, KeyError) as error:
                        problems.append(f"{name}/{locale}: {text!r} does not format: {error}")
    assert not problems, "\n".join(problems)


def test_one_message_has_one_translation_across_catalogues(app):
    """Flask-Babel merges the core's and every plugin's catalogue into one; a later one wins."""
    seen, problems = {}, []
    for name, locale, _template, catalogue in catalogues():
        for entry in catalogue:
            if not entry.id or not all(strings_of(entry)):
                continue
            key = (locale, ids_of(entry)[0], entry.context)
            if key in seen and seen[key][1] != strings_of(entry):
                problems.append(f"{key[1]!r}: {seen[key][0]} {seen[key][1]} but {name} {strings_of(entry)}")
            seen.setdefault(key, (name, strings_of(entry)))
    assert not problems, "\n".join(problems)


def messages(catalogue):
    return {(entry.context, ids_of(entry)[0]): strings_of(entry) for entry in catalogue if entry.id}


def test_committed_mo_files_match_their_po_files(app):
    for name, _folder, _extra, translations in catalogue_domains():
        for locale in TRANSLATED_LOCALES:
            po = po_path(translations, locale)
            if not po.exists():
                continue
            mo = po.with_suffix(".mo")
            assert mo.exists(), f"{mo} is missing: run `flask translations compile`"
            fresh = io.BytesIO()
            write_mo(fresh, load_po(po, locale), use_fuzzy=False)
            fresh.seek(0)
            with mo.open("rb") as handle:
                committed = read_mo(handle)
            assert messages(committed) == messages(read_mo(fresh)), f"{mo} is stale: run `flask translations compile`"


def test_catalogues_are_found_under_the_territory_folder():
    # Babel reads zh_CN as zh_Hans_CN; the catalogues live in zh_CN/ as pybabel names it.
    assert catalogue_folders(Locale.parse("zh_CN")) == ["zh_Hans_CN", "zh_CN", "zh"]
    assert catalogue_folders(Locale.parse("en")) == ["en"]


# -- pages --------------------------------------------------------------------------


def page_text(response):
    assert response.status_code == 200
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


CHINESE_PAGES = {
    "/": (["首页", "登录", "注册", "跳到正文"], ["Sign in", "Register", "Skip to content", "Home"]),
    "/login": (["忘记密码？", "电子邮箱", "密码"], ["Sign in", "Forgot your password?", "Password"]),
}
CHINESE_SIGNED_IN_PAGES = {
    "/me": (["个人中心", "我的账号", "退出登录"], ["My dashboard", "My account", "Sign out"]),
    "/admin/": (["管理后台", "审计日志", "会员单位", "发件箱"], ["Audit log", "Organisations", "E-mail outbox"]),
    "/admin/organisations/new": (["单位名称", "会长单位", "常务理事单位"], ["President unit", "Short name"]),
}


def assert_language(client, pages, chinese):
    for path, (chinese_words, english_words) in pages.items():
        text = page_text(client.get(path))
        present, absent = (chinese_words, english_words) if chinese else (english_words, chinese_words)
        for word in present:
            assert word in text, f"{path}: {word!r} missing"
        for word in absent:
            assert word not in text, f"{path}: {word!r} shown"


def test_pages_are_chinese_by_default_and_english_on_request(client, users):
    assert_language(client, CHINESE_PAGES, chinese=True)
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    login(client, users["admin"])
    assert_language(client, CHINESE_SIGNED_IN_PAGES, chinese=True)

    assert client.post("/language", data={"lang": "en", "next": "/me"}).status_code == 302
    assert_language(client, CHINESE_SIGNED_IN_PAGES, chinese=False)
    client.post("/logout")
    assert_language(client, CHINESE_PAGES, chinese=False)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_form_errors_and_flashes_are_chinese(client, users):
    text = page_text(client.post("/login", data={"email": "admin@example.org", "password": "wrong"}))
    assert "电子邮箱或密码不正确。" in text and "not right" not in text
    text = page_text(client.post("/register", data={"email": "", "name": "", "password": "", "confirm": ""}))
    assert "请更正标出的字段。" in text and "This field is required" not in text
    login(client, users["admin"])
    assert "您已退出登录。" in page_text(client.post("/logout", follow_redirects=True))


# -- templates ----------------------------------------------------------------------

# Text that may stand in a template as it is (names of standards, not words to translate).
ALLOWED_WORDS = {"API", "TOTP", "CSV"}
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
NOT_TEXT = re.compile(
    r"\{%-?\s*block\s+body_class\s*-?%\}.*?\{%-?\s*endblock"  # a CSS class name, not text
    r"|<(script|style)\b.*?</\1>|<!--.*?-->",
    re.S | re.I,
)
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
VISIBLE_ATTRIBUTE = re.compile(r"""\b(placeholder|title|alt|aria-label|data-confirm)\s*=\s*(["'])(.*?)\2""", re.S | re.I)
WORDS = re.compile(r"[A-Za-z]+|[\u3400-\u9fff]+")


def template_files():
    folders = [ROOT / "core" / "templates", *ROOT.glob("plugins/*/templates"), *ROOT.glob("plugins/*/partials")]
    folders += ROOT.glob("themes/*/templates")
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".html", ".txt"):
                yield path


def untranslated_text(source):
    """Words in a template that do not go through _(): text nodes and visible attributes."""
    source = NOT_TEXT.sub(" ", source)
    source = JINJA.sub(" ", source)
    found = []
    for match in VISIBLE_ATTRIBUTE.finditer(source):
        found += [word for word in WORDS.findall(match.group(3)) if word not in ALLOWED_WORDS]
    text = ENTITY.sub(" ", TAG.sub(" ", source))
    found += [word for word in WORDS.findall(text) if word not in ALLOWED_WORDS]
    return found


def test_the_template_check_finds_bare_words():
    assert untranslated_text("<p>Sign in</p>") == ["Sign", "in"]
    assert untranslated_text('<input placeholder="Name">') == ["Name"]
    assert untranslated_text("<p>{{ _('Sign in') }} &nbsp;·</p><h2>登录</h2>") == ["登录"]
    assert untranslated_text("{% block body_class %}admin{% endblock %}<a class=\"x\" href=\"/y\">{{ z }}</a>") == []


def test_templates_show_no_text_outside_translation_calls():
    offenders = {}
    for path in template_files():
        words = untranslated_text(path.read_text(encoding="utf-8"))
        if words:
            offenders[str(path.relative_to(ROOT))] = words
    assert not offenders, f"wrap these in {{{{ _('...') }}}}: {offenders}"


def test_kept_date_filters_answer_per_language_and_time_zone(app, monkeypatch):
    from datetime import datetime

    import flask_babel
    import pytz
    from flask import render_template, session

    late_evening = datetime(2021, 10, 31, 17, 30)  # UTC: already 1 November in Shanghai
    template = app.jinja_env.from_string("{{ d|dateformat('long') }} | {{ d|datetimeformat('short') }}")

    def page(lang=None):
        with app.app_context(), app.test_request_context("/"):  # a request of its own, as on a server
            if lang:
                session["lang"] = lang
            return render_template(template, d=late_evening), \
                f"{flask_babel.format_date(late_evening, 'long')} | {flask_babel.format_datetime(late_evening, 'short')}"

    chinese, expected = page()
    assert chinese == expected and chinese.startswith("2021年11月1日")
    assert page()[0] == chinese  # kept: the same text
    english, expected = page("en")
    assert english == expected and english.startswith("November 1, 2021")
    monkeypatch.setattr(flask_babel, "get_timezone", lambda: pytz.utc)
    in_utc, expected = page()
    assert in_utc == expected and in_utc.startswith("2021年10月31日")
