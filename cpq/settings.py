"""Typed settings, read from the environment (prefix ``CPQ_``) and an optional ``.env`` file."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CPQ_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = REPO_ROOT / "data"
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # Product models (bundles, option groups, options) authored next to the catalog.
    product_models_dir: Path = REPO_ROOT / "catalog" / "models"
    demo_export_dir: Path = REPO_ROOT / "catalog" / "demo-export"

    # The pricing rule set: every *.yaml file of this folder, reviewed like code.
    rules_dir: Path = REPO_ROOT / "pricing_rules"

    # Bearer token that allows a back office to push an export over HTTP (POST /v1/sync-runs)
    # and to read the sync history (GET /v1/sync-runs).
    # Unset means syncing over HTTP is switched off; the CLI always works.
    sync_token: SecretStr | None = None

    # Most validation problems one sync run reports and stores (the count of all is always kept).
    max_reported_issues: int = 1000

    # Web logins: how long a session lasts, and whether its cookie is sent over HTTPS only
    # (on by default in production, unless set explicitly).
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    cookie_secure: bool = False

    # Idempotency-Key on POST: a key's answer is replayed for this many hours (then the key is
    # new again); a request holding its key longer than the lock is taken to have crashed, and a
    # retry may run it again.
    idempotency_hours: int = Field(default=24, ge=1)
    idempotency_lock_seconds: int = Field(default=60, ge=1)

    # Quotes: how long a new quote is valid; how often each server process runs the background
    # jobs (approval escalation, quote expiry, purge of old idempotency keys); 0 turns them off
    # in the server (run `cpq jobs run` from a scheduler instead).
    quote_validity_days: int = Field(default=30, ge=1, le=3650)
    # The locale of a new quote (BCP 47: en-US, de-DE, de-CH): how its documents are written.
    default_locale: str = "en-US"
    jobs_interval_seconds: int = Field(default=60, ge=0)

    # The seller named on quote documents (the address: one line per line of text).
    seller_name: str = "Example Instruments GmbH"
    seller_address: str = "Musterstrasse 1\n10115 Berlin\nGermany"
    # A file under templates/ (relative to it) shown above the seller's address; "" for none.
    seller_logo: str = "quote/logo.svg"
    # When set, documents add an estimated tax at this rate to the total (else: "excl. taxes").
    tax_estimate_percent: Decimal | None = Field(default=None, ge=0, le=100)
    # Webhooks: delivered by a worker inside each API process ("in_process"), or only by
    # `cpq worker` processes ("external"); "auto": in process on SQLite, external on PostgreSQL.
    webhook_delivery: Literal["auto", "in_process", "external"] = "auto"
    webhook_interval_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Documents: render processes and the bounds of one render (see docs/documents.md).
    document_workers: int = Field(default=2, ge=1, le=64)
    document_timeout_seconds: float = Field(default=60.0, gt=0)
    document_memory_mb: int = Field(default=1024, ge=128)

    # Limits a client can plan around (docs/api-conventions.md, "Limits"): the largest request
    # body; requests per caller and minute, with a burst (a token bucket; 0 switches it off);
    # the most lines a quote has, options included.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    max_quote_lines: int = Field(default=10_000, ge=1)
    # The reverse proxies (IP addresses or networks, comma-separated, or "*") whose
    # X-Forwarded-For names the client: the address anonymous callers are rate-limited by.
    forwarded_allow_ips: str = "127.0.0.1"

    @model_validator(mode="after")
    def _defaults_and_safety(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'cpq.sqlite3'}"
        token = self.sync_token.get_secret_value() if self.sync_token else None
        if self.environment == "production" and token is not None and len(token) < 32:
            raise ValueError("CPQ_SYNC_TOKEN must be at least 32 characters in production")
        if self.environment == "production" and "cookie_secure" not in self.model_fields_set:
            self.cookie_secure = True
        _check_locale(self.default_locale)
        logo = Path(self.seller_logo)
        if self.seller_logo and (logo.is_absolute() or ".." in logo.parts):
            raise ValueError("CPQ_SELLER_LOGO must name a file under templates/, relative to it")
        return self


def _check_locale(value: str) -> None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value, sep="-")
    except (ValueError, UnknownLocaleError):
        raise ValueError(
            f"CPQ_DEFAULT_LOCALE {value!r} is not a locale (e.g. en-US, de-DE)"
        ) from None


def delivers_webhooks_in_process(settings: Settings) -> bool:
    if settings.webhook_delivery == "auto":
        return settings.database_url.startswith("sqlite")
    return settings.webhook_delivery == "in_process"


@lru_cache
def get_settings() -> Settings:
    return Settings()
