"""API token and web session secrets: format, generation, parsing and hashing. Pure: no I/O.

An API token reads ``cpq_<prefix>_<secret>``. The prefix finds the row (a unique column); only
SHA-256 of the secret is stored. A fast hash is enough because the secret is 32 random bytes:
nobody can guess it, so there is nothing for a slow hash (argon2) to protect, and it would cost
every API request tens of milliseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

SCHEME = "cpq"
SECRET_BYTES = 32  # token_urlsafe(32) gives 43 characters
PREFIX_BYTES = 5  # 10 hex characters: the part that may be shown in listings and logs

_TOKEN = re.compile(r"cpq_(?P<prefix>[A-Za-z0-9]{8,12})_(?P<secret>[A-Za-z0-9_-]{43,128})")


@dataclass(frozen=True, slots=True)
class TokenParts:
    prefix: str
    secret: str

    def __str__(self) -> str:
        return f"{SCHEME}_{self.prefix}_{self.secret}"

    def __repr__(self) -> str:  # never print the secret by accident
        return f"TokenParts(prefix={self.prefix!r}, secret=...)"


def generate_token() -> TokenParts:
    return TokenParts(secrets.token_hex(PREFIX_BYTES), secrets.token_urlsafe(SECRET_BYTES))


def parse_token(text: str) -> TokenParts | None:
    """The parts of a token as presented, or None when it is not shaped like one of ours."""
    found = _TOKEN.fullmatch(text.strip())
    return TokenParts(found["prefix"], found["secret"]) if found else None


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison, so response timing says nothing about how much matched."""
    return hmac.compare_digest(sha256_hex(secret).encode(), stored_hash.encode())


def new_session_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def session_id(session_secret: str) -> str:
    """The web_sessions row id: a hash, so a leaked table holds no usable cookie."""
    return sha256_hex(session_secret)


def csrf_token(session_secret: str) -> str:
    """The CSRF token that goes with a session. Derived from the cookie's secret, which a page of
    another site can neither read (HttpOnly) nor guess, so the server needs to store nothing."""
    return sha256_hex(f"csrf:{session_secret}")


def csrf_matches(session_secret: str, presented: str) -> bool:
    return hmac.compare_digest(csrf_token(session_secret).encode(), presented.encode())
