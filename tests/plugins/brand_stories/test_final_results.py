"""The final's results through the competitions plugin: judges' scores plus scoring likes
(vote_weight), prizes per category, and 最佳人气奖 to the most scoring likes of each category."""
import pytest

from core.extensions import db
from core.users.models import utcnow
from plugins.brand_stories import live
from plugins.brand_stories.likes import LikeBatch, device_viewer
from plugins.brand_stories.runtime import get_runtime
from plugins.competitions import results as service
from plugins.competitions.models import RESULTS, Assignment, AwardTier, Score, SpecialAward
from tests.conftest import make_user
from tests.plugins.competitions.conftest import schedule


def sheet(entry, judge, criterion, value):
    assignment = Assignment(entry_id=entry.id, judge_id=judge.id, saved_at=utcnow(), submitted_at=utcnow())
    assignment.scores = [Score(criterion_id=criterion.id, value=value)]
    db.session.add(assignment)


def likes_from(session, entry, viewers, taps_each):
    """``viewers`` phones each send one batch of ``taps_each`` taps while ``entry`` is on stage."""
    slot = live.slot_of(session, entry.id)
    live.open_window(session, slot, None)
    ledger = get_runtime().ledger
    for index in range(viewers):
        ledger.record(LikeBatch(session.id, entry.id, device_viewer(f"phone-{entry.id}-{index}"), taps_each,
                                f"batch-{entry.id}-{index:04d}"))
    live.close_window(session, None)


@pytest.fixture
def scored_final(world):
    competition = world.competition
    competition.tiers = [AwardTier(name="一等奖", quota=1, position=1), AwardTier(name="二等奖", quota=1, position=2),
                         AwardTier(name="三等奖", quota=1, position=3)]
    competition.special_awards = [
        SpecialAward(name="最佳台风奖", basis="manual", winners=1, position=1),
        SpecialAward(name="最佳人气奖", basis="votes", winners=1, per_category=True, position=2),
    ]
    judges = [make_user("judge", email=f"judge{index}@example.org") for index in range(2)]
    criterion = competition.criteria[0]
    speech = world.entries[0]
    # Judges: speech 1 leads (9), speech 2 and 3 follow (8 and 7.5).
    for entry, value in zip(speech, (9, 8, 7.5)):
        for judge in judges:
            sheet(entry, judge, criterion, value)
    for entry in world.entries[1]:
        for judge in judges:
            sheet(entry, judge, criterion, 6)
    db.session.commit()
    session = world.speech
    likes_from(session, speech[0], viewers=2, taps_each=50)  # many hearts, few viewers
    likes_from(session, speech[1], viewers=10, taps_each=1)  # the audience's favourite
    likes_from(session, speech[2], viewers=4, taps_each=3)
    schedule(competition, RESULTS)
    return world


def test_scoring_likes_not_hearts_decide_the_popularity_award_and_count_in_the_final_score(scored_final):
    world = scored_final
    speech = world.entries[0]
    assert service.vote_counts(world.competition) == {speech[0].id: 2, speech[1].id: 10, speech[2].id: 4}
    preview = service.compute(world.competition)
    assert preview.errors == []
    rows = {row.entry.id: row for row in preview.rows}
    # final = 0.7 * judges + 0.3 * (likes / most likes in the category * 10)
    assert rows[speech[0].id].score.final_score == pytest.approx(0.7 * 9 + 0.3 * 2 / 10 * 10)
    assert rows[speech[1].id].score.final_score == pytest.approx(0.7 * 8 + 0.3 * 10)
    assert [row.entry.id for row in preview.categories[0].rows] == [speech[1].id, speech[0].id, speech[2].id]
    assert [rows[entry.id].tier for entry in (speech[1], speech[0], speech[2])] == ["一等奖", "二等奖", "三等奖"]
    popular = next(special for special in preview.specials if special.award.name == "最佳人气奖")
    assert [entry.id for entry in popular.entries] == [speech[1].id]  # no likes in the short-video final: no winner


def test_the_counts_come_from_the_database(scored_final):
    """The ranking reads the database's totals, which equal what the ledger acknowledged."""
    from plugins.brand_stories.models import LikeBatchRecord, LikeTotal

    world = scored_final
    total = db.session.scalar(db.select(db.func.sum(LikeTotal.scoring)))
    acknowledged = db.session.scalar(db.select(db.func.sum(LikeBatchRecord.scoring)))
    assert total == acknowledged == 16
    assert sum(service.vote_counts(world.competition).values()) == 16


def test_equal_scoring_likes_go_to_the_entry_that_reached_the_count_first(world):
    competition = world.competition
    competition.special_awards = [SpecialAward(name="最佳人气奖", basis="votes", winners=1, per_category=True)]
    judges = [make_user("judge", email="judge@example.org")]
    first, second, third = world.entries[0]
    for entry in world.entries[0] + world.entries[1]:
        sheet(entry, judges[0], competition.criteria[0], 5)
    db.session.commit()
    session = world.speech
    ledger = get_runtime().ledger
    # The second presenter is on stage first in this test; both end with 3 scoring likes.
    for entry, start in ((second, 1_800_000_000), (first, 1_800_000_500)):
        live.open_window(session, live.slot_of(session, entry.id), None)
        for index in range(3):
            ledger.record(LikeBatch(session.id, entry.id, device_viewer(f"v{index}"), 1, f"b-{entry.id}-{index:04d}"),
                          now=start + index)
        live.close_window(session, None)
    schedule(competition, RESULTS)
    preview = service.compute(competition)
    popular = preview.specials[0]
    assert [entry.id for entry in popular.entries] == [second.id]


def test_the_results_pages_show_how_the_final_score_is_computed(app, world):
    from plugins.competitions.results import score_formula
    from tests.conftest import login

    world.competition.vote_basis = "rank_points"
    db.session.commit()
    lines = [str(line) for line in score_formula(world.competition)]
    assert "Final score = 70% × judges' score + 30% × scoring likes score." in lines
    assert any(line.startswith("The scoring likes score is by rank within the category") for line in lines)
    client = app.test_client()
    login(client, world.admin)
    page = client.get(f"/admin/competitions/{world.competition.id}/results").get_data(as_text=True)
    assert "How the final score is computed" in page and "30% × scoring likes score" in page
