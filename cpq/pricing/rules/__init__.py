"""Pricing rules: the model, the conditions, the rule files and the load-time checks."""
