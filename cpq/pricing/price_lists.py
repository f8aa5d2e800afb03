"""Finding a line's list price: which list, which entry, in which unit and currency.

Lists are tried in order: the context's override, the customer's contract list, the list of the
customer's segment (partner lists too), then the standard lists in the quote currency; only when
none has a price does a standard list in another currency count, converted at the synced rate of
the pricing date (docs/pricing.md, "Price list resolution"). A derived list takes its base list's
price and adjusts it by a percentage, compounding along a chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from cpq.pricing.rules.model import RuleSet
from cpq.pricing.snapshot import PriceEntry, PricingCatalog
from cpq.pricing.waterfall import Conversion, PriceSource

ONE = Decimal(1)
HUNDRED = Decimal(100)


class ListPrice(NamedTuple):
    unit_price: Decimal  # per sold unit, quote currency, full precision
    source: PriceSource


def rate(
    catalog: PricingCatalog, from_currency: str, to_currency: str, day: date
) -> Conversion | None:
    """The rate of ``day``: the latest synced rate dated on or before it, direct, else inverted."""
    for pair, inverted in (
        ((from_currency, to_currency), False),
        ((to_currency, from_currency), True),
    ):
        best = None
        for r in catalog.rates.get(pair, ()):
            if r.valid_date > day:
                break
            best = r
        if best is not None:
            value = ONE / best.rate if inverted else best.rate
            return Conversion(from_currency, value, best.valid_date, inverted)
    return None


class ListPricer:
    """Resolves list prices for one quote: the context is fixed, the lines vary."""

    def __init__(
        self,
        catalog: PricingCatalog,
        rules: RuleSet,
        *,
        currency: str,
        day: date,
        customer: str | None,
        segment: str | None,
        override: str | None,
    ) -> None:
        self.catalog, self.rules = catalog, rules
        self.currency, self.day, self.customer = currency, day, customer
        self.lists = list(self._lists(override, segment))
        self._rates: dict[str, Conversion | None] = {}  # from currency -> today's rate
        # Of the last line looked up: currencies it has a price in, but no rate of the day.
        self.unconvertible: set[str] = set()

    def to_quote_currency(
        self, amount: Decimal, currency: str
    ) -> tuple[Decimal, Conversion | None] | None:
        """``amount`` in the quote currency at the pricing date's rate (see ``rate``)."""
        if currency == self.currency:
            return amount, None
        if currency not in self._rates:
            self._rates[currency] = rate(self.catalog, currency, self.currency, self.day)
        conversion = self._rates[currency]
        return (amount * conversion.rate, conversion) if conversion is not None else None

    def _lists(self, override: str | None, segment: str | None) -> Iterator[tuple[str, str]]:
        if override:
            yield override, "override"
        record = self.catalog.customers.get(self.customer) if self.customer else None
        if record is not None and record.contract_price_list:
            yield record.contract_price_list, "contract"
        # A segment names one list per currency; the one in the quote currency counts.
        for code in self.rules.segment_lists.get(segment or "", ()):
            if self.currency_of(code) == self.currency:
                yield code, "segment"
                break
        standard = sorted(
            code
            for code, pl in self.catalog.price_lists.items()
            if pl.kind == "standard" and pl.currency == self.currency and pl.valid_on(self.day)
        )
        yield from ((code, "standard") for code in standard)

    def currency_of(self, code: str) -> str | None:
        seen: set[str] = set()
        while code in self.rules.derived_lists and code not in seen:
            seen.add(code)
            code = self.rules.derived_lists[code].base
        price_list = self.catalog.price_lists.get(code)
        return price_list.currency if price_list is not None else None

    def _conversion_lists(self) -> Iterator[str]:
        order = self.rules.conversion_currencies or tuple(
            sorted({pl.currency for pl in self.catalog.price_lists.values()})
        )
        for currency in order:
            if currency == self.currency:
                continue
            yield from sorted(
                code
                for code, pl in self.catalog.price_lists.items()
                if pl.kind == "standard" and pl.currency == currency and pl.valid_on(self.day)
            )

    def list_price(
        self, sku: str, unit: str, quantity: Decimal, base_quantity: Decimal
    ) -> ListPrice | None:
        self.unconvertible = set()
        for code, reason in self.lists:
            found = self.in_list(code, sku, unit, quantity, base_quantity, reason)
            if found is not None:
                return found
        for code in self._conversion_lists():
            found = self.in_list(code, sku, unit, quantity, base_quantity, "conversion")
            if found is not None:
                return found
        return None

    def in_list(
        self,
        code: str,
        sku: str,
        unit: str,
        quantity: Decimal,
        base_quantity: Decimal,
        reason: str = "",
    ) -> ListPrice | None:
        """The price of ``sku`` in list ``code`` (synced or derived), in the quote currency."""
        derived = self.rules.derived_lists.get(code)
        if derived is not None:
            base = self.in_list(derived.base, sku, unit, quantity, base_quantity, reason)
            if base is None:
                return None
            factor = ONE + derived.percent / HUNDRED
            source = base.source._replace(
                price_list=code,
                derived_from=((derived.base, derived.percent), *base.source.derived_from),
            )
            return ListPrice(base.unit_price * factor, source)
        entries = self.catalog.entries.get((code, sku))
        if not entries:
            return None  # the usual miss (a contract list without this SKU): nothing to check
        price_list = self.catalog.price_lists.get(code)
        if price_list is None or not price_list.valid_on(self.day):
            return None
        entry, per_unit = self._entry(entries, sku, unit, quantity, base_quantity)
        if entry is None:
            return None
        converted = self.to_quote_currency(per_unit, price_list.currency)
        if converted is None:
            self.unconvertible.add(price_list.currency)  # a price, but no rate to use it
            return None
        amount, conversion = converted
        return ListPrice(
            amount,
            PriceSource(
                price_list=code,
                reason=reason,
                currency=price_list.currency,
                unit=entry.unit,
                min_quantity=entry.min_quantity,
                entry_price=entry.unit_price,
                customer_specific=entry.customer is not None,
                valid_from=entry.valid_from,
                valid_to=entry.valid_to,
                conversion=conversion,
            ),
        )

    def _entry(
        self,
        entries: tuple[PriceEntry, ...],
        sku: str,
        unit: str,
        quantity: Decimal,
        base_quantity: Decimal,
    ) -> tuple[PriceEntry | None, Decimal]:
        """The entry that prices the line, and its price per sold unit (list currency).

        An entry in the sold unit first, judged on the sold quantity; else one in the base unit,
        judged on the base quantity and scaled by the unit's factor. Within a unit, the customer's
        own prices before general ones, then the highest price break reached.
        """
        base_unit = self.catalog.items[sku].base_unit
        tries = (
            [(unit, quantity)]
            if unit == base_unit
            else [(unit, quantity), (base_unit, base_quantity)]
        )
        for entry_unit, counted in tries:
            best = self._best(entries, entry_unit, counted)
            if best is not None:
                factor = ONE if entry_unit == unit else self.catalog.units[(sku, unit)]
                return best, best.unit_price * factor
        return None, Decimal(0)

    def _best(
        self, entries: tuple[PriceEntry, ...], unit: str, counted: Decimal
    ) -> PriceEntry | None:
        general: PriceEntry | None = None
        own: PriceEntry | None = None
        day, customer = self.day, self.customer
        for e in entries:
            if e.unit != unit or e.min_quantity > counted:
                continue
            if (e.valid_from is not None and e.valid_from > day) or (
                e.valid_to is not None and e.valid_to < day
            ):
                continue
            if e.customer is None:
                if general is None or e.min_quantity > general.min_quantity:
                    general = e
            elif e.customer == customer and (own is None or e.min_quantity > own.min_quantity):
                own = e
        return own or general
