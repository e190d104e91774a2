"""The flask commands a deployment is run with."""
import sqlalchemy as sa

from core.extensions import db
from tests.conftest import make_app
from tests.core.test_admin_outbox_audit import FakeSMTP


def test_quickstart_migrates_loads_the_demo_and_serves(tmp_path, monkeypatch):
    served = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda host, port, app, **kw: served.update(host=host, port=port))
    app = make_app(tmp_path)
    result = app.test_cli_runner().invoke(args=["quickstart"])
    assert result.exit_code == 0, result.output
    assert served == {"host": "127.0.0.1", "port": 5000}
    assert "password (shown once)" in result.output
    again = app.test_cli_runner().invoke(args=["quickstart"])
    assert again.exit_code == 0 and "password" not in again.output  # second run keeps the data
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM core_users")).scalar() == 5
        db.engine.dispose()


def test_users_create_and_token_commands(app):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "--email", "Chair@Example.org", "--role", "admin"])
    assert created.exit_code == 0, created.output
    assert "password (shown once)" in created.output
    token = runner.invoke(args=["users", "token", "chair@example.org", "--name", "script"])
    assert token.exit_code == 0 and token.output.strip().startswith("gh_")
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token.output.strip()}"})
    assert response.status_code == 200 and response.json["email"] == "chair@example.org"


def test_users_create_refuses_bad_input_and_saves_nothing(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--email", "a@example.org", "--password", "password123"])
    assert weak.exit_code != 0  # a common password
    role = runner.invoke(args=["users", "create", "--email", "b@example.org", "--role", "wizard"])
    assert role.exit_code != 0 and "wizard" in role.output
    missing = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert missing.exit_code != 0
    assert "a@example.org" not in runner.invoke(args=["users", "list"]).output


def test_translations_import_fills_the_listed_msgids_and_nothing_else(app, tmp_path, monkeypatch):
    import json

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    from core import i18n

    path = i18n.po_path(tmp_path, "zh_CN")
    path.parent.mkdir(parents=True)
    catalog = Catalog(locale="zh_CN")
    catalog.add("Menus")
    catalog.add("Save", "保存")
    catalog.add(("%(num)s entry", "%(num)s entries"))
    catalog.add("Other")
    with path.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(i18n, "catalogue_domains", lambda: iter([("core", tmp_path, [], tmp_path)]))
    mapping = tmp_path / "review.json"
    mapping.write_text(json.dumps({"Menus": "菜单", "Save": "保存", "%(num)s entry": "%(num)s 个条目", "Gone": "无"}))

    result = app.test_cli_runner().invoke(args=["translations", "import", str(mapping)])

    assert result.exit_code == 0, result.output
    assert "2 entries filled" in result.output  # "Save" already had its translation
    with path.open("rb") as handle:
        filled = read_po(handle, locale="zh_CN")
    assert filled["Menus"].string == "菜单"
    assert filled["%(num)s entry"].string == ("%(num)s 个条目",)
    assert filled["Other"].string == "" and "Gone" not in filled


def test_outbox_send_delivers_what_waits_and_keeps_it_without_smtp(app, monkeypatch):
    from core.mail import OutboxMessage

    db.session.add(OutboxMessage(recipient="member@example.org", subject="Your place", body="See you."))
    db.session.commit()
    runner = app.test_cli_runner()
    idle = runner.invoke(args=["outbox", "send"])
    assert idle.exit_code == 0 and "0 sent, 1 still queued" in idle.output  # no MAIL_SERVER configured

    FakeSMTP.sent = []
    monkeypatch.setattr("core.mail.smtplib.SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.example.org"
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and "1 sent, 0 still queued" in sent.output
    assert FakeSMTP.sent == ["member@example.org"]
