"""core.kept.keep: a per-process memory never holds more than it may."""
from core.kept import keep


def test_a_memory_starts_again_when_full_and_keeps_the_newest():
    memory = {}
    assert keep(memory, "a", 1, most=2) == 1 and keep(memory, "b", 2, most=2) == 2
    assert memory == {"a": 1, "b": 2}
    keep(memory, "c", 3, most=2)
    assert memory == {"c": 3}
    for number in range(1000):  # a stream of distinct keys
        keep(memory, number, number, most=2)
    assert len(memory) <= 2 and memory[999] == 999
