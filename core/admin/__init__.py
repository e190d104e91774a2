"""The admin area: dashboard, people, organisations, roles, plugins, outbox, audit log."""
