"""The like-ledger contract in the database (the embedded deployment's ledger), on SQLite
and PostgreSQL: every call commits before it returns."""
import pytest

from core.extensions import db
from core.users.models import Organisation
from plugins.brand_stories.ledger_db import DbLedger, _Pending
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

    def test_a_group_applies_each_viewers_cap_whatever_its_size(self, ledger):
        """One transaction for batches of many viewers (the caps read in one query per entry)."""
        ledger.open_window(1, 7, cap=2)
        for viewer in ("d:a", "d:c", "d:e"):  # a, c and e have used their 2 already
            ledger.record(LikeBatch(1, 7, viewer, 2, f"before-batch-{viewer[2:]}"))
        for size in (1, 3, 5, 6, 9):
            viewers = [f"d:{letter}" for letter in "abcdefghi"[:size]]
            group = [_Pending(LikeBatch(1, 7, viewer, 1, f"size{size}-{viewer[2:]}-1"), 0) for viewer in viewers]
            group += [_Pending(LikeBatch(1, 7, viewer, 1, f"size{size}-{viewer[2:]}-2"), 0) for viewer in viewers]
            group.append(_Pending(LikeBatch(1, 7, viewers[0], 1, f"size{size}-{viewers[0][2:]}-1"), 0))  # re-sent
            connection = ledger._apply(group)  # SQLite: the connection for the writer's next group
            if connection is not None:
                connection.close()
            assert all(pending.error is None and pending.done.is_set() for pending in group)
            assert group[-1].outcome.duplicate
        used = dict(db.session.execute(db.text(
            "SELECT viewer, scoring FROM brand_stories_viewer_likes WHERE session_id = 1 AND entry_id = 7")).all())
        assert used == {f"d:{letter}": 2 for letter in "abcdefghi"}
        hearts, scoring = db.session.execute(db.text(
            "SELECT hearts, scoring FROM brand_stories_like_totals WHERE session_id = 1 AND entry_id = 7")).one()
        assert (hearts, scoring) == (6 + 2 * (1 + 3 + 5 + 6 + 9), 18)

    def test_the_writer_gives_its_connection_back_when_idle_and_a_new_one_after_an_error(self, ledger, monkeypatch):
        import time

        from sqlalchemy.exc import OperationalError

        from plugins.brand_stories import ledger_db

        monkeypatch.setattr(ledger_db, "WRITER_IDLE_SECONDS", 0.2)
        pool = db.engine.pool
        ledger.open_window(1, 7, cap=5)
        assert ledger.record(LikeBatch(1, 7, "d:phone", 1, "batch-001")).accepted_scoring == 1
        real = ledger._apply_in

        def failing(connection, group):
            real(connection, group)  # every statement ran: the error comes before the commit
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

        monkeypatch.setattr(ledger, "_apply_in", failing)
        with pytest.raises(OperationalError):
            ledger.record(LikeBatch(1, 7, "d:phone", 1, "batch-002"))
        monkeypatch.setattr(ledger, "_apply_in", real)
        assert ledger.record(LikeBatch(1, 7, "d:phone", 1, "batch-003")).accepted_scoring == 1
        assert ledger.snapshot(1).counts == {7: (2, 2)}  # nothing of the failed batch stayed
        deadline = time.monotonic() + 5
        while (ledger._writer is not None or pool.checkedout()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ledger._writer is None and pool.checkedout() == 0
