"""Operations: moving an instance to another database or storage (`flask db copy`) and
backing it up (`flask backup`, `flask restore`).

Both work on whatever tables the Alembic heads define (the core's and every plugin's),
read by reflection, so nothing here knows a plugin's tables. Rows travel in one portable
form (core.ops.dump): the same values, checksums and loading code serve SQLite and
PostgreSQL in either direction.
"""
