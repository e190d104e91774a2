"""Personal data: the retention command anonymises, the applicant can ask for deletion."""
from datetime import timedelta

from core.extensions import db
from core.storage.models import Media
from core.users.models import utcnow
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import good_values, with_challenge
from tests.plugins.partner_recruitment.test_apply import pdf


def apply(app, **overrides):
    client = app.test_client()
    data = with_challenge(app, good_values(**overrides))
    assert client.post("/partners/city-partners/apply", data=data).status_code == 302
    return db.session.scalar(db.select(Application).order_by(Application.id.desc()))


def test_the_command_anonymises_applications_past_retention(app, world):
    old = apply(app, **{"f-licence": pdf()})
    recent = apply(app)
    old.created_at = utcnow() - timedelta(days=world.programme.retention_days + 1)
    old.events[0].note = "private remark"
    db.session.commit()
    media_id = old.files[0].media_id

    result = app.test_cli_runner().invoke(args=["partners", "anonymise-expired", "--dry-run"])
    assert "1 application(s)" in result.output
    result = app.test_cli_runner().invoke(args=["partners", "anonymise-expired"])
    assert result.exit_code == 0 and "1 application(s) anonymised" in result.output

    db.session.expire_all()
    old, recent = db.session.get(Application, old.id), db.session.get(Application, recent.id)
    assert old.anonymised_at is not None and recent.anonymised_at is None
    assert set(old.data) == {"projects", "org_type", "areas", "region"}
    assert old.title == "" and old.contact_email is None and old.files == []
    assert db.session.get(Media, media_id) is None
    assert all(event.note in ("", "retention") for event in old.events)
    assert recent.data["organisation"] == "Pengcheng Environmental Co."
    result = app.test_cli_runner().invoke(args=["partners", "anonymise-expired"])
    assert "0 application(s) anonymised" in result.output


def test_an_applicant_asks_for_deletion_and_a_manager_carries_it_out(app, client, world):
    application = apply(app)
    status_url = f"/partners/status/{application.token}"
    assert client.post(f"{status_url}/delete").status_code == 302
    assert "You asked for your data to be deleted" in client.get(status_url).get_data(as_text=True)
    manager = app.test_client()
    login(manager, world.manager)
    listing = manager.get(f"/admin/partners/{world.programme.id}/applications", query_string={"deletion": "1"})
    assert application.reference in listing.get_data(as_text=True)
    assert manager.post(f"/admin/partners/applications/{application.id}/anonymise").status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.anonymised_at is not None and "organisation" not in application.data
    assert "has been deleted" in client.get(status_url).get_data(as_text=True)


def test_a_wrong_status_link_is_not_found(app, client, world):
    apply(app)
    assert client.get("/partners/status/not-a-token").status_code == 404
    assert client.post("/partners/status/not-a-token/delete").status_code == 404
