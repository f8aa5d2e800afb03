"""A synced demo catalog with the demo team, once per session; each test gets its own copy.

``world.client(user)`` is a TestClient calling as that user (an API token with every scope);
the rules folder is the repository's own (pricing rules and the approval policy).
The small builders below (``create``, ``act``, ``problem``...) keep the API tests short.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from databases import fresh_database
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cpq.api.app import create_app
from cpq.auth.principal import Role, Scope
from cpq.db.engine import make_engine
from cpq.repositories.teams import USERS as USERS_TABLE
from cpq.services import people
from cpq.services.catalog_sync import run_sync
from cpq.services.demo_team import TEAM, seed_demo_team
from cpq.settings import REPO_ROOT, Settings
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = REPO_ROOT / "catalog" / "demo-export"
MODELS = REPO_ROOT / "catalog" / "models"
RULES = REPO_ROOT / "pricing_rules"
USERS = tuple(m.username for m in TEAM)
PROBLEM = "application/problem+json"

# A rep discount on one line of a two-line quote: 15% needs the manager, 25% the director too.
SENSOR = "TS-PT100-100-M"
GATEWAY = "GW-E100"
CUSTOMER = "C-10001"  # enterprise, EUR


def lines(discount: int | str | None = None, sensors: int = 4, gateways: int = 1) -> list[Any]:
    """The sensors (line 1, with ``discount`` % off) and the gateways (line 2, undiscounted)."""
    sensor: dict[str, Any] = {"sku": SENSOR, "quantity": sensors}
    if discount is not None:
        sensor["manual_discount"] = {"percent": str(discount)}
    return [sensor, {"sku": GATEWAY, "quantity": gateways}]


@dataclass
class Template:
    url: str
    tokens: dict[str, str]


@pytest.fixture(scope="session")
def synced_template(
    template_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Template]:
    folder = tmp_path_factory.mktemp("synced")
    with fresh_database(template_url, folder) as url:
        engine = make_engine(url)
        run_sync(engine, FolderSource(DEMO_EXPORT), load_profile("canonical"), models_dir=MODELS)
        tokens: dict[str, str] = {}
        with engine.begin() as conn:
            seed_demo_team(conn)
            for user in USERS:
                _row, secret = people.create_token(
                    conn, f"test {user}", user, [s.value for s in Scope]
                )
                tokens[user] = secret
        engine.dispose()
        yield Template(url, tokens)


@dataclass
class World:
    url: str
    tokens: dict[str, str]
    settings: Settings
    clients: dict[str, TestClient] = field(default_factory=dict)
    _engine: Engine | None = None

    def client(self, user: str) -> TestClient:
        if user not in self.clients:
            self.clients[user] = self._client(self.tokens[user])
        return self.clients[user]

    def _client(self, token: str | None) -> TestClient:
        client = TestClient(create_app(self.settings), raise_server_exceptions=False)
        if token is not None:
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    def anonymous(self) -> TestClient:
        """A client sending no credential at all."""
        return self._client(None)

    def client_with_scopes(self, user: str, scopes: Iterable[Scope]) -> TestClient:
        """A client whose token (for ``user``) holds only ``scopes``."""
        with self.engine.begin() as conn:
            _row, secret = people.create_token(conn, "narrow", user, [s.value for s in scopes])
        return self._client(secret)

    def add_user(self, username: str, role: Role, manager: str | None = None) -> TestClient:
        """A new team member (with a token holding every scope); their client."""
        with self.engine.begin() as conn:
            people.create_user(conn, username, username.title(), role, manager_username=manager)
            _row, secret = people.create_token(
                conn, f"test {username}", username, [s.value for s in Scope]
            )
        self.tokens[username] = secret
        return self.client(username)

    @property
    def engine(self) -> Engine:
        """Direct access to this test's database (for jobs and SQL-level checks)."""
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def user_id(self, username: str) -> int:
        with self.engine.connect() as conn:
            query = select(USERS_TABLE.c.id).where(USERS_TABLE.c.username == username)
            return int(conn.execute(query).scalar_one())

    def use_rules(self, rules_dir: Path) -> None:
        """Serve from now on with the rule files (and approval policy) in ``rules_dir``."""
        self.settings = self.settings.model_copy(update={"rules_dir": rules_dir})
        self.clients.clear()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture
def world(synced_template: Template, tmp_path: Path) -> Iterator[World]:
    with fresh_database(synced_template.url, tmp_path) as url:
        settings = Settings(database_url=url, rules_dir=RULES, product_models_dir=MODELS)
        found = World(url, dict(synced_template.tokens), settings)
        try:
            yield found
        finally:
            found.close()


def copy_rules(tmp_path: Path) -> Path:
    """A private copy of the demo rule files (pricing rules and approval policy) to edit."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def etag_of(response: Any) -> str:
    return str(response.headers["ETag"])


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem of a response that must have ``status`` (and ``code``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    """A new quote (customer C-10001 unless told); its JSON."""
    body.setdefault("customer", CUSTOMER)
    quote: dict[str, Any] = ok(client.post("/v1/quotes", json=body), 201)
    return quote


def act(
    client: TestClient,
    quote: dict[str, Any],
    action: str,
    body: Any = None,
    etag: str | None = None,
) -> Any:
    """POST /v1/quotes/{id}/{action} with the quote's ETag."""
    return client.post(
        f"/v1/quotes/{quote['id']}/{action}",
        json=body,
        headers={"If-Match": etag or quote["etag"]},
    )


def patch(client: TestClient, quote: dict[str, Any], **changes: Any) -> Any:
    return client.patch(
        f"/v1/quotes/{quote['id']}", json=changes, headers={"If-Match": quote["etag"]}
    )


def put_line(client: TestClient, quote: dict[str, Any], line_id: str, line: Any) -> Any:
    return client.put(
        f"/v1/quotes/{quote['id']}/lines/{line_id}", json=line, headers={"If-Match": quote["etag"]}
    )


def get(client: TestClient, quote: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = ok(client.get(f"/v1/quotes/{quote['id']}"))
    return found


def to_decide(client: TestClient, quote: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The caller's pending approvals (on ``quote`` only, if given)."""
    items: list[dict[str, Any]] = ok(client.get("/v1/approvals"))["items"]
    return [a for a in items if quote is None or a["quote_id"] == quote["id"]]


def decide(
    client: TestClient, approval: dict[str, Any], approve: bool = True, comment: str = "ok"
) -> Any:
    verb = "approve" if approve else "reject"
    return client.post(f"/v1/approvals/{approval['id']}/{verb}", json={"comment": comment})


def audit(client: TestClient, quote: dict[str, Any]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok(client.get(f"/v1/quotes/{quote['id']}/audit"))
    return events
