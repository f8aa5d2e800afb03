"""Passwords: argon2 hashes through pwdlib, a minimum length, and verification that takes the
same time whether or not the user exists."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pwdlib import PasswordHash

from cpq.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing megabytes of "password" on request would be a cheap denial of service


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    # Checked against when there is no hash to check (unknown user, API-only user), so a failed
    # login costs the same argon2 work either way and timing does not reveal who exists.
    return _hasher().hash("no-such-user-placeholder-password")


def policy_problem(password: str) -> str | None:
    """Why the password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"the password is too short: use at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password is too long: use at most {MAX_LENGTH} characters"
    return None


def check_policy(password: str) -> None:
    problem = policy_problem(password)
    if problem:
        raise InvalidInput(problem, field="password")


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher().hash(password)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    new_hash: str | None = None  # set when the stored hash uses outdated parameters


def verify_password(password: str, stored_hash: str | None) -> Verdict:
    """Check ``password``; with no stored hash, do the same work and fail."""
    if len(password) > MAX_LENGTH:
        return Verdict(False)
    ok, new_hash = _hasher().verify_and_update(password, stored_hash or _dummy_hash())
    if stored_hash is None:
        return Verdict(False)
    return Verdict(ok, new_hash if ok else None)
