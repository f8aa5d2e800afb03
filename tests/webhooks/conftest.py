from quotes.quotes_world import synced_template, world

__all__ = ["synced_template", "world"]
