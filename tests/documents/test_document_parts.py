"""What the document shows besides the lines: logo, terms per language, tax estimate, locale;
the PDF/A-3b and PDF/UA variants; the self-contained HTML preview."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from document_builders import PARTIES, QUOTE, context, line, version
from pdf_read import fonts, reader, squeezed, text

from cpq.documents.context import Parties, document_locale, quote_context
from cpq.documents.render import render_quote_html, render_quote_pdf, template_version
from cpq.documents.terms import parse_terms, terms_for
from cpq.documents.variants import Variant

WITH_LOGO = Parties(
    PARTIES.seller_name,
    PARTIES.seller_address,
    PARTIES.customer_name,
    PARTIES.rep_name,
    seller_logo="quote/logo.svg",
)


def _context(parties: Parties = PARTIES, **kwargs: object) -> dict[str, object]:
    lang = str(kwargs.pop("lang", "en"))
    return quote_context(
        QUOTE,
        version([line(1), line(2)]),
        parties,
        lang=lang,
        template_version=template_version(),
        **kwargs,  # type: ignore[arg-type]
    )


def _xobjects(pdf: bytes) -> int:
    page = reader(pdf).pages[0]
    resources = page["/Resources"].get_object()
    return len(resources["/XObject"]) if "/XObject" in resources else 0


def test_latin_text_and_the_logo_use_only_the_documents_own_fonts() -> None:
    """A system font embedded as well would cost its subsetting (DejaVu: 40 ms a page)."""
    embedded = fonts(render_quote_pdf(_context(WITH_LOGO, lang="de")))

    assert embedded and all("Quote-Sans" in name for name in embedded), embedded
    assert all(embedded.values())


def test_the_seller_logo_is_drawn_when_set() -> None:
    assert _xobjects(render_quote_pdf(_context(WITH_LOGO))) > _xobjects(
        render_quote_pdf(_context())
    )


def test_terms_files_are_read_as_paragraphs_without_comments() -> None:
    assert parse_terms("# note\n\nOne\nline.\n\n\nTwo.\n") == ["One line.", "Two."]
    assert terms_for("xx") == []
    english, german = terms_for("en"), terms_for("de")
    assert english and german and english != german


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "TERMS AND CONDITIONS"), ("de", "ALLGEMEINE")]
)
def test_the_terms_of_the_documents_language_are_printed(lang: str, heading: str) -> None:
    terms = terms_for(lang)
    found = squeezed(text(render_quote_pdf(_context(lang=lang, terms=terms))))

    assert squeezed(heading) in found
    assert squeezed(terms[0]) in found


def test_without_a_tax_estimate_the_total_says_it_excludes_taxes() -> None:
    ctx = _context()

    assert ctx["tax"] is None
    assert "All amounts exclude taxes." in text(render_quote_pdf(ctx))


def test_a_configured_tax_estimate_adds_the_tax_and_the_total_with_it() -> None:
    ctx = _context(tax_rate_percent=Decimal("19"))  # the total is 1,234.50

    found = text(render_quote_pdf(ctx))
    assert "Estimated tax (19%)" in found
    assert "€234.56" in found  # 1,234.50 x 19% = 234.555, rounded half up to the cent
    assert "€1,469.06" in found
    assert "exclude taxes" not in found


@pytest.mark.parametrize(
    ("lang", "quote_locale", "expected"),
    [
        (None, "de-CH", ("de", "de_CH")),
        (None, "de-DE", ("de", "de_DE")),
        (None, "en-GB", ("en", "en_GB")),
        (None, "fr-FR", ("en", "en_US")),  # no French labels yet: English, US formats
        ("en", "de-CH", ("en", "en_US")),  # asked for English: English formats
        ("de", "en-US", ("de", "de_DE")),
        (None, None, ("en", "en_US")),
        (None, "not a locale", ("en", "en_US")),
    ],
)
def test_the_document_language_and_formats_follow_the_quote_locale(
    lang: str | None, quote_locale: str | None, expected: tuple[str, str]
) -> None:
    assert document_locale(lang, quote_locale) == expected


def test_swiss_german_quotes_use_swiss_number_formats() -> None:
    found = text(render_quote_pdf(_context(lang="de", locale="de_CH")))

    assert re.search(r"1[\u2019']234\.50", found), found  # Swiss grouping, decimal point


def test_the_pdf_a_variant_declares_pdf_a_3b_and_embeds_its_fonts() -> None:
    pdf = render_quote_pdf(context(status="approved"), variant=Variant.PDF_A)

    pdf_reader = reader(pdf)
    metadata = pdf_reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in metadata or "<pdfaid:part>3</pdfaid:part>" in metadata
    assert "B" in re.findall(r"pdfaid:conformance[=>\"]+(\w)", metadata)
    assert "/OutputIntents" in pdf_reader.trailer["/Root"]
    assert "SKU-00001" in text(pdf)
    assert render_quote_pdf(context(status="approved"), variant=Variant.PDF_A) == pdf


def test_the_pdf_ua_variant_is_tagged_with_its_language() -> None:
    pdf = render_quote_pdf(context(lang="de"), variant=Variant.PDF_UA)

    root = reader(pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] is True or str(root["/MarkInfo"]["/Marked"]) == "True"
    assert str(root["/Lang"]) == "de"
    assert "SKU-00001" in text(pdf)


def test_the_preview_is_one_self_contained_page() -> None:
    html = render_quote_html(_context(WITH_LOGO))

    assert "<link" not in html and "<style>" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "file://" not in html
    assert "SKU-00001" in html and "SKU-00002" in html and "Q-2026-000042" in html


def test_the_preview_escapes_what_people_typed() -> None:
    html = render_quote_html(context([line(1, name="<script>alert(1)</script>")]))

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_reps_email_is_shown_with_their_name() -> None:
    parties = Parties(
        PARTIES.seller_name, PARTIES.seller_address, "Acme AG", "Rita Rep", rep_email="rita@ex.com"
    )

    assert "Rita Rep, rita@ex.com" in text(render_quote_pdf(_context(parties)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("default_locale", "xx-nowhere", "CPQ_DEFAULT_LOCALE"),
        ("seller_logo", "../secrets.png", "CPQ_SELLER_LOGO"),
        ("seller_logo", "/etc/logo.png", "CPQ_SELLER_LOGO"),
    ],
)
def test_settings_refuse_a_bad_locale_or_a_logo_outside_templates(
    field: str, value: str, message: str
) -> None:
    from pydantic import ValidationError

    from cpq.settings import Settings

    with pytest.raises(ValidationError, match=message):
        Settings(**{field: value})


def test_the_own_fonts_are_embedded_whole_only_when_they_cover_the_text() -> None:
    from cpq.documents.render import covered

    latin = context([line(1, name="Größe 4\u201320 mA, café")])
    cyrillic = context([line(1, name="Датчик давления")])

    assert covered(latin)
    assert not covered(cyrillic)
    found = text(render_quote_pdf(cyrillic))
    assert "Датчик давления" in found  # drawn with a fallback font, subset and embedded
    assert all(fonts(render_quote_pdf(cyrillic)).values())
