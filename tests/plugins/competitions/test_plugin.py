"""The plugin as a whole: its hooks, and disabling it hides everything while keeping every entry and score."""
from core.extensions import db
from core.plugins import get_host
from plugins.competitions.models import Assignment, Entry, Score
from tests.conftest import login
from plugins.competitions.models import JUDGING
from tests.plugins.competitions.conftest import stage_now


def add_scored_entry(world):
    entry = Entry(competition=world.competition, category=world.categories[0], organisation=world.organisations[1],
                  title="Shorter changeovers on line 3", status="submitted", screening="passed", number="SS-001")
    sheet = Assignment(entry=entry, judge=world.judges[1])
    sheet.scores = [Score(criterion=criterion, value=7.5) for criterion in world.criteria]
    db.session.add(entry)
    db.session.commit()
    return entry, sheet


def counts():
    return [db.session.scalar(db.select(db.func.count()).select_from(model)) for model in (Entry, Assignment, Score)]


def test_disabling_hides_every_page_and_keeps_the_data(app, world):
    entry, sheet = add_scored_entry(world)
    stage_now(world.competition, JUDGING)
    member, judge, manager = app.test_client(), app.test_client(), app.test_client()
    login(member, world.members[1])
    login(judge, world.judges[1])
    login(manager, world.manager)
    visible = {
        member: [f"/competitions/{world.competition.slug}", f"/competitions/entries/{entry.id}", "/me/competitions"],
        judge: ["/judging", f"/judging/sheets/{sheet.id}"],
        manager: ["/admin/competitions", f"/admin/competitions/{world.competition.id}/entries"],
    }
    for client, urls in visible.items():
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert "/competitions" in manager.get("/").get_data(as_text=True)
    assert 'href="/admin/competitions"' in manager.get("/admin/").get_data(as_text=True)
    before = counts()

    get_host().set_enabled("competitions", False)
    db.session.commit()
    for client, urls in visible.items():
        for url in urls:
            assert client.get(url).status_code == 404, url
    assert 'href="/competitions"' not in manager.get("/").get_data(as_text=True)
    assert 'href="/admin/competitions"' not in manager.get("/admin/").get_data(as_text=True)
    assert "Competition entries" not in member.get("/me").get_data(as_text=True)
    assert counts() == before

    get_host().set_enabled("competitions", True)
    db.session.commit()
    for client, urls in visible.items():
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert counts() == before


def test_dashboard_shows_the_members_entries_and_the_judges_open_sheets(app, world):
    entry, sheet = add_scored_entry(world)
    member, judge = app.test_client(), app.test_client()
    login(member, world.members[1])
    login(judge, world.judges[1])
    assert entry.title in member.get("/me").get_data(as_text=True)
    assert entry.title not in judge.get("/me").get_data(as_text=True)
    assert "/judging" in judge.get("/me").get_data(as_text=True)


def test_main_menu_links_to_the_competitions(client, world):
    assert 'href="/competitions"' in client.get("/").get_data(as_text=True)
