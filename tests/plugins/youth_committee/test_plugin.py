"""The plugin's pages answer, its blocks, menu entries and dashboard card appear, and all of it
disappears while the plugin is disabled and returns when it is enabled again."""
from core.extensions import db
from core.plugins import get_host
from plugins.youth_committee import demo
from plugins.youth_committee.models import Base, Event
from tests.conftest import login
from tests.plugins.youth_committee.conftest import make_event

PUBLIC_URLS = ["/youth", "/youth/structure", "/youth/areas/education", "/youth/plans", "/youth/reports",
               "/youth/events", "/youth/bases", "/youth/volunteers", "/youth/events.ics"]


def test_public_pages_answer_on_an_empty_database(client):
    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 200, url
    assert client.get("/youth/areas/nope").status_code == 404


def test_demo_content_is_complete_and_loads_once(app, client):
    demo.load()
    demo.load()
    assert db.session.scalar(db.select(db.func.count(Base.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 3
    home = client.get("/youth").get_data(as_text=True)
    assert "2021-07-22" in home and "青工QC工具培训班结业" in home and "走进精密制造示范基地" in home
    area = client.get("/youth/areas/young-workers").get_data(as_text=True)
    assert "青工QC工具培训班结业" in area and "中学课堂" not in area
    assert client.get("/youth/plans").status_code == 302
    plan = client.get("/youth/plans/2021").get_data(as_text=True)
    assert "2021年工作计划" in plan and "/youth/plans/2022" in plan
    assert client.get("/youth/plans/1999").status_code == 404
    assert "联合秘书处" in client.get("/youth/structure").get_data(as_text=True)
    bases = client.get("/youth/bases?theme=QC小组").get_data(as_text=True)
    assert "电子装配" in bases and "精密制造）" not in bases


def test_blocks_menu_and_dashboard_card_follow_the_plugin_state(app, users):
    event = make_event(title="示范基地开放日")
    client = app.test_client()
    login(client, users["member"])
    client.post(f"/youth/events/{event.id}/register")
    host = get_host()

    def visible():
        home = client.get("/").get_data(as_text=True)
        dashboard = client.get("/me").get_data(as_text=True)
        return ("/youth/events/%d" % event.id in home, "示范基地开放日" in dashboard,
                client.get("/youth").status_code)

    assert visible() == (True, True, 200)
    host.set_enabled("youth_committee", False)
    db.session.commit()
    assert visible() == (False, False, 404)
    host.set_enabled("youth_committee", True)
    db.session.commit()
    assert visible() == (True, True, 200)


def test_the_committee_path_is_configurable(app_factory):
    app = app_factory(YOUTH_COMMITTEE_PATH="/guanggongwei")
    client = app.test_client()
    with app.app_context():
        assert client.get("/guanggongwei/events").status_code == 200
    app2 = app_factory()
    with app2.app_context():
        assert app2.test_client().get("/youth/events").status_code == 200
