"""Syncing the catalog replica from the back office: sources, mapping profiles, the sync lock."""
