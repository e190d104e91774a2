"""The demo competitions reproduce the association's real figures through every stage."""
from collections import Counter

import pytest

from core.demo import load_demo
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions.models import (
    PASSED,
    SUBMISSION,
    Assignment,
    Competition,
    Entry,
    Result,
    SpecialAwardWinner,
    Vote,
)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, sqlite_template):
    """The demo loaded once into a database copy that every test here reads."""
    import shutil

    from tests.conftest import make_app
    from tests.plugins.competitions.conftest import PLUGINS

    folder = tmp_path_factory.mktemp("competitions-demo")
    shutil.copy(sqlite_template, folder / "guildhall.db")
    app = make_app(folder, ENABLED_PLUGINS=PLUGINS)
    with app.app_context():
        load_demo()
        db.session.remove()
    return folder


@pytest.fixture
def demo(demo_db):
    from tests.conftest import fresh_g_per_request, make_app
    from tests.plugins.competitions.conftest import PLUGINS

    app = fresh_g_per_request(make_app(demo_db, ENABLED_PLUGINS=PLUGINS))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def competition(slug):
    return db.session.scalar(db.select(Competition).filter_by(slug=slug))


def tiers(comp):
    return Counter(db.session.scalars(db.select(Result.tier).filter_by(competition_id=comp.id)))


def test_the_2021_exchange_matches_the_real_figures(demo):
    comp = competition("exchange-2021")
    entries = db.session.scalars(db.select(Entry).filter_by(competition_id=comp.id)).all()
    assert len(entries) == 156
    assert len({entry.organisation_id for entry in entries}) == 50
    admitted = [entry for entry in entries if entry.screening == PASSED]
    assert len(admitted) == 103
    assert len({entry.organisation_id for entry in admitted}) == 45
    assert comp.results_published_at is not None
    assert tiers(comp) == {"示范级": 19, "专业级": 24, "改进级": 30, "优秀项目": 30}
    winners = db.session.scalars(db.select(SpecialAwardWinner).join(SpecialAwardWinner.award)
                                 .filter_by(competition_id=comp.id)).all()
    assert len(winners) == 4 and len({w.entry.category_id for w in winners}) == 4
    onward = db.session.scalars(db.select(Result).filter_by(competition_id=comp.id, recommended_onward=True)).all()
    assert {result.tier for result in onward} == {"示范级"}
    sheets = db.session.scalar(db.select(db.func.count(Assignment.id)).join(Assignment.entry)
                               .where(Entry.competition_id == comp.id))
    assert sheets == 103 * 5


def test_the_2021_exchange_had_ties_decided_by_the_chain(demo):
    comp = competition("exchange-2021")
    decided = db.session.scalars(db.select(Result.decided_by).filter_by(competition_id=comp.id)
                                 .where(Result.decided_by.is_not(None))).all()
    assert decided, "the generated scores should produce equal scores that the tie-break chain decides"


def test_the_2020_title_review_matches_the_real_figures(demo):
    comp = competition("title-review-2020")
    entries = db.session.scalars(db.select(Entry).filter_by(competition_id=comp.id)).all()
    assert len(entries) == 155
    assert sum(entry.screening == PASSED for entry in entries) == 136
    assert tiers(comp) == {"正高级工程师": 1, "高级工程师": 18, "工程师": 16, "助理工程师/技术员": 65, None: 36}


def test_the_model_market_selection_combines_votes_and_experts(demo):
    comp = competition("model-markets-2021")
    assert db.session.scalar(db.select(db.func.count(Entry.id)).filter_by(competition_id=comp.id)) == 25
    assert db.session.scalar(db.select(db.func.count(Vote.id)).filter_by(competition_id=comp.id)) > 1000
    assert tiers(comp)["十佳示范市场"] == 10
    assert comp.vote_weight == 0.3


def test_this_years_call_is_open_for_entries(demo):
    comp = competition(f"exchange-{utcnow().year}")
    assert comp.stage_open(SUBMISSION)
    assert [c.name for c in comp.categories] == ["六西格玛", "精益管理", "可靠性管理", "质量创新"]
    assert db.session.scalar(db.select(db.func.count(Entry.id)).filter_by(competition_id=comp.id)) == 0


def test_loading_again_adds_nothing(demo):
    before = db.session.scalar(db.select(db.func.count(Entry.id)))
    load_demo()
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == before


@pytest.mark.parametrize("path", ["/competitions", "/competitions/exchange-2021", "/competitions/exchange-2021/results",
                                  "/competitions/title-review-2020/results", "/competitions/model-markets-2021/results"])
def test_demo_pages_render(demo, path):
    response = demo.test_client().get(path)
    assert response.status_code == 200
    assert "<table" in response.get_data(as_text=True) or path.count("/") < 3


def test_demo_scores_are_what_the_scoring_screen_would_accept(demo):
    from plugins.competitions.models import Criterion, Score

    rows = db.session.execute(db.select(Score.value, Criterion.min_score, Criterion.max_score, Criterion.step)
                              .join(Score.criterion)).all()
    assert rows
    for value, low, high, step in rows:
        assert low <= value <= high
        assert abs((value - low) / step - round((value - low) / step)) < 1e-9, (value, step)


def test_the_demo_judge_has_sheets_to_score_in_this_years_review(demo):
    from core.users.service import find_user
    from plugins.competitions.judging import open_sheet_count
    from plugins.competitions.models import JUDGING

    comp = competition(f"title-review-{utcnow().year}")
    assert comp.stage_open(JUDGING)
    judge = find_user("judge@demo.example.org")
    sheets = db.session.scalars(db.select(Assignment).join(Assignment.entry)
                                .where(Entry.competition_id == comp.id, Assignment.judge_id == judge.id)).all()
    assert sheets and all(sheet.submitted_at is None for sheet in sheets)
    assert open_sheet_count(judge) == len(sheets)
    entries = db.session.scalars(db.select(Entry).filter_by(competition_id=comp.id)).all()
    assert all(len(entry.assignments) == comp.judges_per_entry for entry in entries)
