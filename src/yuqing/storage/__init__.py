"""The database edge: schema, migrations and repositories (SQLite or PostgreSQL)."""
