"""The scale-out flusher's write: a round's deltas summed per row, on every database."""
from sqlalchemy import select

from core.extensions import db
from plugins.brand_stories.flusher import apply_deltas, batches, totals, viewer_likes
from plugins.brand_stories.likes import Delta

from .conftest import make_final


def test_a_round_adds_each_viewers_deltas_to_existing_counters_and_keeps_a_replayed_batch_once(backend_app):
    with backend_app.app_context():
        _final, _competition, sessions, entries, _orgs = make_final()
        sid, first, second = sessions[0].id, entries[0][0].id, entries[0][1].id

        def delta(number, entry, viewer, hearts, scoring, batch):
            return Delta(f"{number}-0", sid, entry, viewer, hearts, scoring, batch, number, 1000 + number)

        with db.engine.begin() as conn:
            apply_deltas(conn, [delta(1, first, "d:a", 3, 1, "b1")])
        with db.engine.begin() as conn:
            apply_deltas(conn, [
                delta(2, first, "d:a", 2, 0, "b2"), delta(3, first, "d:b", 5, 1, "b3"),
                delta(4, first, "d:a", 1, 0, "b4"), delta(5, second, "d:a", 4, 1, "b5"),
                delta(6, first, "d:a", 1, 0, "b1"),  # a batch id Redis forgot, back again
            ])
            apply_deltas(conn, [])  # an empty round writes nothing
        with db.engine.connect() as conn:
            assert dict(((r.entry_id), (r.hearts, r.scoring)) for r in conn.execute(select(totals))) == {
                first: (12, 2), second: (4, 1)}
            assert {(r.entry_id, r.viewer): (r.hearts, r.scoring) for r in conn.execute(select(viewer_likes))} == {
                (first, "d:a"): (7, 1), (first, "d:b"): (5, 1), (second, "d:a"): (4, 1)}
            recorded = conn.execute(select(batches.c.batch_id, batches.c.hearts).order_by(batches.c.id)).all()
            assert recorded == [("b1", 3), ("b2", 2), ("b3", 5), ("b4", 1), ("b5", 4)]  # the first b1 stays
