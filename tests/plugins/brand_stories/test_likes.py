"""The pure like rules: validation, window, scoring cap, outcomes and snapshots."""
import json

import pytest

from plugins.brand_stories import likes
from plugins.brand_stories.likes import (
    MAX_BATCH,
    LikeBatch,
    LikeRefused,
    Outcome,
    Snapshot,
    check_duplicate,
    check_window,
    device_viewer,
    member_viewer,
    score_batch,
    scoring_likes,
    stream_id_key,
    validate_cap,
)


def batch(**overrides):
    fields = dict(session_id=1, entry_id=7, viewer="m:42", count=5, batch_id="batch-0001")
    max_batch = overrides.pop("max_batch", MAX_BATCH)
    fields.update(overrides)
    return LikeBatch(**fields, max_batch=max_batch)


def refused(code, **overrides):
    with pytest.raises(LikeRefused) as caught:
        batch(**overrides)
    assert caught.value.code == code
    assert caught.value.status == 400
    return caught.value


def test_a_valid_batch_keeps_its_fields():
    b = batch()
    assert (b.session_id, b.entry_id, b.viewer, b.count, b.batch_id) == (1, 7, "m:42", 5, "batch-0001")
    assert b.dedupe_key == (1, "m:42", "batch-0001")


@pytest.mark.parametrize("count", [0, -1, MAX_BATCH + 1, 1.0, "3", None, True])
def test_count_must_be_an_int_from_1_to_max_batch(count):
    refused("bad_count", count=count)


def test_count_bounds_are_inclusive_and_configurable():
    assert batch(count=1).count == 1
    assert batch(count=MAX_BATCH).count == MAX_BATCH == 200
    assert batch(count=50, max_batch=50).count == 50
    refused("bad_count", count=51, max_batch=50)


@pytest.mark.parametrize("batch_id", ["", "short77", "x" * 65, "has space1", "semi;colon", "ünïcode12", 12345678, None])
def test_batch_id_is_8_to_64_safe_characters(batch_id):
    refused("bad_batch_id", batch_id=batch_id)


@pytest.mark.parametrize("batch_id", ["abcdefgh", "A" * 64, "a-b_c-D-9", "01234567"])
def test_batch_id_accepted(batch_id):
    assert batch(batch_id=batch_id).batch_id == batch_id


@pytest.mark.parametrize("viewer", ["", "42", "x:42", "m:", "d:", "m:4 2", None, 42, "m:" + "x" * 201])
def test_viewer_is_a_member_or_device_key(viewer):
    refused("bad_viewer", viewer=viewer)


def test_viewer_helpers():
    assert member_viewer(42) == "m:42"
    assert device_viewer("abc-DEF_1") == "d:abc-DEF_1"
    with pytest.raises(LikeRefused):
        device_viewer("")


@pytest.mark.parametrize("field,code", [("session_id", "bad_session"), ("entry_id", "bad_entry")])
@pytest.mark.parametrize("value", [0, -3, "7", None, True, 2.0])
def test_ids_are_positive_ints(field, code, value):
    refused(code, **{field: value})


def test_from_payload_reads_the_api_body():
    b = LikeBatch.from_payload(3, "d:dev1", {"entry_id": 9, "count": 4, "batch_id": "abcdefgh"})
    assert (b.session_id, b.entry_id, b.viewer, b.count, b.batch_id) == (3, 9, "d:dev1", 4, "abcdefgh")
    with pytest.raises(LikeRefused) as caught:
        LikeBatch.from_payload(3, "d:dev1", {"entry_id": 9, "count": 11, "batch_id": "abcdefgh"}, max_batch=10)
    assert caught.value.code == "bad_count"
    bad = [
        ([], "bad_payload"),
        ({"entry_id": 9, "count": 1, "batch_id": "abcdefgh", "x": 1}, "bad_payload"),
        ({"count": 1, "batch_id": "abcdefgh"}, "bad_entry"),
    ]
    for payload, code in bad:
        with pytest.raises(LikeRefused) as caught:
            LikeBatch.from_payload(3, "d:dev1", payload)
        assert caught.value.code == code


def test_refusal_carries_code_status_and_dict():
    error = LikeRefused("window_closed", 409, "no window")
    assert (error.code, error.status) == ("window_closed", 409)
    assert error.to_dict() == {"error": "window_closed", "detail": "no window"}


def test_window_rule():
    check_window(7, 7)
    with pytest.raises(LikeRefused) as caught:
        check_window(None, 7)
    assert (caught.value.code, caught.value.status) == ("window_closed", 409)
    with pytest.raises(LikeRefused) as caught:
        check_window(8, 7)
    assert (caught.value.code, caught.value.status) == ("not_current_entry", 409)


@pytest.mark.parametrize(
    "count,cap,used,expected",
    [
        (1, 1, 0, 1), (5, 1, 0, 1), (5, 1, 1, 0),
        (2, 3, 0, 2), (2, 3, 2, 1), (2, 3, 3, 0),
        (200, 3, 0, 3), (4, 10, 9, 1), (1, 3, 5, 0),
    ],
)
def test_scoring_rule(count, cap, used, expected):
    assert scoring_likes(count, cap, used) == expected
    assert score_batch(count, cap, used) == Outcome(count, expected, False)


@pytest.mark.parametrize("cap", [0, -1, 1.5, "3", True, None])
def test_cap_must_be_at_least_one(cap):
    with pytest.raises(ValueError):
        validate_cap(cap)


def test_duplicate_returns_the_original_outcome_or_refuses_a_reused_id():
    b = batch(count=5)
    assert check_duplicate(None, b) is None
    assert check_duplicate((7, 5, Outcome(5, 2)), b) == Outcome(5, 2, True)
    for original in [(8, 5, Outcome(5, 2)), (7, 4, Outcome(4, 2))]:
        with pytest.raises(LikeRefused) as caught:
            check_duplicate(original, b)
        assert (caught.value.code, caught.value.status) == ("batch_conflict", 409)


def test_outcome_dict():
    assert Outcome(5, 1).to_dict() == {"accepted": 5, "accepted_hearts": 5, "accepted_scoring": 1, "duplicate": False}
    assert Outcome(5, 1).as_duplicate() == Outcome(5, 1, True)


def test_snapshot_json_round_trip():
    snap = Snapshot(3, 17, 9, {9: (120, 40), 2: (5, 5)})
    text = snap.to_json()
    assert "\n" not in text
    assert json.loads(text) == {
        "session_id": 3,
        "version": 17,
        "current_entry_id": 9,
        "counts": {"2": {"hearts": 5, "scoring": 5}, "9": {"hearts": 120, "scoring": 40}},
    }
    assert Snapshot.from_json(text) == snap
    assert Snapshot.from_json(Snapshot.empty(4).to_json()) == Snapshot(4, 0, None, {})


def test_stream_ids_order_numerically():
    assert stream_id_key("10-0") > stream_id_key("9-5")
    assert stream_id_key(b"10-2") > stream_id_key("10-1")
    assert sorted(["10-0", "9-1", "9-0"], key=stream_id_key) == ["9-0", "9-1", "10-0"]


def test_rules_module_has_no_flask_database_or_redis():
    import sys

    source = open(likes.__file__, encoding="utf-8").read()
    for name in ("flask", "sqlalchemy", "redis"):
        assert f"import {name}" not in source and f"from {name}" not in source
    assert "plugins.brand_stories.likes" in sys.modules
