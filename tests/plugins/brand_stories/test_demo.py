"""The brand-story demo: the 2021 city contest's preliminary round, its final and the live sessions."""
from collections import Counter

import pytest

from core.demo import load_demo
from core.extensions import db
from plugins.brand_stories.demo import FINAL_SLUG, PRELIMINARY_SLUG
from plugins.brand_stories.models import DEVICES, SCHEDULED, LiveFinal, LiveSession, Slot
from plugins.competitions.models import JUDGING, PASSED, SUBMITTED, Competition, Entry, Result
from tests.plugins.brand_stories.conftest import PLUGINS


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, sqlite_template):
    import shutil

    from tests.conftest import make_app

    folder = tmp_path_factory.mktemp("brand-stories-demo")
    shutil.copy(sqlite_template, folder / "guildhall.db")
    app = make_app(folder, ENABLED_PLUGINS=PLUGINS)
    with app.app_context():
        load_demo()
        db.session.remove()
        db.engine.dispose()
    return folder


@pytest.fixture
def demo(demo_db):
    from tests.conftest import fresh_g_per_request, make_app

    app = fresh_g_per_request(make_app(demo_db, ENABLED_PLUGINS=PLUGINS, BABEL_DEFAULT_LOCALE="en"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def competition(slug):
    return db.session.scalar(db.select(Competition).filter_by(slug=slug))


def entries_of(comp):
    return db.session.scalars(db.select(Entry).filter_by(competition_id=comp.id)).all()


def test_the_preliminary_has_the_contests_figures_and_published_results(demo):
    comp = competition(PRELIMINARY_SLUG)
    entries = entries_of(comp)
    assert len(entries) == 136
    assert Counter(entry.category.name for entry in entries) == {"微电影": 50, "短视频": 37, "演讲": 31, "征文": 18}
    assert len({entry.organisation_id for entry in entries}) > 40
    assert all(entry.status == SUBMITTED and entry.screening == PASSED for entry in entries)
    assert comp.results_published
    assert db.session.scalar(db.select(db.func.count(Result.id)).filter_by(competition_id=comp.id)) == 136


def test_the_preliminary_categories_ask_for_their_materials(demo):
    from plugins.competitions.configuration import materials_errors

    comp = competition(PRELIMINARY_SLUG)
    by_name = {category.name: category for category in comp.categories}
    assert by_name["征文"].materials == [{"kinds": ["pdf", "document"], "or_text": True, "label": "征文"}]
    assert [group["kinds"] for group in by_name["演讲"].materials] == [["pdf", "document"], ["video"]]
    assert by_name["短视频"].max_video_seconds == 60 and by_name["短视频"].materials[0]["kinds"] == ["video"]
    assert by_name["微电影"].materials[0]["kinds"] == ["video"] and by_name["微电影"].max_video_seconds is None
    for category in comp.categories:
        assert materials_errors(comp, category.materials, category.max_video_seconds) == {}


def test_the_final_is_judging_today_with_its_awards(demo):
    comp = competition(FINAL_SLUG)
    assert comp.stage_open(JUDGING) and not comp.results_published
    assert comp.vote_weight == pytest.approx(0.2) and comp.tiers_per_category
    assert [(tier.name, tier.quota) for tier in comp.tiers] == [("一等奖", 1), ("二等奖", 2), ("三等奖", 3)]
    specials = {award.name: award for award in comp.special_awards}
    assert specials["最佳台风奖"].basis == specials["最佳故事奖"].basis == "manual"
    assert specials["最佳人气奖"].basis == "votes" and specials["最佳人气奖"].per_category
    entries = entries_of(comp)
    assert len({entry.organisation_id for entry in entries}) == 36
    assert all(entry.in_judging and entry.number for entry in entries)


def test_the_live_final_has_a_speech_session_of_15_and_a_short_video_session(demo):
    final = db.session.scalar(db.select(LiveFinal).join(LiveFinal.competition).filter(Competition.slug == FINAL_SLUG))
    assert (final.viewers, final.likes_cap, final.preliminary.slug) == (DEVICES, 1, PRELIMINARY_SLUG)
    speech, video = final.sessions
    assert speech.category.name == "演讲" and len(speech.slots) == 15
    assert video.category.name == "短视频" and len(video.slots) >= 1
    assert {speech.status, video.status} == {SCHEDULED}
    assert [slot.position for slot in speech.slots] == list(range(15))
    assert all(slot.presenter and slot.entry.category_id == speech.category_id for slot in speech.slots)


def test_loading_again_adds_nothing(demo):
    counts = [db.session.scalar(db.select(db.func.count()).select_from(model))
              for model in (Entry, Competition, LiveFinal, LiveSession, Slot)]
    load_demo()
    assert [db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Entry, Competition, LiveFinal, LiveSession, Slot)] == counts


def test_the_demo_pages_render(demo):
    from core.users.service import find_user
    from tests.conftest import login

    session = db.session.scalar(db.select(LiveSession).filter_by(title="演讲决赛"))
    client = demo.test_client()
    for path in ["/live", f"/live/{session.id}", f"/live/{session.id}/board",
                 f"/competitions/{PRELIMINARY_SLUG}/results"]:
        assert client.get(path).status_code == 200, path
    from core.users.service import set_password

    admin = find_user("admin@demo.example.org")
    set_password(admin, "correct horse battery")
    db.session.commit()
    login(client, admin)
    final = session.final
    for path in ["/admin/live", f"/admin/live/{final.id}", f"/admin/live/sessions/{session.id}",
                 f"/admin/live/{final.id}/finalists", f"/live/{session.id}/host"]:
        assert client.get(path).status_code == 200, path
