"""Stored quote PDFs: rendered once per quote version, template version, language, variant
and context; served from storage after that (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from quotes.quotes_world import World, act, create, lines, ok, patch, problem
from sqlalchemy import func, select

from cpq.db.document_tables import QuoteDocumentRow
from cpq.documents.variants import Variant
from cpq.errors import RenderFailed
from cpq.repositories import documents as document_rows
from cpq.services import documents
from cpq.settings import Settings

TABLE = QuoteDocumentRow.__table__  # type: ignore[attr-defined]
PDF = "application/pdf"


class Renders:
    """Counts the renders of the documents service (each one still really renders)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.variants: list[Variant] = []
        real = documents.render_pdf

        def counted(context: Mapping[str, Any], variant: Variant, *, settings: Settings) -> bytes:
            self.variants.append(variant)
            return real(context, variant, settings=settings)

        monkeypatch.setattr(documents, "render_pdf", counted)

    @property
    def count(self) -> int:
        return len(self.variants)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Renders:
    return Renders(monkeypatch)


def _rows(world: World) -> list[dict[str, Any]]:
    with world.engine.connect() as conn:
        query = select(TABLE).order_by(TABLE.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def _got(response: Any) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF
    return response


def test_a_repeat_request_is_served_from_storage(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(5))
    path = f"/v1/quotes/{quote['id']}/pdf"

    first = _got(rita.get(path))
    again = _got(rita.get(path))

    assert renders.count == 1
    assert again.content == first.content
    digest = hashlib.sha256(first.content).hexdigest()
    assert first.headers["ETag"] == again.headers["ETag"] == f'"{digest}"'
    assert first.headers["Cache-Control"] == "private, no-cache"  # revalidate: 304 is cheap
    (row,) = _rows(world)
    assert (row["quote_id"], row["version"], row["lang"], row["variant"]) == (
        quote["id"],
        1,
        "en",
        "standard",
    )
    assert row["sha256"] == digest and row["size_bytes"] == len(first.content)
    assert bytes(row["content"]) == first.content
    assert row["snapshot_hash"] == quote["snapshot_hash"]
    assert again.headers["X-Template-Version"] == row["template_version"]
    assert again.headers["Content-Disposition"] == f'inline; filename="{quote["number"]}-v1-en.pdf"'


def test_the_version_route_shares_the_stored_document(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    current = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))
    version = _got(rita.get(f"/v1/quotes/{quote['id']}/versions/1/pdf"))

    assert renders.count == 1
    assert version.content == current.content
    assert len(_rows(world)) == 1


def test_each_language_and_variant_is_a_document_of_its_own(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    base = f"/v1/quotes/{quote['id']}/pdf"
    number = quote["number"]

    english = _got(rita.get(base))
    german = _got(rita.get(f"{base}?lang=de"))
    archive = _got(rita.get(f"{base}?lang=de&variant=pdf-a"))
    tagged = _got(rita.get(f"{base}?variant=pdf-ua"))
    _got(rita.get(f"{base}?lang=de&variant=pdf-a"))  # stored already

    assert renders.variants == [Variant.STANDARD, Variant.STANDARD, Variant.PDF_A, Variant.PDF_UA]
    rows = _rows(world)
    assert [(r["lang"], r["variant"]) for r in rows] == [
        ("en", "standard"),
        ("de", "standard"),
        ("de", "pdf-a"),
        ("en", "pdf-ua"),
    ]
    assert len({r["document_key"] for r in rows}) == 4
    assert len({r["sha256"] for r in rows}) == 4
    names = [
        r.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
        for r in (english, german, archive, tagged)
    ]
    assert names == [
        f"{number}-v1-en.pdf",
        f"{number}-v1-de.pdf",
        f"{number}-v1-de-pdfa.pdf",
        f"{number}-v1-en-pdfua.pdf",
    ]


def test_a_new_version_gets_a_new_document(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = ok(act(rita, create(rita, lines=lines()), "submit"))
    assert quote["status"] == "approved"
    first = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))

    ok(act(rita, quote, "revise"), 201)
    second = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))
    old = _got(rita.get(f"/v1/quotes/{quote['id']}/versions/1/pdf"))

    assert renders.count == 2
    assert old.content == first.content
    assert second.content != first.content
    assert second.headers["Content-Disposition"].endswith(f'{quote["number"]}-v2-en.pdf"')
    assert [r["version"] for r in _rows(world)] == [1, 2]


def test_an_edited_draft_is_rendered_again(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    first = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))

    ok(patch(rita, quote, title="Sensors for hall 3"))
    second = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))

    assert renders.count == 2
    assert second.headers["ETag"] != first.headers["ETag"]
    assert len(_rows(world)) == 2


def test_a_failed_render_answers_503_and_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    def overrun(context: Mapping[str, Any], variant: Variant, *, settings: Settings) -> bytes:
        raise RenderFailed("the render ran past 60 s and was stopped")

    monkeypatch.setattr(documents, "render_pdf", overrun)

    problem(rita.get(f"/v1/quotes/{quote['id']}/pdf"), 503, "render_failed")
    assert _rows(world) == []
    ok(rita.get(f"/v1/quotes/{quote['id']}"))  # the server goes on


def test_if_none_match_with_the_etag_answers_304(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())
    path = f"/v1/quotes/{quote['id']}/pdf"
    etag = _got(rita.get(path)).headers["ETag"]

    same = rita.get(path, headers={"If-None-Match": etag})
    weak = rita.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    other = rita.get(path, headers={"If-None-Match": '"0000"'})

    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    assert weak.status_code == 304
    assert _got(other).headers["ETag"] == etag
    assert renders.count == 1


def test_the_document_follows_the_quote_locale(world: World, renders: Renders) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(), locale="de-CH")

    german = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf"))
    english = _got(rita.get(f"/v1/quotes/{quote['id']}/pdf?lang=en"))

    assert german.headers["Content-Disposition"].endswith(f'{quote["number"]}-v1-de.pdf"')
    assert english.headers["Content-Disposition"].endswith(f'{quote["number"]}-v1-en.pdf"')
    assert [r["lang"] for r in _rows(world)] == ["de", "en"]


def test_an_unknown_variant_is_a_problem(world: World, renders: Renders) -> None:
    quote = create(world.client("rita"), lines=lines())

    problem(world.client("rita").get(f"/v1/quotes/{quote['id']}/pdf?variant=pdf-x"), 422)
    assert renders.count == 0


# --- the repository and the key ---------------------------------------------------------------


def _values(quote_id: str, content: bytes, key: str = "k" * 64) -> dict[str, Any]:
    return {
        "document_key": key,
        "quote_id": quote_id,
        "version": 1,
        "lang": "en",
        "variant": "standard",
        "snapshot_hash": "s" * 64,
        "template_version": "test",
        "context_digest": "c" * 64,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size_bytes": len(content),
        "content": content,
        "created_at": datetime(2026, 11, 24, tzinfo=UTC),
    }


def test_storing_a_key_twice_keeps_the_first_row(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())

    with world.engine.begin() as conn:
        first = document_rows.insert_document(conn, _values(quote["id"], b"%PDF-first"))
    with world.engine.begin() as conn:  # a concurrent request that rendered the same key
        second = document_rows.insert_document(conn, _values(quote["id"], b"%PDF-first"))
        assert document_rows.count_of(conn, quote["id"]) == 1  # the transaction goes on

    assert bytes(second["content"]) == bytes(first["content"]) == b"%PDF-first"
    assert second["id"] is not None
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(TABLE)).scalar_one() == 1


def test_a_row_for_an_unknown_quote_is_refused(world: World) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), world.engine.begin() as conn:
        document_rows.insert_document(conn, _values("no-such-quote", b"%PDF-x"))


def test_the_key_covers_every_field_and_the_whole_context() -> None:
    from cpq.documents.facts import QuoteDocument

    base = QuoteDocument("q1", 2, "h" * 64, "de", "3", {"number": "Q-000001", "seller": "A"})
    key = documents.document_fields(base, Variant.STANDARD)["document_key"]
    changed = [
        QuoteDocument("q2", 2, "h" * 64, "de", "3", base.context),
        QuoteDocument("q1", 3, "h" * 64, "de", "3", base.context),
        QuoteDocument("q1", 2, "g" * 64, "de", "3", base.context),
        QuoteDocument("q1", 2, "h" * 64, "en", "3", base.context),
        QuoteDocument("q1", 2, "h" * 64, "de", "4", base.context),
        QuoteDocument("q1", 2, "h" * 64, "de", "3", {**base.context, "seller": "B"}),
    ]

    keys = {documents.document_fields(d, Variant.STANDARD)["document_key"] for d in changed}
    keys.add(documents.document_fields(base, Variant.PDF_A)["document_key"])
    assert key not in keys and len(keys) == 7
    same = QuoteDocument("q1", 2, "h" * 64, "de", "3", {"seller": "A", "number": "Q-000001"})
    assert documents.document_fields(same, Variant.STANDARD)["document_key"] == key
