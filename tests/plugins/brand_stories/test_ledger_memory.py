"""The like-ledger contract, in process."""
import pytest

from plugins.brand_stories.ledger_memory import MemoryLedger

from .ledger_contract import LedgerContract


class TestMemoryLedger(LedgerContract):
    @pytest.fixture
    def ledger(self):
        return MemoryLedger()

    def test_delta_ids_increase(self, ledger):
        from plugins.brand_stories.likes import LikeBatch, stream_id_key

        ledger.open_window(1, 7, cap=1)
        for i in range(12):
            ledger.record(LikeBatch(1, 7, "m:1", 1, f"batch-{i:03d}"))
        ids = [d.id for d in ledger.journal(1)]
        assert ids == sorted(ids, key=stream_id_key) and len(set(ids)) == 12
