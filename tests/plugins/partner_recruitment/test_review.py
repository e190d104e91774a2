"""The review pipeline and who may see it: only a programme's managers, with the permission."""
import pytest

from core.extensions import db
from core.mail import OutboxMessage
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import good_values, make_programme, make_reviewer, with_challenge


def apply(client, app, slug="city-partners", **overrides):
    response = client.post(f"/partners/{slug}/apply", data=with_challenge(app, good_values(**overrides)))
    assert response.status_code == 302
    return db.session.scalar(db.select(Application).order_by(Application.id.desc()))


def mails():
    return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def two_programmes(app, client, world):
    second = make_programme(slug="rural-toilets", title="Rural toilets", managers=[world.outsider])
    mine = apply(client, app)
    theirs = apply(app.test_client(), app, slug="rural-toilets", **{"f-organisation": "Other Co."})
    return world, second, mine, theirs


def test_a_manager_sees_only_their_programmes(app, client, two_programmes):
    world, second, mine, theirs = two_programmes
    login(client, world.manager)
    listing = client.get("/admin/partners").get_data(as_text=True)
    assert "City partners" in listing and "Rural toilets" not in listing
    assert client.get(f"/admin/partners/{world.programme.id}/applications").status_code == 200
    assert client.get(f"/admin/partners/applications/{mine.id}").status_code == 200
    for path in [f"/admin/partners/{second.id}/applications", f"/admin/partners/applications/{theirs.id}",
                 f"/admin/partners/{second.id}/export.csv", f"/admin/partners/{second.id}/export.zip"]:
        assert client.get(path).status_code == 404, path
    assert client.post(f"/admin/partners/applications/{theirs.id}/status",
                       data={"status": "declined"}).status_code == 404
    # nor through the bulk form of their own programme
    client.post(f"/admin/partners/{world.programme.id}/applications/bulk",
                data={"status": "declined", "application": [str(theirs.id)]})
    db.session.expire_all()
    assert db.session.get(Application, theirs.id).status_key == "submitted"
    # configuring programmes needs the manage permission
    assert client.get(f"/admin/partners/{world.programme.id}/edit").status_code == 403


def test_the_permission_is_needed_on_top_of_the_list(app, client, world, users):
    from core.users.models import Role

    apply(client, app)
    role = db.session.scalar(db.select(Role).where(Role.name == "reviewer"))
    role.grants = [g for g in role.grants if g.permission != "partner_recruitment.review"]
    db.session.commit()
    login(client, world.manager)
    assert client.get(f"/admin/partners/{world.programme.id}/applications").status_code == 403
    client.post("/logout")
    # an administrator who is not on the list does not see the applications either
    login(client, users["admin"])
    assert client.get(f"/admin/partners/{world.programme.id}/applications").status_code == 404


def test_status_changes_notify_the_applicant_when_shared(app, client, world):
    application = apply(client, app)
    world.programme.status("under_review").shared = False
    db.session.commit()
    before = len(mails())
    login(client, world.manager)
    base = f"/admin/partners/applications/{application.id}"
    assert client.post(f"{base}/status", data={"status": "under_review", "note": "checking"}).status_code == 302
    assert len(mails()) == before  # internal status: no mail, the applicant still sees "Submitted"
    status_page = app.test_client().get(f"/partners/status/{application.token}").get_data(as_text=True)
    assert "Submitted" in status_page and "Under review" not in status_page
    assert client.post(f"{base}/status", data={"status": "framework_signed"}).status_code == 302
    mail = mails()[-1]
    assert mail.recipient == "apply@example.org" and "Framework agreement signed" in mail.subject
    assert application.token in mail.body
    status_page = app.test_client().get(f"/partners/status/{application.token}").get_data(as_text=True)
    assert "Framework agreement signed" in status_page
    assert "checking" not in status_page  # internal notes stay internal
    db.session.expire_all()
    kinds = [(e.kind, e.to_status, e.shared) for e in db.session.get(Application, application.id).events]
    assert kinds == [("submitted", "submitted", True), ("status", "under_review", False),
                     ("status", "framework_signed", True)]


def test_unknown_status_is_refused(app, client, world):
    application = apply(client, app)
    login(client, world.manager)
    client.post(f"/admin/partners/applications/{application.id}/status", data={"status": "won"})
    db.session.expire_all()
    assert db.session.get(Application, application.id).status_key == "submitted"


def test_assign_note_and_history(app, client, world):
    application = apply(client, app)
    login(client, world.manager)
    base = f"/admin/partners/applications/{application.id}"
    assert client.post(f"{base}/assign", data={"assignee": str(world.other_manager.id)}).status_code == 302
    assert client.post(f"{base}/assign", data={"assignee": str(world.outsider.id)}).status_code == 400
    assert client.post(f"{base}/note", data={"note": "Called them; strong local team."}).status_code == 302
    text = client.get(base).get_data(as_text=True)
    assert "Called them; strong local team." in text
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.assignee_id == world.other_manager.id
    assert [e.kind for e in application.events] == ["submitted", "assigned", "note"]
    assert application.events[-1].actor_label == "manager@example.org"


def test_filters_search_and_bulk_changes(app, client, world):
    first = apply(client, app, **{"f-organisation": "Alpha Sanitation"})
    second = apply(client, app, **{"f-organisation": "Beta Gardens"})
    third = apply(client, app, **{"f-organisation": "Gamma Water"})
    login(client, world.manager)
    url = f"/admin/partners/{world.programme.id}/applications"
    text = client.get(url, query_string={"q": "beta"}).get_data(as_text=True)
    assert "Beta Gardens" in text and "Alpha Sanitation" not in text
    response = client.post(f"{url}/bulk", data={"status": "under_review",
                                                "application": [str(first.id), str(third.id)]})
    assert response.status_code == 302
    text = client.get(url, query_string={"status": "under_review"}).get_data(as_text=True)
    assert "Alpha Sanitation" in text and "Gamma Water" in text and "Beta Gardens" not in text
    assert client.get(url, query_string={"assignee": "me"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Application, second.id).status_key == "submitted"


def test_bulk_changes_need_the_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        manager = make_reviewer("manager@example.org")
        programme = make_programme(managers=[manager])
        applicant = app.test_client()
        form = applicant.get("/partners/city-partners/apply").get_data(as_text=True)
        csrf = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        application = apply(applicant, app, **{"csrf_token": csrf})
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": "manager@example.org", "password": "correct horse battery",
                                    "csrf_token": token})
        url = f"/admin/partners/{programme.id}/applications"
        assert client.get(url).status_code == 200  # signed in
        response = client.post(f"{url}/bulk", data={"status": "declined", "application": [str(application.id)]})
        assert response.status_code == 400
        db.session.expire_all()
        assert db.session.get(Application, application.id).status_key == "submitted"
        page = client.get(url).get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(f"{url}/bulk", data={"status": "declined", "application": [str(application.id)],
                                                    "csrf_token": token})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Application, application.id).status_key == "declined"
        db.session.remove()


def test_an_attachment_opens_for_the_programmes_managers_only(app, client, world, users):
    import io

    from plugins.partner_recruitment.models import ApplicationFile
    from tests.core import media_samples as samples

    application = apply(client, app, **{"f-licence": (io.BytesIO(samples.PDF), "licence.pdf")})
    attachment = db.session.scalar(db.select(ApplicationFile).where(ApplicationFile.application_id == application.id))
    assert attachment is not None and attachment.media.private
    login(client, world.manager)
    served = client.get(f"/admin/partners/applications/{application.id}/files/{attachment.id}")
    assert served.status_code == 200 and served.data == samples.PDF
    client.post("/logout")
    # An administrator holds media.private, yet the core's /files/<id> leaves this file to the plugin.
    login(client, users["admin"])
    assert client.get(f"/files/{attachment.media_id}").status_code == 404
    assert client.get(f"/admin/partners/applications/{application.id}/files/{attachment.id}").status_code == 404
