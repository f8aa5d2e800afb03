"""Repositories: all SQL lives here (rows <-> domain data)."""
