"""Anonymisation leaves nothing that names the applicant; internal first statuses stay internal;
bulk changes skip what they cannot change; forged manager input is ignored, never a 500."""
from core.extensions import db
from core.mail import OutboxMessage
from plugins.partner_recruitment import pipeline
from plugins.partner_recruitment.applications import organisation_hash
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import add_member, good_values, with_challenge

URL = "/partners/city-partners/apply"


def apply(client, app, url=URL, **overrides):
    response = client.post(url, data=with_challenge(app, good_values(**overrides)))
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(db.select(Application).order_by(Application.id.desc()))


def test_anonymising_removes_the_organisation_and_the_applicants_mails(app, world):
    member, organisation = add_member("Pengcheng Water", "member@example.org")
    client = app.test_client()
    login(client, member)
    application = apply(client, app)
    other = apply(app.test_client(), app, **{"f-email": "someone@example.org"})
    pipeline.change_status(application, "under_review", world.manager)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).where(OutboxMessage.recipient == "apply@example.org")) == 2
    assert application.organisation_id == organisation.id

    pipeline.anonymise(application, world.manager, reason="request")
    db.session.commit()
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.organisation_id is None and application.user_id is None
    assert application.org_hash == organisation_hash(organisation.id)
    assert str(organisation.id) not in (application.org_hash, application.org_key)
    remaining = db.session.scalars(db.select(OutboxMessage)).all()
    assert [m.recipient for m in remaining] == ["someone@example.org"]
    assert application.token not in remaining[0].body and other.token in remaining[0].body


def test_the_one_per_organisation_rule_outlives_anonymisation(app, world):
    world.programme.one_per_organisation = True
    db.session.commit()
    member, _organisation = add_member("Pengcheng Water", "member@example.org")
    client = app.test_client()
    login(client, member)
    application = apply(client, app)
    pipeline.anonymise(application)
    db.session.commit()
    assert client.get(URL).status_code == 403


def test_an_internal_first_status_is_not_told(app, client, world):
    world.programme.statuses[0].shared = False
    db.session.commit()
    application = apply(client, app)
    assert [(e.kind, e.shared) for e in application.events] == [("submitted", False)]
    mail = db.session.scalar(db.select(OutboxMessage))
    assert "Status: Received" in mail.body and "Submitted" not in mail.body
    page = client.get(f"/partners/status/{application.token}").get_data(as_text=True)
    assert "Received" in page and "Submitted</strong>" not in page


def test_a_shared_first_status_is_told(app, client, world):
    application = apply(client, app)
    assert [(e.kind, e.shared) for e in application.events] == [("submitted", True)]
    assert "Status: Submitted" in db.session.scalar(db.select(OutboxMessage)).body


def test_bulk_changes_skip_anonymised_and_unchanged_applications(app, client, world):
    first, second, third = (apply(app.test_client(), app) for _ in range(3))
    pipeline.anonymise(second)
    pipeline.change_status(third, "under_review", world.manager)
    db.session.commit()
    login(client, world.manager)
    url = f"/admin/partners/{world.programme.id}/applications"
    response = client.post(f"{url}/bulk", data={"status": "under_review",
                                                "application": [str(a.id) for a in (first, second, third)]},
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "1 application(s) updated" in text and "2 application(s) skipped" in text
    db.session.expire_all()
    assert [db.session.get(Application, a.id).status_key for a in (first, second, third)] == [
        "under_review", "submitted", "under_review"]


def test_forged_ids_and_pages_are_ignored(app, client, world):
    application = apply(app.test_client(), app)
    login(client, world.manager)
    url = f"/admin/partners/{world.programme.id}/applications"
    forged = ["²", "9" * 30, "-1", "0", str(2**31), "1e3", f" {application.id}", str(application.id)]
    response = client.post(f"{url}/bulk", data={"status": "declined", "application": forged},
                           follow_redirects=True)
    assert response.status_code == 200 and "1 application(s) updated" in response.get_data(as_text=True)
    assert client.post(f"{url}/bulk", data={"status": "declined", "application": ["²", "9" * 30]},
                       follow_redirects=True).status_code == 200
    for page in ("1" + "0" * 20, "-5", "x"):
        assert client.get(url, query_string={"page": page}).status_code == 200, page
