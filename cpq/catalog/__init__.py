"""The read-only catalog replica: what the back office exports, validated and versioned (pure)."""
