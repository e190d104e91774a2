"""JSON API for pages and news (placeholder: /api/v1/pages is filled in by its helper)."""
