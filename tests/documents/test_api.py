"""GET /v1/quotes/{id}/pdf and /preview on the demo catalog and team (SQLite and PostgreSQL).

Storage (repeat requests, ETags, variants): test_store.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_currency
from pdf_read import fonts, squeezed, text
from quotes.quotes_world import GATEWAY, SENSOR, World, act, create, lines, ok, problem

PDF = "application/pdf"


def _pdf(client: Any, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PDF
    body: bytes = response.content
    return body


def _total(quote: dict[str, Any], locale: str) -> str:
    return squeezed(format_currency(Decimal(str(quote["total"])), quote["currency"], locale=locale))


def test_a_draft_renders_with_its_lines_total_and_watermark(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(5))

    pdf = _pdf(rita, f"/v1/quotes/{quote['id']}/pdf")

    found = text(pdf)
    assert SENSOR in found and GATEWAY in found
    assert quote["number"] in found
    assert _total(quote, "en_US") in squeezed(found)
    assert squeezed("DRAFT - not valid for acceptance") in squeezed(found)
    assert all(fonts(pdf).values())


def test_an_approved_quote_renders_clean_and_in_german(world: World) -> None:
    rita = world.client("rita")
    approved = ok(act(rita, create(rita, lines=lines()), "submit"))
    assert approved["status"] == "approved"

    english = text(_pdf(rita, f"/v1/quotes/{approved['id']}/pdf"))
    german = text(_pdf(rita, f"/v1/quotes/{approved['id']}/pdf?lang=de"))

    assert "DRAFT" not in english and "ENTWURF" not in german
    assert f"Angebot {approved['number']}" in german
    assert _total(approved, "de_DE") in squeezed(german)


def test_a_version_renders_and_repeat_renders_are_identical(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines())

    first = _pdf(rita, f"/v1/quotes/{quote['id']}/versions/1/pdf")
    again = _pdf(rita, f"/v1/quotes/{quote['id']}/pdf")

    assert first == again
    problem(rita.get(f"/v1/quotes/{quote['id']}/versions/9/pdf"), 404, "not_found")


def test_the_same_access_rules_as_reading_the_quote(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())
    path = f"/v1/quotes/{quote['id']}/pdf"

    problem(world.client("raj").get(path), 404, "not_found")
    problem(world.client("raj").get(f"/v1/quotes/{quote['id']}/versions/1/pdf"), 404)
    problem(world.anonymous().get(path), 401)
    assert world.client("maria").get(path).status_code == 200  # rita's manager


def test_the_preview_shows_the_pages_as_html(world: World) -> None:
    rita = world.client("rita")
    quote = create(rita, lines=lines(5))

    current = rita.get(f"/v1/quotes/{quote['id']}/preview")
    version = rita.get(f"/v1/quotes/{quote['id']}/versions/1/preview?lang=de")

    assert current.status_code == 200, current.text
    assert current.headers["content-type"].startswith("text/html")
    for html in (current.text, version.text):
        assert quote["number"] in html and SENSOR in html and GATEWAY in html
    assert f"Angebot {quote['number']}" in version.text
    # Nothing but its own inline styles and data: images may load or run in it.
    policy = current.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    problem(rita.get(f"/v1/quotes/{quote['id']}/versions/9/preview"), 404, "not_found")


def test_the_preview_has_the_same_access_rules(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())
    path = f"/v1/quotes/{quote['id']}/preview"

    problem(world.client("raj").get(path), 404, "not_found")
    problem(world.client("raj").get(f"/v1/quotes/{quote['id']}/versions/1/preview"), 404)
    problem(world.anonymous().get(path), 401)
    assert world.client("maria").get(path).status_code == 200  # rita's manager


def test_an_unknown_language_is_a_problem(world: World) -> None:
    quote = create(world.client("rita"), lines=lines())

    problem(world.client("rita").get(f"/v1/quotes/{quote['id']}/pdf?lang=fr"), 422)
    problem(world.client("rita").get(f"/v1/quotes/{quote['id']}/preview?lang=fr"), 422)


def test_a_render_worker_without_pango_says_documents_are_unavailable(monkeypatch: Any) -> None:
    import sys

    import cpq.documents
    from cpq.documents import workers
    from cpq.errors import PdfUnavailable

    monkeypatch.setitem(sys.modules, "cpq.documents.render", None)  # as without Pango
    monkeypatch.delattr(cpq.documents, "render", raising=False)

    with pytest.raises(PdfUnavailable, match="Pango"):
        workers._job("render_quote_html", ({},))


def test_a_server_that_cannot_render_answers_503_and_keeps_serving(
    world: World, monkeypatch: Any
) -> None:
    from cpq.documents import workers
    from cpq.errors import PdfUnavailable

    rita = world.client("rita")
    quote = create(rita, lines=lines(5))

    def no_pango(self: Any, calls: Any) -> Any:  # what a worker without Pango answers
        raise PdfUnavailable("PDF rendering needs Pango on the server")

    monkeypatch.setattr(workers.RenderPool, "run", no_pango)

    problem(rita.get(f"/v1/quotes/{quote['id']}/pdf"), 503, "pdf_unavailable")
    problem(rita.get(f"/v1/quotes/{quote['id']}/preview"), 503, "pdf_unavailable")
    ok(rita.get(f"/v1/quotes/{quote['id']}"))
