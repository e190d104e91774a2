"""Applications and review work leave the cached public pages alone; publishing still refreshes them."""
from plugins.partner_recruitment import builder
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import good_values, with_challenge

LANDING = "/partners/city-partners"


def cache_state(app):
    return app.test_client().get(LANDING).headers.get("X-Cache")


def test_applying_and_reviewing_keep_the_landing_page_cached(app, client, world):
    from core.extensions import db
    from plugins.partner_recruitment.models import Application

    assert cache_state(app) == "MISS"
    assert cache_state(app) == "HIT"
    applicant = app.test_client()
    assert applicant.post(f"{LANDING}/apply", data=with_challenge(app, good_values())).status_code == 302
    assert cache_state(app) == "HIT"
    application = db.session.scalar(db.select(Application))
    login(client, world.manager)
    base = f"/admin/partners/applications/{application.id}"
    assert client.post(f"{base}/status", data={"status": "under_review"}).status_code == 302
    assert client.post(f"{base}/note", data={"note": "ok"}).status_code == 302
    assert cache_state(app) == "HIT"

    world.programme.draft_fields[0].help_text = "As registered"
    db.session.commit()  # the draft shows nowhere public
    assert cache_state(app) == "HIT"
    builder.publish(world.programme)
    db.session.commit()
    assert cache_state(app) == "MISS"  # a new form version may change the landing page
