"""Site search over pages, news and plugin documents (placeholder: the search helper fills it in).

Contract used by the rest of the core:
    index_page(page)       (re)index one page; called after every save, whatever its status
    remove_page(page_id)   drop a page from the index (deleted pages)
"""


def index_page(page):
    """Placeholder: indexes nothing yet."""


def remove_page(page_id):
    """Placeholder: indexes nothing yet."""
