"""Demo content of live finals (being written)."""


def load():
    return None
