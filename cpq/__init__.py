"""Open configure-price-quote service."""

__version__ = "0.1.0"
