"""Password hashing and policy. No database."""

from __future__ import annotations

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from cpq.auth import passwords
from cpq.errors import InvalidInput

REAL_ARGON2 = True  # these tests are about the production parameters


def test_the_hash_is_argon2id_and_verifies() -> None:
    stored = passwords.hash_password("twelve chars")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "twelve chars" not in stored
    assert passwords.verify_password("twelve chars", stored) == passwords.Verdict(True, None)
    assert passwords.verify_password("twelve charz", stored) == passwords.Verdict(False, None)


def test_a_password_shorter_than_12_characters_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        passwords.hash_password("eleven char")

    assert caught.value.detail == "the password is too short: use at least 12 characters"
    assert caught.value.extensions == {"field": "password"}


def test_a_huge_password_is_refused_and_never_verifies() -> None:
    huge = "x" * (passwords.MAX_LENGTH + 1)

    assert passwords.policy_problem(huge) is not None
    assert passwords.verify_password(huge, passwords.hash_password("x" * 12)).ok is False


def test_no_stored_hash_fails_after_doing_the_same_work() -> None:
    assert passwords.verify_password("whatever password", None) == passwords.Verdict(False, None)


def test_a_hash_with_outdated_parameters_is_upgraded_on_a_correct_password() -> None:
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),)).hash("twelve chars!")

    verdict = passwords.verify_password("twelve chars!", weak)

    assert verdict.ok is True
    assert verdict.new_hash is not None and verdict.new_hash != weak
    assert passwords.verify_password("twelve chars!", verdict.new_hash) == passwords.Verdict(True)
    assert passwords.verify_password("wrong chars!!", weak).new_hash is None
