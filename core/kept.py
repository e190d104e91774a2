"""Per-process memories of answers that are the same for many requests (signed tokens, addresses,
formatted dates, ...): a plain dict, emptied when it holds as many entries as it may, so that a
stream of distinct keys can never grow it without bound."""


def keep(memory, key, value, most):
    """Store `value` under `key` in `memory` (emptied first if it holds `most` entries); returns it."""
    if len(memory) >= most:
        memory.clear()
    memory[key] = value
    return value
