"""The fixed words of a quote document, per language (the quote's figures are formatted by Babel)."""

from __future__ import annotations

from collections.abc import Mapping

EN: Mapping[str, str] = {
    "quote": "Quote",
    "seller": "From",
    "customer": "Customer",
    "number": "Quote number",
    "version": "Version",
    "date": "Date",
    "valid_until": "Valid until",
    "contact": "Your contact",
    "sku": "Item",
    "description": "Description",
    "quantity": "Quantity",
    "list_price": "Unit list price",
    "discount": "Discount",
    "net_unit_price": "Net unit price",
    "line_total": "Line total",
    "recurring_note": "per month, {months} months",
    "one_time_subtotal": "One-time subtotal",
    "recurring_monthly": "Recurring per month",
    "recurring_subtotal": "Recurring subtotal (whole term)",
    "quote_adjustments": "Quote adjustments",
    "quote_discount": "Discount of {percent} on the quote",
    "total": "Total",
    "excluding_taxes": "All amounts exclude taxes.",
    "acceptance": "Acceptance",
    "acceptance_text": "We accept this quote and its terms.",
    "name_title": "Name and title",
    "signature": "Signature",
    "place_date": "Place and date",
    "page": "Page",
    "of": "of",
    "draft": "DRAFT - not valid for acceptance",
    "notes": "Notes",
    "payment_terms": "Payment terms",
    "terms": "Terms and conditions",
    "tax_estimate": "Estimated tax ({rate})",
    "total_with_tax": "Total including estimated tax",
    "tax_statement": "Tax estimated at {rate}; the invoice states the tax due.",
}

DE: Mapping[str, str] = {
    "quote": "Angebot",
    "seller": "Anbieter",
    "customer": "Kunde",
    "number": "Angebotsnummer",
    "version": "Version",
    "date": "Datum",
    "valid_until": "Gültig bis",
    "contact": "Ihr Ansprechpartner",
    "sku": "Artikel",
    "description": "Beschreibung",
    "quantity": "Menge",
    "list_price": "Listenpreis je Einheit",
    "discount": "Rabatt",
    "net_unit_price": "Nettopreis je Einheit",
    "line_total": "Gesamt",
    "recurring_note": "pro Monat, {months} Monate",
    "one_time_subtotal": "Zwischensumme einmalig",
    "recurring_monthly": "Wiederkehrend pro Monat",
    "recurring_subtotal": "Zwischensumme wiederkehrend (gesamte Laufzeit)",
    "quote_adjustments": "Anpassungen auf das Angebot",
    "quote_discount": "Rabatt von {percent} auf das Angebot",
    "total": "Gesamtsumme",
    "excluding_taxes": "Alle Beträge verstehen sich zuzüglich Steuern.",
    "acceptance": "Annahme",
    "acceptance_text": "Wir nehmen dieses Angebot und seine Bedingungen an.",
    "name_title": "Name und Funktion",
    "signature": "Unterschrift",
    "place_date": "Ort und Datum",
    "page": "Seite",
    "of": "von",
    "draft": "ENTWURF - nicht zur Annahme gültig",
    "notes": "Anmerkungen",
    "payment_terms": "Zahlungsbedingungen",
    "terms": "Allgemeine Bedingungen",
    "tax_estimate": "Geschätzte Steuer ({rate})",
    "total_with_tax": "Gesamtsumme einschließlich geschätzter Steuer",
    "tax_statement": "Steuer geschätzt mit {rate}; maßgeblich ist die Rechnung.",
}

LABELS: Mapping[str, Mapping[str, str]] = {"en": EN, "de": DE}
LANGUAGES = tuple(LABELS)


def labels_for(lang: str) -> Mapping[str, str]:
    """The labels of ``lang`` (``en`` or ``de``); ``KeyError`` for any other."""
    return LABELS[lang]
