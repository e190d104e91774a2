"""The assignment algorithm on plain data: no Flask, no database."""
from collections import Counter
from random import Random

import pytest

from plugins.competitions.judging import EntryRef, plan_assignments


def entries(count, panel=1, organisations=5):
    return [EntryRef(entry_id, panel, entry_id % organisations) for entry_id in range(1, count + 1)]


def judges_of(plan, existing=()):
    result = {}
    for entry_id, judge_id in [*existing, *plan.new]:
        result.setdefault(entry_id, []).append(judge_id)
    return result


@pytest.mark.parametrize("count, judges, n", [(10, 4, 3), (156, 7, 5), (7, 3, 2), (25, 11, 7), (1, 5, 3)])
def test_every_entry_gets_n_distinct_judges_and_loads_stay_within_one(count, judges, n):
    plan = plan_assignments(entries(count), {1: list(range(100, 100 + judges))}, {}, [], n)
    assigned = judges_of(plan)
    assert set(assigned) == set(range(1, count + 1))
    assert all(len(ids) == n == len(set(ids)) for ids in assigned.values())
    load = Counter(judge for _, judge in plan.new)
    assert max(load.values()) - min(load.get(j, 0) for j in range(100, 100 + judges)) <= 1
    assert plan.short == {}


def test_a_conflicted_judge_is_never_chosen():
    refs = entries(30, organisations=3)
    conflicts = {100: (set(), {0}), 101: ({5, 6}, set()), 102: (set(), {1})}
    plan = plan_assignments(refs, {1: [100, 101, 102, 103, 104]}, conflicts, [], 3)
    by_id = {ref.id: ref for ref in refs}
    for entry_id, judge_id in plan.new:
        entry_ids, organisation_ids = conflicts.get(judge_id, (set(), set()))
        assert entry_id not in entry_ids and by_id[entry_id].organisation_id not in organisation_ids
    assert all(len(ids) == 3 for ids in judges_of(plan).values())


def test_judges_come_only_from_the_entrys_panel():
    refs = entries(6, panel=1) + [EntryRef(10 + index, 2, index) for index in range(6)]
    plan = plan_assignments(refs, {1: [1, 2, 3], 2: [7, 8, 9]}, {}, [], 2)
    for entry_id, judge_id in plan.new:
        assert (judge_id in (1, 2, 3)) == (entry_id < 10)


def test_same_input_in_any_order_gives_the_same_plan():
    refs = entries(40, organisations=7)
    panel = [5, 3, 9, 1, 7, 2]
    conflicts = {3: (set(), {2}), 9: ({4, 8, 15}, set())}
    first = plan_assignments(refs, {1: panel}, conflicts, [(1, 5)], 3)
    shuffled = list(refs)
    Random(4).shuffle(shuffled)
    second = plan_assignments(shuffled, {1: list(reversed(panel))}, conflicts, [(1, 5)], 3)
    assert first.new == second.new and first.short == second.short


def test_ties_go_to_the_smaller_judge_id():
    plan = plan_assignments([EntryRef(1, 1, 0)], {1: [30, 10, 20]}, {}, [], 2)
    assert plan.new == [(1, 10), (1, 20)]


def test_existing_assignments_are_kept_counted_and_never_duplicated():
    existing = [(1, 10), (1, 20), (2, 10)]
    plan = plan_assignments(entries(3), {1: [10, 20, 30]}, {}, existing, 2)
    assert (1, 10) not in plan.new and (1, 20) not in plan.new and (2, 10) not in plan.new
    assigned = judges_of(plan, existing)
    assert sorted(assigned[1]) == [10, 20] and len(assigned[2]) == 2 and len(set(assigned[2])) == 2
    assert [pair for pair in plan.new if pair[0] == 1] == []
    # 10 already carries two entries: the least-loaded judges take the rest.
    assert plan.load == {10: 2, 20: 2, 30: 2}


def test_entries_that_cannot_reach_n_are_reported():
    refs = [EntryRef(1, 1, 0), EntryRef(2, 1, 1), EntryRef(3, None, 1)]
    conflicts = {10: (set(), {0}), 20: (set(), {0})}
    plan = plan_assignments(refs, {1: [10, 20, 30]}, conflicts, [], 2)
    assert plan.short == {1: 1, 3: 0}
    assert (1, 30) in plan.new
    assert sorted(judge for entry, judge in plan.new if entry == 2) == [10, 20]


def test_scarce_judges_go_first_to_entries_that_need_them():
    # Entry 2 can only be judged by 30; entry 1 by anyone. With n=1 both must be covered.
    conflicts = {10: ({2}, set()), 20: ({2}, set())}
    plan = plan_assignments([EntryRef(1, 1, 0), EntryRef(2, 1, 0)], {1: [10, 20, 30]}, conflicts, [(9, 10)], 1)
    assert sorted(plan.new) == [(1, 20), (2, 30)]


def test_tuples_are_accepted_and_zero_n_assigns_nothing():
    assert plan_assignments([(1, 1, 0)], {1: [1, 2]}, {}, [], 0).new == []
    assert plan_assignments([(1, 1, 0)], {1: [1, 2]}, {}, [], 1).new == [(1, 1)]
