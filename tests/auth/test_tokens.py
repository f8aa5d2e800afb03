"""Token and session secrets: format, parsing, hashing. No database."""

from __future__ import annotations

import hashlib

import pytest

from cpq.auth import tokens


def test_a_generated_token_reads_back_as_its_parts() -> None:
    parts = tokens.generate_token()
    text = str(parts)

    assert text == f"cpq_{parts.prefix}_{parts.secret}"
    assert tokens.parse_token(text) == parts
    assert len(parts.prefix) == 10
    assert len(parts.secret) >= 43  # 32 random bytes, url-safe base64


def test_secrets_containing_underscores_still_parse() -> None:
    parts = tokens.TokenParts("abcdef0123", "a_b-" * 11)

    assert tokens.parse_token(str(parts)) == parts


def test_generated_tokens_differ() -> None:
    made = {str(tokens.generate_token()) for _ in range(200)}

    assert len(made) == 200


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bearer cpq_abcdef0123_" + "x" * 43,
        "cpq_abcdef0123",
        "cpq_abc_" + "x" * 43,  # prefix too short
        "cpq_abcdef0123_" + "x" * 42,  # secret too short
        "xyz_abcdef0123_" + "x" * 43,
        "cpq_abcdef0123_" + "x" * 42 + "!",
    ],
)
def test_text_not_shaped_like_a_token_parses_to_none(text: str) -> None:
    assert tokens.parse_token(text) is None


def test_the_secret_is_compared_by_its_sha256() -> None:
    stored = hashlib.sha256(b"s3cret" * 8).hexdigest()

    assert tokens.sha256_hex("s3cret" * 8) == stored
    assert tokens.secret_matches("s3cret" * 8, stored) is True
    assert tokens.secret_matches("s3cret" * 8 + "x", stored) is False


def test_repr_never_shows_the_secret() -> None:
    parts = tokens.generate_token()

    assert parts.secret not in repr(parts)
    assert parts.prefix in repr(parts)


def test_session_id_and_csrf_token_are_distinct_hashes_of_the_cookie_secret() -> None:
    secret = tokens.new_session_secret()

    session_id, csrf = tokens.session_id(secret), tokens.csrf_token(secret)

    assert session_id == hashlib.sha256(secret.encode()).hexdigest()
    assert csrf != session_id and secret not in (session_id, csrf)
    assert tokens.csrf_matches(secret, csrf) is True
    assert tokens.csrf_matches(secret, session_id) is False
    assert tokens.csrf_matches(tokens.new_session_secret(), csrf) is False
