"""The /search page (placeholder: the search helper fills it in)."""
