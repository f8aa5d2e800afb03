"""The document context: pure data in, display strings out (no rendering, no database)."""

from __future__ import annotations

import pytest
from document_builders import PARTIES, QUOTE, context, line, version

from cpq.documents.context import CLEAN_STATUSES, grouped_lines, is_draft, quote_context
from cpq.documents.render import render_quote_html
from cpq.quotes.lifecycle import QuoteStatus


def test_options_follow_their_bundle_indented_in_quote_order() -> None:
    lines = [line(1), line(2), line(3, parent=1), line(4, parent=3), line(5, parent=1)]

    grouped = [(ln["line_id"], depth) for ln, depth in grouped_lines(lines)]

    assert grouped == [("1", 0), ("3", 1), ("4", 2), ("5", 1), ("2", 0)]


def test_a_line_whose_parent_is_missing_or_circular_is_still_shown_once() -> None:
    lines = [line(1, parent=9), line(2, parent=3), line(3, parent=2)]

    grouped = [ln["line_id"] for ln, _depth in grouped_lines(lines)]

    assert sorted(grouped) == ["1", "2", "3"]


def test_bundles_are_marked_and_options_carry_their_depth() -> None:
    rows = context([line(1), line(2, parent=1), line(3)])["lines"]

    assert [(r["sku"], r["depth"], r["is_bundle"]) for r in rows] == [
        ("SKU-00001", 0, True),
        ("SKU-00002", 1, False),
        ("SKU-00003", 0, False),
    ]


@pytest.mark.parametrize(
    ("lang", "price", "date", "discount"),
    [
        ("en", "€120.00", "Dec 24, 2026", "15%"),
        ("de", "120,00\xa0€", "24.12.2026", "15\xa0%"),
    ],
)
def test_figures_and_dates_follow_the_locale(
    lang: str, price: str, date: str, discount: str
) -> None:
    found = context(lang=lang)

    assert found["lines"][0]["list_price"] == price
    assert found["lines"][0]["discount"] == discount
    assert found["valid_until"] == date
    assert found["labels"]["quote"] == {"en": "Quote", "de": "Angebot"}[lang]


def test_totals_and_quote_adjustments_come_from_the_priced_quote() -> None:
    found = context()

    assert found["totals"]["total"] == "€1,234.50"
    assert found["totals"]["has_recurring"] is False
    assert found["adjustments"] == [{"description": "Loyalty 2%", "amount": "-€25.20"}]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Discount of 8.5% on the quote"),
        ("de", "Rabatt von 8,5\xa0% auf das Angebot"),
    ],
)
def test_the_reps_quote_discount_is_worded_for_the_customer_without_its_reason(
    lang: str, words: str
) -> None:
    given = {
        "kind": "manual_quote_discount",
        "description": "8.5% off the quote by the rep (matches the competitor)",
        "amount": "-104.93",
    }
    priced = {**version([line(1)])["priced"], "quote_adjustments": [given]}

    found = context(
        [line(1)],
        lang=lang,
        priced=priced,
        quote_discount_percent="8.5",
        quote_discount_reason="matches the competitor",
    )

    assert [a["description"] for a in found["adjustments"]] == [words]
    assert "competitor" not in render_quote_html(found)


def test_an_undiscounted_line_shows_no_discount() -> None:
    rows = context([line(1, net_unit_price="120.00")])["lines"]

    assert rows[0]["discount"] == ""


def test_metadata_dates_come_from_the_version_not_the_clock() -> None:
    found = context()

    assert found["metadata"]["created"] == "2026-11-20T08:31:05+00:00"
    assert found["metadata"]["identifier"] == f"{QUOTE['id']}/2/{found['template_version']}"


def test_only_approved_or_later_quotes_are_clean() -> None:
    clean = {s.value for s in QuoteStatus if not is_draft(s.value)}

    assert clean == CLEAN_STATUSES == {"approved", "sent", "accepted", "declined"}
    assert context(status="pending_approval")["draft"] is True
    assert context(status="approved")["draft"] is False


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(KeyError):
        quote_context(QUOTE, version([line(1)]), PARTIES, lang="fr", template_version="1")


def test_the_html_escapes_what_people_typed() -> None:
    found = context(
        [line(1, name='<img src="x">')], title="<script>alert(1)</script>", notes="a & b"
    )

    html = render_quote_html(found)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<img src="x">' not in html
    assert "a &amp; b" in html


def test_a_fractional_discount_is_shown_to_two_decimals() -> None:
    rows = context(
        [line(1, list_price="90.00", net_unit_price="60.00"), line(2, net_unit_price="105.00")]
    )["lines"]

    assert [r["discount"] for r in rows] == ["33.33%", "12.5%"]
