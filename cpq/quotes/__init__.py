"""Quotes: the lifecycle state machine, content snapshots and reprice diffs (pure)."""
