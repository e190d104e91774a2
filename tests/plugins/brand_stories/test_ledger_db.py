"""The like-ledger contract in the database (the embedded deployment's ledger), on SQLite
and PostgreSQL: every call commits before it returns."""
import pytest

from core.extensions import db
from core.users.models import Organisation
from plugins.brand_stories.ledger_db import DbLedger
from plugins.brand_stories.likes import LikeBatch, LikeRefused
from plugins.brand_stories.models import LiveFinal, LiveSession
from plugins.competitions.models import Category, Competition, Entry

from .ledger_contract import LedgerContract


def contract_rows():
    """Sessions 1 and 2 and entries 7 and 8, the ids the contract uses."""
    competition = Competition(slug="contract", title="Contract", year=2021)
    category = Category(name="Speech", code="SP", position=1)
    competition.categories = [category]
    organisation = Organisation(name="Pengcheng Electronics")
    db.session.add_all([competition, organisation])
    db.session.flush()
    for entry_id in (7, 8):
        db.session.add(Entry(id=entry_id, competition=competition, category=category, organisation=organisation,
                             title=f"Entry {entry_id}"))
    final = LiveFinal(competition=competition)
    db.session.add_all([final, LiveSession(id=1, final=final, title="One"), LiveSession(id=2, final=final, title="Two")])
    db.session.commit()


class TestDbLedger(LedgerContract):
    @pytest.fixture
    def ledger(self, backend_app):
        contract_rows()
        return DbLedger(db.engine)

    def test_an_unknown_session_is_refused_with_404(self, ledger):
        with pytest.raises(LikeRefused) as caught:
            ledger.record(LikeBatch(99, 7, "m:1", 1, "batch-001"))
        assert (caught.value.code, caught.value.status) == ("bad_session", 404)
        with pytest.raises(LikeRefused):
            ledger.open_window(99, 7)

    def test_an_accepted_batch_is_committed_when_record_returns(self, ledger):
        ledger.open_window(1, 7, cap=2)
        ledger.record(LikeBatch(1, 7, "d:phone-1", 3, "batch-001"))
        with db.engine.connect() as other:  # another connection sees it: it is on disk
            hearts, scoring = other.execute(db.text(
                "SELECT hearts, scoring FROM brand_stories_like_totals WHERE session_id = 1 AND entry_id = 7")).one()
        assert (hearts, scoring) == (3, 2)
