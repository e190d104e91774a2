import pytest

from core.config import env_overrides
from tests.conftest import make_app


def test_environment_variables_override_settings():
    found = env_overrides(
        {
            "GUILDHALL_DATABASE_URL": "postgresql+psycopg://db/x",
            "GUILDHALL_REDIS_URL": "redis://r:6379/0",
            "GUILDHALL_ENABLED_PLUGINS": "announcements, competitions",
            "GUILDHALL_THEME": "dark",
            "GUILDHALL_REGISTRATION_MODE": "invite",
            "GUILDHALL_LANGUAGE": "en",
            "GUILDHALL_SESSION_COOKIE_SECURE": "true",
            "GUILDHALL_NOT_A_SETTING": "ignored",
            "OTHER": "ignored",
        }
    )
    assert found == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x",
        "REDIS_URL": "redis://r:6379/0",
        "ENABLED_PLUGINS": ["announcements", "competitions"],
        "THEME": "dark",
        "REGISTRATION_MODE": "invite",
        "BABEL_DEFAULT_LOCALE": "en",
        "SESSION_COOKIE_SECURE": True,
    }


def test_instance_config_then_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('SITE_NAME = "From instance"\nREGISTRATION_MODE = "closed"\n')
    monkeypatch.setenv("GUILDHALL_REGISTRATION_MODE", "invite")
    app = make_app(tmp_path)
    assert app.config["SITE_NAME"] == "From instance"
    assert app.config["REGISTRATION_MODE"] == "invite"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = make_app(tmp_path)
    second = make_app(tmp_path)
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 64
    other = make_app(tmp_path / "elsewhere")
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_workers_starting_at_once_agree_on_one_whole_secret_key(tmp_path):
    import threading

    from core.config import ensure_secret_key

    keys, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        keys.append(ensure_secret_key(tmp_path))

    workers = [threading.Thread(target=start) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(keys) == 8 and len(set(keys)) == 1 and len(keys[0]) == 64
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no drafts left behind


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    from core.app import create_app

    app = create_app({"TESTING": True}, instance_path=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'guildhall.db'}"


def test_bad_registration_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="REGISTRATION_MODE"):
        make_app(tmp_path, REGISTRATION_MODE="sometimes")


def test_bad_storage_backend_is_refused(tmp_path):
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        make_app(tmp_path, STORAGE_BACKEND="ftp")


def test_uploads_default_to_the_instance_folder(tmp_path):
    assert make_app(tmp_path).config["UPLOAD_FOLDER"] == str(tmp_path / "uploads")
    assert make_app(tmp_path, UPLOAD_FOLDER="/srv/files").config["UPLOAD_FOLDER"] == "/srv/files"


def test_theme_templates_override_core_templates(tmp_path):
    import shutil

    from core.app import ROOT

    theme = ROOT / "themes" / "__test_theme"
    (theme / "templates" / "errors").mkdir(parents=True)
    (theme / "static").mkdir()
    try:
        (theme / "templates" / "errors" / "error.html").write_text("themed {{ status }}")
        app = make_app(tmp_path, THEME="__test_theme")
        response = app.test_client().get("/admin/missing")  # reserved: answered without the database
        assert response.status_code == 404 and response.get_data(as_text=True) == "themed 404"
    finally:
        shutil.rmtree(theme)


def test_a_filesystem_without_hard_links_still_gets_a_secret_key(tmp_path, monkeypatch):
    import os

    from core.config import ensure_secret_key

    def no_links(source, target):
        raise OSError("hard links are not supported here")

    monkeypatch.setattr(os, "link", no_links)
    key = ensure_secret_key(tmp_path)
    assert len(key) == 64 and ensure_secret_key(tmp_path) == key
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_behind_a_trusted_proxy_the_visitors_address_is_the_forwarded_one(tmp_path):
    from flask import request

    seen = []
    for proxies in (0, 1):
        app = make_app(tmp_path / str(proxies), TRUSTED_PROXIES=proxies)
        app.add_url_rule("/whoami", "whoami", lambda: seen.append(request.remote_addr) or "")
        from core.permissions import public

        app.view_functions["whoami"] = public(app.view_functions["whoami"])
        app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == ["127.0.0.1", "203.0.113.9"]
