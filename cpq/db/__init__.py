"""Persistence: engine, column types, table models and migrations."""
