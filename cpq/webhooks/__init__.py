"""Webhooks, the pure part: which outbox events are announced under which public name, when a
failed delivery is tried again, and the signed message (Standard Webhooks)."""
