"""Promoting finalists from the preliminary round's published results into the final."""
import html

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import utcnow
from plugins.brand_stories.models import Slot
from plugins.competitions.models import PASSED, SUBMITTED, Category, Competition, Entry, Result
from tests.conftest import login


def text(response):
    return html.unescape(response.get_data(as_text=True))


def final_entries(world):
    return db.session.scalars(db.select(Entry).filter_by(competition_id=world.competition.id)
                              .order_by(Entry.id)).all()


@pytest.fixture
def preliminary(world):
    """A published preliminary: Speech ranks 1, 2, 2 (tied), 4; Short video 1, 2; Essay 1 (no such
    category in the final). The tied third speech is already in the final (same company and title)."""
    competition = Competition(slug="brand-prelim-2021", title="2021 Brand Story Preliminary",
                              results_published_at=utcnow())
    competition.categories = [Category(name="Speech", code="SP", position=0),
                              Category(name="Short video", code="SV", position=1),
                              Category(name="Essay", code="ZW", position=2)]
    db.session.add(competition)
    db.session.flush()
    speech, video, essay = competition.categories
    org = world.organisations
    rows = [(speech, org[1], "Rising sun", 1, False), (speech, org[2], "Clean water for all", 2, True),
            (speech, org[0], "Speech story 1", 2, True), (speech, org[1], "The night shift", 4, False),
            (video, org[2], "Sixty seconds of quality", 1, False), (video, org[0], "A meter's life", 2, False),
            (essay, org[1], "Letters to a customer", 1, False)]
    entries = {}
    for index, (category, organisation, title, rank, tied) in enumerate(rows, start=1):
        entry = Entry(competition=competition, category=category, organisation=organisation, title=title,
                      number=f"{category.code}-{index:03d}", team_members="Li Na\nZhang Wei",
                      summary=f"Summary of {title}.", created_by_id=world.members[0].id, status=SUBMITTED,
                      screening=PASSED)
        db.session.add(entry)
        db.session.flush()
        db.session.add(Result(competition_id=competition.id, entry_id=entry.id, category_id=category.id, rank=rank,
                              tied=tied, final_score=90 - rank, expert_score=90 - rank))
        entries[title] = entry
    world.final.preliminary = competition
    db.session.commit()
    return entries


def as_admin(app, world):
    client = app.test_client()
    login(client, world.admin)
    return client


def url(world):
    return f"/admin/live/{world.final.id}/finalists"


def categories(world):
    return {category.code: category for category in world.final.preliminary.categories}


def test_the_page_lists_the_published_results_by_category(app, world, preliminary):
    page = text(as_admin(app, world).get(url(world)))
    for title in preliminary:
        assert title in page
    assert page.index("Rising sun") < page.index("The night shift") < page.index("Sixty seconds of quality")
    assert page.count("In the final") == 1  # "Speech story 1" of the same company is there already


def test_promoting_the_top_entries_creates_them_once_and_fills_the_running_orders(app, world, preliminary):
    client = as_admin(app, world)
    cats = categories(world)
    before = len(final_entries(world))
    response = client.post(url(world), data={f"top_{cats['SP'].id}": "2", f"top_{cats['SV'].id}": "0",
                                             "entry": [str(preliminary["A meter's life"].id)],
                                             "add_to_order": "y"}, follow_redirects=True)
    page = text(response)
    assert "3 finalists have been promoted." in page
    assert "Already in the final, skipped: Speech story 1." in page
    created = final_entries(world)[before:]
    assert [entry.title for entry in created] == ["Rising sun", "Clean water for all", "A meter's life"]
    speech_category, video_category = world.competition.categories
    rising = created[0]
    source = preliminary["Rising sun"]
    assert (rising.organisation_id, rising.team_members, rising.summary, rising.created_by_id) == \
        (source.organisation_id, source.team_members, source.summary, source.created_by_id)
    assert (rising.category_id, rising.status, rising.screening, rising.number) == \
        (speech_category.id, SUBMITTED, PASSED, "SP-004")
    assert created[2].category_id == video_category.id and created[2].number == "SV-004"
    speech, video = world.sessions
    db.session.expire_all()
    assert [(slot.entry.title, slot.position) for slot in speech.slots][-2:] == [("Rising sun", 3),
                                                                                 ("Clean water for all", 4)]
    assert [slot.entry.title for slot in video.slots][-1] == "A meter's life"
    assert db.session.scalars(db.select(AuditEntry).filter_by(action="brand_stories.finalists_promoted")).all()

    again = text(client.post(url(world), data={f"top_{cats['SP'].id}": "2", "add_to_order": "y"},
                             follow_redirects=True))
    assert "0 finalists have been promoted." in again
    assert "Already in the final, skipped: Rising sun, Clean water for all, Speech story 1." in again
    assert len(final_entries(world)) == before + 3
    assert db.session.scalar(db.select(db.func.count(Slot.entry_id))) == 9


def test_without_the_running_order_switch_no_slot_is_added(app, world, preliminary):
    cats = categories(world)
    as_admin(app, world).post(url(world), data={f"top_{cats['SV'].id}": "1"})
    assert final_entries(world)[-1].title == "Sixty seconds of quality"
    assert db.session.scalar(db.select(db.func.count(Slot.entry_id))) == 6


def test_a_category_the_final_lacks_refuses_the_whole_promotion(app, world, preliminary):
    cats = categories(world)
    before = len(final_entries(world))
    response = as_admin(app, world).post(url(world), data={f"top_{cats['SP'].id}": "1",
                                                           f"top_{cats['ZW'].id}": "1", "add_to_order": "y"})
    assert response.status_code == 400
    assert "The final has no category with the code of: Essay (ZW)." in text(response)
    assert len(final_entries(world)) == before
    assert db.session.scalar(db.select(db.func.count(Slot.entry_id))) == 6


@pytest.mark.parametrize("data, message", [
    ({}, "Choose at least one finalist: a number per category or ticked entries."),
    ({"top": "-1"}, "Number must be between 0 and 1000."),
    ({"top": "1001"}, "Number must be between 0 and 1000."),
    ({"top": "two"}, "Not a valid integer value."),
    ({"entry": ["999999", "abc"]}, "Choose at least one finalist: a number per category or ticked entries."),
])
def test_bad_choices_are_refused_and_nothing_is_created(app, world, preliminary, data, message):
    cats = categories(world)
    if "top" in data:
        data = {f"top_{cats['SP'].id}": data["top"]}
    before = len(final_entries(world))
    response = as_admin(app, world).post(url(world), data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert len(final_entries(world)) == before


def test_no_preliminary_or_unpublished_results_are_explained(app, world, preliminary):
    client = as_admin(app, world)
    world.final.preliminary.results_published_at = None
    db.session.commit()
    assert "The preliminary round's results are not published yet." in text(client.get(url(world)))
    response = client.post(url(world), data={"entry": [str(preliminary["Rising sun"].id)]})
    assert response.status_code == 400 and "not published yet" in text(response)
    world.final.preliminary = None
    db.session.commit()
    assert "Choose the preliminary round in the final's settings first." in text(client.get(url(world)))
