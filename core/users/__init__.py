"""People: users, roles, member organisations, sign-in."""
