"""The CRM integration guide (docs/crm-integration.md) runs as written against the live demo.

Its ```sh blocks run in document order in one ``bash -euo pipefail`` process, in an empty
working folder, so that QUOTE, ETAG, CSRF and the files they write carry over from block to
block. The only change made to them: ``BASE=localhost:8000`` gets the free port the demo runs
on. Between blocks the test copies the working folder's files and the block's output aside, to
check what each step produced. Its ```python block (the webhook receiver) runs against messages
signed with the secret the guide's subscription answered, and its ```json error example must be
what the service answers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from databases import PG_URL
from e2e_env import cpq_env, free_port, running
from pypdf import PdfReader
from standardwebhooks.webhooks import Webhook

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "crm-integration.md"
TOKEN = "cpq_demorita_demo-token-for-local-use-only-never-in-prod"  # the guide's
DEMO_BASE = "BASE=localhost:8000"
# auth, look up the catalog, create, add a line, submit, maria approves, fetch the PDF, ada
# subscribes
SHELL_BLOCKS = 8
LOOK_UP, CREATE, ADD_LINE, SUBMIT, APPROVE, PDF, SUBSCRIBE = range(1, SHELL_BLOCKS)

pytestmark = pytest.mark.slow


def fenced_blocks(markdown: str, language: str) -> list[str]:
    """The fenced code blocks of one language, in order, without their list indentation."""
    fence = re.compile(rf"^( *)```{language}\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)
    blocks = []
    for match in fence.finditer(markdown):
        indent = len(match.group(1))
        lines = match.group(2).splitlines()
        assert all(line.startswith(" " * indent) or not line for line in lines), match.group(0)
        blocks.append("\n".join(line[indent:] for line in lines) + "\n")
    return blocks


def guide_script(blocks: list[str], port: int) -> str:
    """The blocks as one script; after block N its output is in stdout-N.txt and a copy of
    every file it left in the working folder in after-N/."""
    assert blocks[0].count(DEMO_BASE) == 1, blocks[0]
    blocks = [blocks[0].replace(DEMO_BASE, f"BASE=localhost:{port}"), *blocks[1:]]
    parts = []
    for n, block in enumerate(blocks):
        parts.append(f"{{\n{block}}} > stdout-{n}.txt\n")
        parts.append(f"mkdir after-{n}\nfind . -maxdepth 1 -type f -exec cp {{}} after-{n}/ \\;\n")
    return "".join(parts)


def run_bash(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPQ_")}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    files = {p.name: p.read_bytes()[:400] for p in sorted(folder.iterdir()) if p.is_file()}
    assert done.returncode == 0, (
        f"the guide's commands failed ({done.returncode}):\n{done.stderr}\n"
        f"stdout:\n{done.stdout}\nfiles:\n{files}"
    )
    return done


def headers(path: Path) -> dict[str, str]:
    """The last response's headers as curl -D wrote them (lower-case names)."""
    lines = path.read_text().splitlines()
    assert lines[0].startswith("HTTP/"), lines[0]
    fields = (line.split(":", 1) for line in lines[1:] if ":" in line)
    return {name.strip().lower(): value.strip() for name, value in fields}


def status_line(path: Path) -> str:
    return path.read_text().splitlines()[0].strip()


def test_the_guide_runs_as_written(db_url: str, tmp_path: Path) -> None:
    guide = GUIDE.read_text()
    shell = fenced_blocks(guide, "sh")
    (receiver,) = fenced_blocks(guide, "python")
    (error_example,) = fenced_blocks(guide, "json")
    assert len(shell) == SHELL_BLOCKS, shell
    work = tmp_path / "crm"
    work.mkdir()
    retry = tmp_path / "retry"
    retry.mkdir()
    port = free_port()
    env = cpq_env(
        database_url=db_url if PG_URL else f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        data_dir=str(tmp_path / "data"),
        port=str(port),
    )
    with running(["demo"], env, port, timeout=120) as url:
        run_bash(guide_script(shell, port), work)
        # A retry of the create after a timeout: the guide's blocks up to the create again.
        replay = run_bash(guide_script(shell[: CREATE + 1], port) + 'echo "$QUOTE"\n', retry)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
            created = json.loads((work / f"after-{CREATE}" / "quote.json").read_text())
            quote = api.get(f"/v1/quotes/{created['id']}")
            preview = api.get(f"/v1/quotes/{created['id']}/approval-preview?line_id=2")
            unknown_sku = api.post(
                "/v1/quotes",
                json={"customer": "C-10001", "lines": [{"sku": "NOPE", "quantity": 1}]},
            )

    after = {n: work / f"after-{n}" for n in range(SHELL_BLOCKS)}
    stdout = {n: (work / f"stdout-{n}.txt").read_text() for n in range(SHELL_BLOCKS)}

    # 0. The customer and the item, read with the token.
    customer = json.loads((after[LOOK_UP] / "customer.json").read_text())
    assert (customer["external_id"], customer["default_currency"]) == ("C-10001", "EUR")
    products = json.loads((after[LOOK_UP] / "products.json").read_text())["data"]
    assert "GW-E100" in [p["sku"] for p in products]

    # 1. Created and priced at once, its revision in the ETag.
    assert status_line(after[CREATE] / "headers.txt") == "HTTP/1.1 201 Created"
    assert headers(after[CREATE] / "headers.txt")["etag"] == '"1"'
    assert created["status"] == "draft"
    assert created["customer"] == "C-10001"
    assert created["crm_opportunity_id"] == "OPP-4711"
    assert [(line["sku"], line["quantity"]) for line in created["lines"]] == [("GW-E100", "2")]
    assert created["pricing"]["totals"]["total"] == "832.26"

    # 2. The second line, with the rep's discount and its reason, priced with the first.
    assert status_line(after[ADD_LINE] / "headers.txt") == "HTTP/1.1 200 OK"
    assert headers(after[ADD_LINE] / "headers.txt")["etag"] == '"2"'
    two_lines = json.loads((after[ADD_LINE] / "quote.json").read_text())
    assert two_lines["id"] == created["id"]
    assert [(line["sku"], line["quantity"]) for line in two_lines["lines"]] == [
        ("GW-E100", "2"),
        ("TS-PT100-100-M", "10"),
    ]
    assert two_lines["lines"][1]["manual_discount"] == {
        "percent": "12",
        "reason": "competitive deal",
    }
    probe = two_lines["pricing"]["lines"][1]
    assert (probe["list_price"], probe["net_unit_price"]) == ("203.00", "164.62")
    assert [a["step"] for a in probe["adjustments"]] == ["price", "discount", "manual_discount"]
    assert probe["adjustments"][-1]["description"] == "12% off by the rep (competitive deal)"
    assert two_lines["pricing"]["totals"]["total"] == "2478.43"

    # Before submitting: who would approve, and how far the discount could go without.
    assert preview.status_code == 200, preview.text
    (level,) = preview.json()["levels"]
    assert [a["name"] for a in level["approvers"]] == ["Maria Manager"]
    assert preview.json()["guidance"]["line_id"] == "2"

    # 3. Over the policy: it waits for maria.
    submitted = json.loads(stdout[SUBMIT])
    assert submitted["status"] == "pending_approval"
    assert [(a["approver"]["username"], a["status"]) for a in submitted["approvals"]] == [
        ("maria", "pending")
    ]

    # 4. maria approves; the quote is approved.
    decision = json.loads(stdout[APPROVE])
    assert decision["quote_id"] == created["id"]
    assert (decision["status"], decision["decided_by"]["username"]) == ("approved", "maria")
    assert decision["comment"] == "ok for this deal"
    assert quote.status_code == 200, quote.text
    assert quote.json()["status"] == "approved"

    # 5. The German PDF, clean now that the quote is approved.
    pdf = (after[PDF] / "quote.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-"), pdf[:200]
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert f"Angebot {created['number']}" in text
    assert "Gesamtsumme 2.478,43\xa0€" in text  # de-DE: a no-break space before the €
    assert "ENTWURF" not in text

    # Webhooks: ada's subscription answers its signing secret.
    subscription = json.loads(stdout[SUBSCRIBE])
    assert "secret" in subscription, subscription
    assert subscription["url"] == "https://crm.example/cpq-hooks"
    assert sorted(subscription["event_types"]) == [
        "approval.decided",
        "quote.approved",
        "quote.submitted",
    ]
    assert subscription["secret"].startswith("whsec_")
    receiver_handles_genuine_messages_once(receiver, subscription["secret"], created["id"])

    # The retried create replays the first answer: the same quote, marked as replayed.
    assert replay.stdout.strip() == created["id"]
    replayed = headers(retry / f"after-{CREATE}" / "headers.txt")
    assert replayed["idempotent-replayed"] == "true"
    assert json.loads((retry / f"after-{CREATE}" / "quote.json").read_text()) == created

    # Errors: the guide's example is the service's answer to an unknown SKU.
    assert unknown_sku.status_code == 422
    assert unknown_sku.headers["content-type"] == "application/problem+json"
    assert unknown_sku.json() == json.loads(error_example)


def receiver_handles_genuine_messages_once(receiver: str, secret: str, quote_id: str) -> None:
    """The guide's ``receive``: a signed message is handled, its retry is not, nor is a
    message whose body was changed after signing."""
    seen: set[str] = set()
    handled: list[tuple[str, dict[str, Any]]] = []

    def already_seen(webhook_id: str) -> bool:
        if webhook_id in seen:
            return True
        seen.add(webhook_id)
        return False

    def handle(event_type: str, data: dict[str, Any]) -> None:
        handled.append((event_type, data))

    scope: dict[str, Any] = {"SECRET": secret, "already_seen": already_seen, "handle": handle}
    exec(compile(receiver, str(GUIDE), "exec"), scope)
    receive: Callable[[bytes, dict[str, str]], None] = scope["receive"]

    at = datetime.now(UTC)
    data = {"event_id": "evt_1", "quote_id": quote_id, "version": 1, "status": "approved"}
    body = json.dumps({"type": "quote.approved", "timestamp": at.isoformat(), "data": data})
    signed = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_1", at, body),
    }
    tampered = body.replace('"version": 1', '"version": 2')
    assert tampered != body

    receive(tampered.encode(), signed)
    assert handled == []
    receive(body.encode(), signed)
    receive(body.encode(), signed)  # delivered again
    assert handled == [("quote.approved", data)]
