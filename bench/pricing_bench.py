"""Pricing engine benchmark: quotes of 100, 1,000 and 10,000 lines against 10, 500 and 10,000 rules.

Everything is generated from one seed (``random.Random``): a catalog of 20,000 items in a 3-level
product-group tree with brands and costs (some in USD), a standard EUR list with price breaks, a
USD list, a customer contract list, customer-specific entries, exchange rates; rule sets written as
YAML text and loaded with the real loader (``rule_set_from_texts``: schema, expression compiling and
the ambiguity check), mixing every rule kind; quotes of random SKUs and quantities (some in boxes,
some configured bundles with options, a support line priced as a percent of the hardware) for an
enterprise customer in DE.

Measured in one process, each figure the median (p50) of ``--runs`` runs after warm-up runs, with
``time.perf_counter``:

- the floor: a plain Decimal loop, list price (from a dict per SKU) x quantity, summed, over the
  same lines as the quote;
- pricing (``PricingEngine(rule_set).price``): the engine is built once per rule set and reused,
  so its load and compile time is not in these figures but in its own rows;
- loading and validating each rule set from its YAML texts, and building the engine;
- the peak memory (tracemalloc) of pricing the 10,000-line quote.

Targets: a 1,000-line quote with 500 rules prices in <= 50 ms p50 and <= 20x its floor;
10,000 rules cost <= 3x what 10 rules cost (100-line quote).

    python bench/pricing_bench.py [--runs 21] [--quick] [--profile]

``--quick`` runs the same code on small sizes (the test suite runs it); ``--profile`` adds a
cProfile of pricing the 1,000-line quote with 500 rules.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import re
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from cpq.db.engine import make_engine
from cpq.db.migrate import upgrade
from cpq.pricing.engine import PricingEngine
from cpq.pricing.inputs import (
    DiscountKind,
    LineInput,
    ManualDiscount,
    PricingContext,
    PricingRequest,
)
from cpq.pricing.rules.files import rule_set_from_texts
from cpq.pricing.rules.model import STEP_OF, RuleSet
from cpq.pricing.snapshot import (
    Customer,
    ExchangeRate,
    Item,
    PriceEntry,
    PriceList,
    PricingCatalog,
)
from cpq.pricing.waterfall import PricedQuote
from cpq.services.catalog_cache import CACHE
from cpq.services.catalog_sync import run_sync
from cpq.services.pricing import engine_for, full_catalog, price_request
from cpq.settings import REPO_ROOT
from cpq.sync.mapping import load_profile
from cpq.sync.sources.files import FolderSource

DEMO_EXPORT = REPO_ROOT / "catalog" / "demo-export"

D = Decimal
DAY = date(2026, 3, 2)
CUSTOMER = "C-0042"
CONTRACT = "CON-0042"
PROMO = "SPRING26"
CENT = D("0.01")


@dataclass(frozen=True, slots=True)
class Sizes:
    items: int
    small_lines: int  # priced with few_rules and with many_rules
    lines: int  # the target quote
    large_lines: int
    few_rules: int  # the shared rules alone
    rules: int
    many_rules: int
    runs: int
    warmup: int
    load_runs: int
    demo_lines: int = 300  # the larger basket priced from the database (the demo has ~350 SKUs)


FULL = Sizes(20_000, 100, 1_000, 10_000, 10, 500, 10_000, runs=21, warmup=3, load_runs=3)
QUICK = Sizes(2_000, 20, 100, 300, 10, 60, 300, runs=3, warmup=1, load_runs=1, demo_lines=50)


# --- catalog -------------------------------------------------------------------------------------

TOPS = {
    "HW": ("Hardware", "each", 5.0),  # code: name, base unit, log of a typical unit cost
    "NET": ("Networking", "each", 4.5),
    "SW": ("Software", "each", 4.0),
    "SVC": ("Services", "h", 4.2),
    "CAB": ("Cables", "m", 0.6),
    "ACC": ("Accessories", "each", 2.3),
}
BRANDS = (
    "Veritrace",
    "Acrona",
    "Baltec",
    "Corvane",
    "Delmont",
    "Elstar",
    "Fennec",
    "Galvia",
    "Helix",
    "Iberna",
    "Junor",
    "Kestrel",
    "Lumora",
    "Mertec",
    "Norrland",
    "Orvix",
    "Pellar",
    "Quadrant",
    "Rovena",
    "Solvik",
    "Tarsis",
    "Umbria",
    "Vantor",
    "Wexley",
)
SEGMENTS = ("enterprise", "midmarket", "smb", "partner")
TERRITORIES = ("DE", "AT", "CH", "FR", "NL", "UK", "US")
SUBSCRIPTIONS = "SW-01-01"  # recurring (core rule)
SUPPORT = "SVC-01-01"  # support contracts: percent of the hardware (core rule)
BUNDLES = "HW-05-01"  # configurable cabinets ...
MODULES = "HW-05-02"  # ... and the modules configured into them
SPECIAL = {SUPPORT, BUNDLES, MODULES}


@dataclass
class World:
    """The generated catalog and what quotes and rules are drawn from."""

    catalog: PricingCatalog
    list_prices: dict[str, Decimal]  # the floor's dict: SKU -> list price per base unit, EUR
    tops: list[str]
    mids: list[str]
    leaves: list[str]
    by_leaf: dict[str, list[str]]
    brands_used: list[str]
    quotable: list[str]  # active, priced, not special
    support: list[str]
    bundles: list[str]
    modules: list[str]
    boxed: set[str]


def money(value: float) -> Decimal:
    return D(str(max(value, 0.01))).quantize(CENT)


def build_world(items: int, seed: int) -> World:
    rng = random.Random(f"{seed}:catalog")
    mids = [f"{top}-{m:02d}" for top in TOPS for m in range(1, 6)]
    leaves = [f"{mid}-{n:02d}" for mid in mids for n in range(1, 7)]
    leaf_weight = [rng.paretovariate(1.5) for _ in leaves]  # some groups hold far more items
    mid_brands = {mid: rng.sample(BRANDS, rng.randint(3, 6)) for mid in mids}
    by_leaf: dict[str, list[str]] = {leaf: [] for leaf in leaves}
    catalog_items: dict[str, Item] = {}
    units: dict[tuple[str, str], Decimal] = {}
    entries: dict[tuple[str, str], list[PriceEntry]] = {}
    list_prices: dict[str, Decimal] = {}
    boxed: set[str] = set()

    def add(e: PriceEntry) -> None:
        entries.setdefault((e.price_list, e.sku), []).append(e)

    # Every special group gets items, whatever the weights drew.
    special = [SUPPORT] * 3 + [BUNDLES] * 5 + [MODULES] * 5
    chosen = [*special, *rng.choices(leaves, leaf_weight, k=max(items - len(special), 0))]
    usd = D("1.0850")
    for n, leaf in enumerate(chosen[:items]):
        sku = f"SKU-{n:06d}"
        top, mid = leaf[: leaf.index("-")], leaf[:-3]
        _, base_unit, mu = TOPS[top]
        if leaf == SUPPORT:
            base_unit = "each"
        brand = rng.choice(mid_brands[mid]) if rng.random() < 0.97 else None
        cost = money(rng.lognormvariate(mu, 0.9))
        no_cost = (top == "SW" and rng.random() < 0.2) or rng.random() < 0.02
        cost_currency = "USD" if rng.random() < 0.2 else "EUR"
        price = money(float(cost) * rng.uniform(1.3, 2.4))
        catalog_items[sku] = Item(
            sku=sku,
            name=f"{brand or 'Generic'} {TOPS[top][0].lower()} item {n}",
            base_unit=base_unit,
            groups=(top, mid, leaf),
            brand=brand,
            unit_cost=None if no_cost else (cost * usd if cost_currency == "USD" else cost),
            cost_currency=None if no_cost else cost_currency,
            active=rng.random() > 0.01 or leaf in SPECIAL,
        )
        by_leaf[leaf].append(sku)
        units[(sku, base_unit)] = D(1)
        list_prices[sku] = price
        if rng.random() < 0.99 or leaf in SPECIAL:
            valid_from = None
            if rng.random() < 0.05:  # last year's price, no longer valid
                add(
                    PriceEntry(
                        "STD-EUR",
                        sku,
                        base_unit,
                        D(0),
                        money(float(price) * 0.95),
                        date(2025, 1, 1),
                        date(2025, 12, 31),
                    )
                )
                valid_from = date(2026, 1, 1)
            add(PriceEntry("STD-EUR", sku, base_unit, D(0), price, valid_from))
            if top not in ("SW", "SVC") and rng.random() < 0.2:  # price breaks
                for min_qty, off in rng.sample(((10, 0.97), (50, 0.94), (200, 0.90)), 2):
                    add(
                        PriceEntry("STD-EUR", sku, base_unit, D(min_qty), money(float(price) * off))
                    )
            if rng.random() < 0.01:
                add(
                    PriceEntry(
                        "STD-EUR",
                        sku,
                        base_unit,
                        D(0),
                        money(float(price) * 0.93),
                        customer=CUSTOMER,
                    )
                )
        else:  # only in the USD list: converted at the day's rate
            list_prices[sku] = (price * usd).quantize(CENT)
        add(PriceEntry("STD-USD", sku, base_unit, D(0), (price * usd).quantize(CENT)))
        if top == "ACC" and rng.random() < 0.5:  # also sold by the box of 10
            boxed.add(sku)
            units[(sku, "box")] = D(10)
            add(PriceEntry("STD-EUR", sku, "box", D(0), money(float(price) * 10 * 0.95)))
        if rng.random() < 0.08:
            add(
                PriceEntry(
                    CONTRACT, sku, base_unit, D(0), money(float(price) * rng.uniform(0.85, 0.95))
                )
            )

    price_lists = {
        "STD-EUR": PriceList("STD-EUR", "Standard EUR", "EUR", "standard"),
        "STD-USD": PriceList("STD-USD", "Standard USD", "USD", "standard"),
        CONTRACT: PriceList(CONTRACT, "Contract 0042", "EUR", "contract", date(2026, 1, 1)),
        "STD-EUR-2024": PriceList(
            "STD-EUR-2024", "Standard EUR 2024", "EUR", "standard", valid_to=date(2024, 12, 31)
        ),
    }
    customers = {
        f"C-{n:04d}": Customer(
            f"C-{n:04d}",
            f"Customer {n}",
            rng.choice(SEGMENTS),
            rng.choice(TERRITORIES),
            "EUR",
        )
        for n in range(200)
    }
    customers[CUSTOMER] = Customer(CUSTOMER, "Nordwerk AG", "enterprise", "DE", "EUR", CONTRACT)
    rates: dict[tuple[str, str], tuple[ExchangeRate, ...]] = {}
    for pair, around in ((("USD", "EUR"), 0.92), (("GBP", "EUR"), 1.17)):
        rates[pair] = tuple(
            ExchangeRate(
                *pair, DAY - timedelta(days=d), D(f"{around * rng.uniform(0.98, 1.02):.4f}")
            )
            for d in range(90, -1, -1)
        )
    catalog = PricingCatalog(
        version=1,
        items=catalog_items,
        price_lists=price_lists,
        entries={k: tuple(v) for k, v in entries.items()},
        units=units,
        customers=customers,
        rates=rates,
    )
    priced = {sku for _, sku in entries}
    quotable = [
        sku
        for sku, it in catalog_items.items()
        if it.active and sku in priced and it.groups[-1] not in SPECIAL
    ]
    used = sorted({it.brand for it in catalog_items.values() if it.brand})
    return World(
        catalog=catalog,
        list_prices=list_prices,
        tops=list(TOPS),
        mids=mids,
        leaves=leaves,
        by_leaf=by_leaf,
        brands_used=used,
        quotable=quotable,
        support=by_leaf[SUPPORT][:3],
        bundles=by_leaf[BUNDLES][:20],
        modules=by_leaf[MODULES][:40],
        boxed=boxed,
    )


# --- quotes --------------------------------------------------------------------------------------


def context() -> PricingContext:
    return PricingContext(
        currency="EUR",
        pricing_date=DAY,
        customer=CUSTOMER,
        segment="enterprise",
        territory="DE",
        codes=frozenset({PROMO}),
    )


def _quantity(rng: random.Random, unit: str) -> Decimal:
    if unit == "m":
        return (
            D(rng.choice((5, 10, 25, 50, 100, 150, 305, 500, 1000)))
            + D(rng.choice((0, 0, 0, 5))) / 10
        )
    if unit == "h":
        return D(rng.choice((1, 2, 4, 8, 16, 24, 40, 80)))
    roll = rng.random()
    if roll < 0.6:
        return D(rng.randint(1, 5))
    if roll < 0.85:
        return D(rng.randint(6, 24))
    if roll < 0.95:
        return D(rng.randint(25, 120))
    return D(rng.randint(121, 1000))


def build_quote(world: World, size: int, seed: int) -> tuple[PricingRequest, list[LineInput]]:
    """A request of exactly ``size`` priced lines (options count), and those lines flat."""
    rng = random.Random(f"{seed}:quote:{size}")
    items = world.catalog.items
    skus = rng.sample(world.quotable, min(size, len(world.quotable)))
    lines: list[LineInput] = []
    count = 1  # the support line, last
    n = 0
    while count < size:
        if count + 3 <= size and rng.random() < 0.01:  # a configured cabinet with 2 modules
            options = tuple(
                LineInput(f"L{n:05d}.{k}", sku, D(rng.randint(1, 4)))
                for k, sku in enumerate(rng.sample(world.modules, 2), start=1)
            )
            lines.append(
                LineInput(
                    f"L{n:05d}", rng.choice(world.bundles), D(rng.randint(1, 3)), options=options
                )
            )
            count += 3
        else:
            sku = skus[n % len(skus)]
            unit = "box" if sku in world.boxed and rng.random() < 0.4 else None
            base = items[sku].base_unit
            quantity = D(rng.randint(1, 20)) if unit else _quantity(rng, base)
            roll = rng.random()
            lines.append(
                LineInput(
                    f"L{n:05d}",
                    sku,
                    quantity,
                    unit=unit,
                    manual_discount=ManualDiscount(
                        DiscountKind.PERCENT, D(rng.choice((3, 5, 7))), "competitor match"
                    )
                    if roll < 0.02
                    else None,
                    manual_price=world.list_prices[sku] * D("0.9")
                    if unit is None and 0.02 <= roll < 0.025
                    else None,
                )
            )
            count += 1
        n += 1
    lines.append(LineInput("SUPPORT", world.support[0], D(1)))
    flat = [x for ln in lines for x in (ln, *ln.options)]
    assert len(flat) == size, (len(flat), size)
    return PricingRequest(context(), tuple(lines)), flat


def floor(prices: dict[str, Decimal], lines: Sequence[LineInput]) -> Decimal:
    total = Decimal(0)
    for ln in lines:
        total += prices[ln.sku] * ln.quantity
    return total


# --- rule sets -----------------------------------------------------------------------------------


class Rules:
    """Rules as plain data, each given the lowest priority (from its base) at which no other rule of
    its step already names one of its scope keys: the generated set is never ambiguous."""

    def __init__(self) -> None:
        self.taken: set[tuple[object, int, str]] = set()
        self.rules: list[dict[str, Any]] = []
        self.ids: Counter[str] = Counter()

    def add(
        self, rid: str, description: str, then: dict[str, Any], *, base: int = 0, **kw: Any
    ) -> None:
        step = STEP_OF[then["kind"]]
        scope = kw.get("applies_to", {})
        keys = [f"{k}:{v}" for k, names in scope.items() for v in names] or ["*"]
        priority = base
        while any((step, priority, k) in self.taken for k in keys):
            priority += 1
        self.taken.update((step, priority, k) for k in keys)
        self.ids[rid] += 1
        if self.ids[rid] > 1:
            rid = f"{rid}-{self.ids[rid]}"
        rule: dict[str, Any] = {"id": rid, "description": description}
        if priority:
            rule["priority"] = priority
        rule.update((k, v) for k, v in kw.items() if v)
        rule["then"] = then
        self.rules.append(rule)


def shared_rules(world: World, out: Rules) -> None:
    """The 10 rules every generated rule set starts with, one or more of each common kind."""
    top_brand = Counter(it.brand for it in world.catalog.items.values() if it.brand).most_common(1)
    brand = top_brand[0][0]
    out.add(
        "hw-enterprise-volume",
        "Enterprise volume discount on hardware",
        {"kind": "discount_percent", "percent": 8},
        applies_to={"groups": ["HW"]},
        when={"expression": 'segment == "enterprise" and quantity >= 10'},
        combination="additive",
    )
    out.add(
        f"brand-{brand.lower()}-partner",
        f"{brand} partner programme",
        {"kind": "discount_percent", "percent": 5},
        applies_to={"brands": [brand]},
        combination="compounding",
    )
    out.add(
        "acc-volume",
        "Accessories: volume range on quantity",
        {
            "kind": "volume_range",
            "tiers": [
                {"up_to": 9, "percent": 0},
                {"up_to": 49, "percent": 5},
                {"up_to": 199, "percent": 10},
                {"percent": 15},
            ],
        },
        applies_to={"groups": ["ACC"]},
    )
    out.add(
        "cab-graduated",
        "Cables: graduated price per metre",
        {
            "kind": "volume_slab",
            "tiers": [{"up_to": 100, "percent": 0}, {"up_to": 500, "percent": 8}, {"percent": 15}],
        },
        applies_to={"groups": ["CAB"]},
    )
    out.add(
        "sw-markup",
        "Software priced at cost plus 60%",
        {"kind": "markup_on_cost", "percent": 60},
        applies_to={"groups": ["SW"]},
    )
    out.add(
        "hw-net-endings",
        "Hardware and networking prices end in .90",
        {"kind": "price_rounding", "ending": {"multiple": 1, "ending": 0.9, "direction": "down"}},
        applies_to={"groups": ["HW", "NET"]},
    )
    out.add(
        "margin-floor",
        "No line below a 10% margin",
        {"kind": "margin_floor", "percent": 10, "action": "raise"},
    )
    out.add(
        "order-volume",
        "Order volume discount",
        {
            "kind": "order_discount",
            "basis": "amount",
            "tiers": [
                {"threshold": 50000, "percent": 2},
                {"threshold": 250000, "percent": 3},
                {"threshold": 1000000, "percent": 4},
            ],
        },
        combination="additive",
    )
    out.add(
        "subscriptions",
        "Subscriptions bill monthly for 12 months",
        {"kind": "recurring", "term_months": 12},
        applies_to={"groups": [SUBSCRIPTIONS]},
    )
    out.add(
        "support-of-hardware",
        "Support contract: 12% of the hardware",
        {"kind": "percent_of_total", "percent": 12, "of": {"groups": ["HW"]}},
        applies_to={"skus": world.support},
    )


LINE_EXPRESSIONS = (
    'segment == "enterprise" and quantity >= {q}',
    'territory in ["DE", "AT", "CH"]',
    "line_amount >= {a}",
    '"{promo}" in codes and quantity >= {q}',
    'segment != "smb" and line_amount >= {a}',
    'date >= d"2026-01-01" and quantity >= {q}',
)


def _when(rng: random.Random) -> dict[str, Any]:
    """Conditions for a discount: most have none; the rest an expression, typed sets (segments,
    territories, promotion codes) or a quantity range."""
    roll = rng.random()
    if roll < 0.55:
        return {}
    if roll < 0.75:
        template = rng.choice(LINE_EXPRESSIONS)
        q, a = rng.choice((5, 10, 20, 50)), rng.choice((250, 500, 1000, 5000))
        return {"expression": template.format(q=q, a=a, promo=PROMO)}
    if roll < 0.85:
        return {"segments": rng.sample(SEGMENTS, rng.randint(1, 2))}
    if roll < 0.92:
        return {"territories": rng.sample(TERRITORIES, rng.randint(1, 3))}
    if roll < 0.96:
        return {"codes": [PROMO]}
    return {"quantity": {"min": rng.choice((10, 25, 100))}}


def _validity(rng: random.Random, rule: dict[str, Any]) -> None:
    roll = rng.random()
    if roll < 0.08:  # a campaign running now
        rule["valid_from"], rule["valid_to"] = date(2026, 2, 1), date(2026, 4, 30)
    elif roll < 0.12:  # last year's campaign
        rule["valid_from"], rule["valid_to"] = date(2025, 5, 1), date(2025, 6, 30)


def _tiers_percent(rng: random.Random, bounds: Sequence[int]) -> list[dict[str, Any]]:
    percents = sorted(rng.sample(range(0, 25), len(bounds) + 1))
    tiers: list[dict[str, Any]] = [
        {"up_to": b, "percent": p} for b, p in zip(bounds, percents, strict=False)
    ]
    return [*tiers, {"percent": percents[-1]}]


def _tiers_price(rng: random.Random, list_price: Decimal) -> list[dict[str, Any]]:
    factors = (1.0, rng.uniform(0.9, 0.97), rng.uniform(0.8, 0.9))
    bounds = (rng.choice((4, 9)), rng.choice((24, 49)), None)
    return [
        {"up_to": b, "price": {"EUR": money(float(list_price) * f)}}
        if b
        else {"price": {"EUR": money(float(list_price) * f)}}
        for b, f in zip(bounds, factors, strict=True)
    ]


SCOPED_WORDS = {
    "discount": "Group discount:",
    "brand_discount": "Brand discount:",
    "range": "Volume range pricing on",
    "slab": "Graduated pricing on",
    "markup": "Cost-plus pricing on",
    "formula": "List less a discount, ending .99, on",
    "surcharge": "Freight surcharge on",
    "margin_floor": "Flag low margins on",
    "rounding": "Round the prices of",
    "order": "Order quantity discount on",
    "recurring": "Billed monthly:",
    "free": "Buy 10 get 1 free on",
    "bundle": "Modules in a cabinet:",
}
SKU_WORDS = {
    "fixed": "Net price of",
    "contract": "Contract price of",
    "discount": "Discount on",
    "amount": "Amount off",
    "range": "Volume prices of",
    "slab": "Graduated prices of",
    "block": "Price per reel of",
    "markup": "Cost-plus price of",
}


def scoped_rule(world: World, rng: random.Random, out: Rules) -> None:
    """A rule on a product group (any level) or a brand."""
    level = rng.random()
    group = rng.choice(world.tops if level < 0.1 else world.mids if level < 0.5 else world.leaves)
    brand = rng.choice(world.brands_used)
    kinds = {"discount": 30, "brand_discount": 12, "range": 8, "slab": 4, "markup": 5}
    kinds |= {"formula": 5, "surcharge": 4, "margin_floor": 4, "rounding": 4, "order": 3}
    kinds |= {"recurring": 2, "free": 3, "bundle": 1}
    kind = rng.choices(list(kinds), list(kinds.values()))[0]
    on: dict[str, Any] = {"applies_to": {"groups": [group]}}
    rid, name = f"grp-{group}-{kind}", group
    if kind in ("brand_discount", "surcharge", "order"):
        on, rid, name = {"applies_to": {"brands": [brand]}}, f"brand-{brand.lower()}-{kind}", brand
    pct = rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15))
    then: dict[str, Any]
    match kind:
        case "discount" | "brand_discount":
            then = {"kind": "discount_percent", "percent": pct}
            combinations = ["additive", "compounding"] + ["exclusive"] * (kind == "discount")
            on |= {"when": _when(rng), "combination": rng.choice(combinations)}
            _validity(rng, on)
        case "range" | "slab":
            bounds = sorted(rng.sample((5, 10, 25, 50, 100, 250, 500), 3))
            then = {"kind": f"volume_{kind}", "tiers": _tiers_percent(rng, bounds)}
        case "markup":
            then = {"kind": "markup_on_cost", "percent": rng.choice((25, 35, 45, 60, 80))}
        case "formula":
            ending = {"multiple": 1, "ending": 0.99}
            then = {"kind": "formula", "discount_percent": pct, "rounding": ending}
            then["min_margin"] = {"EUR": 1}
        case "surcharge":
            then = {"kind": "surcharge", "percent": rng.choice((1, 2, 3))}
            on["combination"] = "additive"
        case "margin_floor":
            then = {"kind": "margin_floor", "percent": pct, "action": "flag"}
        case "rounding":
            ending = {"multiple": rng.choice((1, 5, 10)), "ending": 0, "direction": "nearest"}
            then = {"kind": "price_rounding", "ending": ending}
        case "order":
            tiers = [{"threshold": 50, "percent": 1}, {"threshold": 200, "percent": 2}]
            then = {"kind": "order_discount", "basis": "quantity", "tiers": tiers}
            on |= {"when": {"expression": "quote_total >= 10000"}, "combination": "additive"}
        case "recurring":
            sw = rng.choice([leaf for leaf in world.leaves if leaf.startswith("SW-")])
            then = {"kind": "recurring", "term_months": rng.choice((12, 24, 36))}
            on, rid, name = {"applies_to": {"groups": [sw]}}, f"grp-{sw}-recurring", sw
        case "free":
            acc = rng.choice([leaf for leaf in world.leaves if leaf.startswith("ACC-")])
            then = {"kind": "free_items", "buy": 10, "get": 1, "recursive": True}
            on = {"applies_to": {"groups": [acc]}, "when": {"codes": [PROMO]}}
            on["combination"] = "compounding"
            rid, name = f"grp-{acc}-free", acc
        case _:  # bundle
            parents = rng.sample(world.bundles, min(5, len(world.bundles)))
            then = {"kind": "bundle_component", "parents": parents}
            if rng.random() < 0.5:
                then["percent_of_parent"] = rng.choice((5, 10))
            on, rid, name = {"applies_to": {"groups": [MODULES]}}, f"bundle-{MODULES}", MODULES
    out.add(rid, f"{SCOPED_WORDS[kind]} {name}", then, base=10, **on)


def sku_rule(world: World, rng: random.Random, out: Rules) -> None:
    """A rule on one SKU (a few on several), the bulk of a real price book."""
    kinds = {"fixed": 35, "contract": 4, "discount": 30, "amount": 8, "range": 10, "slab": 4}
    kinds |= {"block": 5, "markup": 4}
    kind = rng.choices(list(kinds), list(kinds.values()))[0]
    pool = world.quotable
    if kind == "block":  # cable sold by the reel
        pool = world.by_leaf[rng.choice([x for x in world.leaves if x.startswith("CAB-")])] or pool
    sku = rng.choice(pool)
    price = world.list_prices[sku]
    skus = [sku] if rng.random() < 0.95 else rng.sample(world.quotable, 3)
    on: dict[str, Any] = {"applies_to": {"skus": skus}}
    then: dict[str, Any]
    match kind:
        case "fixed":
            amount = money(float(price) * rng.uniform(0.82, 0.97))
            if rng.random() < 0.1:  # only a USD figure: converted on the pricing date
                then = {
                    "kind": "fixed_price",
                    "price": {"USD": (amount * D("1.085")).quantize(CENT)},
                }
            else:
                then = {"kind": "fixed_price", "price": {"EUR": amount}}
        case "contract":
            amount = money(float(price) * rng.uniform(0.75, 0.9))
            then = {"kind": "fixed_price", "price": {"EUR": amount}}
            on["when"] = {"customers": [CUSTOMER, f"C-{rng.randrange(200):04d}"]}
        case "discount":
            then = {"kind": "discount_percent", "percent": rng.choice((3, 5, 7.5, 10, 12, 15, 20))}
            on["when"] = _when(rng)
            _validity(rng, on)
        case "amount":
            off = money(float(price) * rng.uniform(0.02, 0.08))
            then = {"kind": "discount_amount", "amount": {"EUR": off}}
        case "range" | "slab":
            then = {"kind": f"volume_{kind}", "tiers": _tiers_price(rng, price)}
        case "block":
            size = D(100) if world.catalog.items[sku].base_unit == "m" else D(10)
            block_price = money(float(price * size) * 0.85)
            then = {"kind": "block", "size": size, "price": {"EUR": block_price}}
        case _:  # markup
            then = {"kind": "markup_on_cost", "percent": rng.choice((30, 50, 70))}
    out.add(f"{sku}-{kind}", f"{SKU_WORDS[kind]} {', '.join(skus)}", then, base=20, **on)


def rule_texts(world: World, count: int, seed: int) -> dict[str, bytes]:
    """A rule set of ``count`` rules as YAML files: settings, the shared rules, group and brand
    rules, then SKU rules 1,000 to a file."""
    rng = random.Random(f"{seed}:rules:{count}")
    out = Rules()
    shared_rules(world, out)
    shared = len(out.rules)
    extra = count - shared
    scoped = min(round(extra * 0.4), 400)
    for _ in range(scoped):
        scoped_rule(world, rng, out)
    for _ in range(extra - scoped):
        sku_rule(world, rng, out)
    assert len(out.rules) == count, (len(out.rules), count)
    settings = {
        "settings": {
            "name": f"bench-{count}",
            "rounding": "per_line",
            "segment_price_lists": {"partner": "PARTNER-EUR"},
            "conversion_currencies": ["USD"],
        },
        "price_lists": [
            {"code": "PARTNER-EUR", "name": "Partner EUR", "base": "STD-EUR", "percent": -12}
        ],
    }
    texts = {"settings.yaml": settings, "shared.yaml": {"rules": out.rules[:shared]}}
    if scoped:
        texts["groups-and-brands.yaml"] = {"rules": out.rules[shared : shared + scoped]}
    sku_rules = out.rules[shared + scoped :]
    for start in range(0, len(sku_rules), 1000):
        texts[f"skus-{start // 1000 + 1:02d}.yaml"] = {"rules": sku_rules[start : start + 1000]}
    return {name: ("\n".join(to_yaml(data)) + "\n").encode() for name, data in texts.items()}


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _.,%/()+-]*")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n"}


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal | date):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return "'" + text.replace("'", "''") + "'"


def _nested(value: object) -> bool:
    if isinstance(value, dict):
        return any(isinstance(v, dict | list) for v in value.values()) or len(value) > 2
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)


def to_yaml(value: object, indent: int = 0) -> list[str]:
    """Block-style YAML as a person writes it: short maps and lists of scalars in flow style."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, v in value.items():
            if _nested(v):
                lines.append(f"{pad}{key}:")
                lines += to_yaml(v, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_scalar(v)}")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict):
                sub = to_yaml(v, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines += sub[1:]
            else:
                lines.append(f"{pad}- {_scalar(v)}")
    return lines


def load(texts: dict[str, bytes]) -> tuple[RuleSet, PricingEngine]:
    loaded, issues = rule_set_from_texts(texts)
    if loaded is None:
        raise SystemExit("generated rules do not load:\n" + "\n".join(str(i) for i in issues[:20]))
    return loaded.rule_set, PricingEngine(loaded.rule_set)


# --- measuring -----------------------------------------------------------------------------------


def p50s(fns: Sequence[Callable[[], object]], runs: int, warmup: int) -> list[float]:
    """The median time of each function, run in turn (a, b, c, a, b, c, ...) so that the machine's
    drift during the measurement weighs on all of them alike and their ratios hold."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    gc.collect()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, seen in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            seen.append(time.perf_counter() - start)
    return [statistics.median(seen) for seen in times]


def peak_bytes(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@dataclass
class Row:
    key: str
    figure: str
    value: float  # seconds, or bytes for memory, or a count
    memory: bool = False
    count: bool = False
    target: str = "—"
    ratio: str = "—"
    verdict: str = "—"

    @property
    def shown(self) -> str:
        if self.memory:
            return f"{self.value / 1e6:,.1f} MB"
        if self.count:
            return f"{self.value:,.0f}"
        ms = self.value * 1000
        if ms < 1:
            return f"{ms:.3f} ms"
        return f"{ms:.2f} ms" if ms < 100 else f"{ms:,.0f} ms"


def _describe(quote: PricedQuote) -> str:
    kinds = Counter(a.kind for ln in quote.lines for a in ln.adjustments)
    kinds.update(a.kind for a in quote.quote_adjustments)
    recurring = sum(1 for ln in quote.lines if ln.recurring)
    flags = Counter(f.split(":", 1)[0] for ln in quote.lines for f in ln.flags)
    sources = Counter(ln.source.reason for ln in quote.lines if ln.source is not None)
    return (
        f"adjustments {dict(sorted(kinds.items()))}; recurring lines {recurring}; "
        f"flags {dict(flags)}; list prices from {dict(sources)}; total {quote.total} {quote.currency}"
    )


def run(sizes: Sizes, seed: int, console: Console, *, quick: bool, profiled: bool) -> list[Row]:
    s, runs, warm = sizes, sizes.runs, sizes.warmup
    rows: list[Row] = []

    def verdict(misses: Sequence[str]) -> str:
        return "n/a (quick)" if quick else f"MISS: {', '.join(misses)}" if misses else "ok"

    load_before = os.getloadavg()[0]
    console.log(f"generating a catalog of {s.items:,} items")
    world = build_world(s.items, seed)
    entries = sum(len(v) for v in world.catalog.entries.values())
    console.log(
        f"{len(world.catalog.items):,} items, {len(world.leaves)} leaf groups, "
        f"{len(world.brands_used)} brands, {entries:,} price entries"
    )
    quotes = {
        size: build_quote(world, size, seed) for size in (s.small_lines, s.lines, s.large_lines)
    }

    # Loading: YAML, schema, expressions, the ambiguity check, then the engine's rule index.
    engines: dict[int, PricingEngine] = {}
    for count in (s.few_rules, s.rules, s.many_rules):
        files = rule_texts(world, count, seed)
        kib = sum(len(t) for t in files.values()) / 1024
        console.log(f"loading {count:,} rules ({len(files)} files, {kib:,.0f} KiB of YAML)")
        times = []
        for _ in range(s.load_runs):  # no warm-up: a rule set is loaded once, cold
            start = time.perf_counter()
            _, engines[count] = load(files)
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        rows.append(
            Row(f"load_{count}", f"load + validate + build engine, {count:,} rules", seconds)
        )

    def priced(count: int, size: int) -> Callable[[], PricedQuote]:
        engine, (request, _) = engines[count], quotes[size]
        return lambda: engine.price(request, world.catalog)

    # The floors run alone: a tight loop on hot caches, the least that pricing could cost.
    # (Run in turn with pricing, which sweeps the caches, the same loop takes 3x as long.)
    floors: dict[int, float] = {}
    for size, (_, flat) in quotes.items():
        [floors[size]] = p50s([lambda flat=flat: floor(world.list_prices, flat)], runs, warm)
        label = f"floor: list price x quantity, {size:,} lines"
        rows.append(Row(f"floor_{size}", label, floors[size]))

    console.log(f"{s.lines:,} lines x {s.rules:,} rules: {_describe(priced(s.rules, s.lines)())}")
    [target] = p50s([priced(s.rules, s.lines)], runs, warm)
    ratio = target / floors[s.lines]
    misses = [w for w, bad in (("time", target > 0.050), ("ratio", ratio > 20)) if bad]
    rows.append(
        Row(
            "price_target",
            f"price {s.lines:,} lines, {s.rules:,} rules",
            target,
            target="≤ 50 ms, ≤ 20x floor",
            ratio=f"{ratio:,.0f}x floor",
            verdict=verdict(misses),
        )
    )

    # The engine keeps expression results and each SKU's candidate rules between quotes; the first
    # quote on a new engine pays for all of them.
    target_request = quotes[s.lines][0]
    fresh_target = iter([PricingEngine(engines[s.rules].rule_set) for _ in range(runs + warm)])
    [target_cold] = p50s(
        [lambda: next(fresh_target).price(target_request, world.catalog)], runs, warm
    )
    rows.append(
        Row(
            "price_target_cold",
            "  the same, first quote on a new engine (cold caches)",
            target_cold,
            ratio=f"{target_cold / floors[s.lines]:,.0f}x floor",
        )
    )

    console.log(f"{s.large_lines:,} lines x {s.rules:,} rules")
    [large] = p50s([priced(s.rules, s.large_lines)], runs, warm)
    per_line = large / target * s.lines / s.large_lines
    rows.append(
        Row(
            "price_large",
            f"price {s.large_lines:,} lines, {s.rules:,} rules",
            large,
            ratio=f"{large / floors[s.large_lines]:,.0f}x floor; {per_line:.2f}x per line of {s.lines:,}",
        )
    )

    # Few and many rules, and the first quote on a new engine: the engine caches each SKU's
    # candidate rules, so only that first quote pays for finding them among 10,000.
    many_quote = _describe(priced(s.many_rules, s.small_lines)())
    console.log(f"{s.small_lines:,} lines x {s.many_rules:,} rules: {many_quote}")
    request = quotes[s.small_lines][0]
    rule_set = engines[s.many_rules].rule_set
    fresh = iter([PricingEngine(rule_set) for _ in range(runs + warm)])
    # Run in turn, so that the machine's drift weighs on the three alike.
    few, many, cold = p50s(
        [
            priced(s.few_rules, s.small_lines),
            priced(s.many_rules, s.small_lines),
            lambda: next(fresh).price(request, world.catalog),
        ],
        runs,
        warm,
    )
    few_label = f"{s.few_rules:,} rules"
    rows += [
        Row(
            "price_few_rules",
            f"price {s.small_lines:,} lines, {few_label}",
            few,
            ratio=f"{few / floors[s.small_lines]:,.0f}x floor",
        ),
        Row(
            "price_many_rules",
            f"price {s.small_lines:,} lines, {s.many_rules:,} rules",
            many,
            target=f"≤ 3x {few_label}",
            ratio=f"{many / few:.2f}x {few_label}",
            verdict=verdict(["ratio"] if many > 3 * few else []),
        ),
        Row(
            "price_many_rules_cold",
            "  the same, first quote on a new engine (cold rule cache)",
            cold,
            ratio=f"{cold / few:.2f}x {few_label}",
        ),
    ]

    memory = peak_bytes(priced(s.rules, s.large_lines))
    label = f"pricing {s.large_lines:,} lines, {s.rules:,} rules"
    rows.append(Row("memory_large", f"peak memory (tracemalloc), {label}", memory, memory=True))

    rows += sql_rows(s, runs, warm, console, verdict)

    busy = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    console.print(table(rows, sizes, quick, f"{busy}, {os.cpu_count()} CPUs"))
    if profiled:
        profile(priced(s.rules, s.lines), f"pricing {s.lines:,} lines, {s.rules:,} rules", console)
    return rows


def sql_rows(
    s: Sizes,
    runs: int,
    warm: int,
    console: Console,
    verdict: Callable[[Sequence[str]], str],
) -> list[Row]:
    """Pricing from the database (the demo catalog on SQLite, the demo rule set): the statements
    issued do not grow with the line count, and the time it takes end to end."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        upgrade(engine)
        run_sync(engine, FolderSource(DEMO_EXPORT), load_profile("canonical"), models_dir=None)
        pricing = engine_for(REPO_ROOT / "pricing_rules")
        with engine.connect() as conn:
            catalog = full_catalog(conn, None)
        eur = {sku for (code, sku) in catalog.entries if code == "STD-EUR"}
        skus = sorted(sku for sku, item in catalog.items.items() if item.active and sku in eur)
        sizes = (10, min(s.demo_lines, len(skus)))

        def request(size: int) -> PricingRequest:
            lines = tuple(
                LineInput(str(n), sku, Decimal(1 + n % 7)) for n, sku in enumerate(skus[:size])
            )
            return PricingRequest(
                PricingContext("EUR", date(2026, 3, 2), customer="C-10001"), lines
            )

        counts, times = [], []
        for size in sizes:
            req = request(size)
            seen: list[str] = []

            def count(*args: Any, seen: list[str] = seen) -> None:
                seen.append(args[2])

            with engine.connect() as conn:
                CACHE.clear()  # count what a catalog version costs the first time it is read
                event.listen(engine, "before_cursor_execute", count)
                price_request(conn, pricing, req, None)
                event.remove(engine, "before_cursor_execute", count)

                def priced(req: PricingRequest = req, conn: Any = conn) -> object:
                    return price_request(conn, pricing, req, None)

                [seconds] = p50s([priced], runs, warm)
            counts.append(len(seen))
            times.append(seconds)
        engine.dispose()
    console.log(f"SQL statements to price {sizes[0]} and {sizes[1]} lines: {counts}")
    rows = [
        Row(
            f"sql_count_{size}",
            f"SQL statements, pricing {size:,} lines from SQLite (demo catalog)",
            n,
            count=True,
            target="same for any line count" if size == sizes[1] else "—",
            verdict=verdict([] if counts[0] == counts[1] else ["count grows"])
            if size == sizes[1]
            else "—",
        )
        for size, n in zip(sizes, counts, strict=True)
    ]
    rows += [
        Row(f"sql_time_{size}", f"price {size:,} lines from SQLite, load (cached) + price", t)
        for size, t in zip(sizes, times, strict=True)
    ]
    return rows


ORDER = (
    "floor_",
    "price_target",
    "price_target_cold",
    "price_large",
    "price_few_rules",
    "price_many_rules",
    "price_many_rules_cold",
    "memory_large",
    "load_",
    "sql_",
)


def _order(row: Row) -> tuple[int, float]:
    for n, prefix in enumerate(ORDER):
        if row.key == prefix or (prefix.endswith("_") and row.key.startswith(prefix)):
            return n, float(row.key.rsplit("_", 1)[1]) if prefix.endswith("_") else 0
    return len(ORDER), 0


def table(rows: Sequence[Row], sizes: Sizes, quick: bool, caption: str) -> Table:
    title = (
        f"Pricing engine, p50 of {sizes.runs} runs ({sizes.warmup} warm-up), "
        f"loads p50 of {sizes.load_runs}"
    )
    if quick:
        title += " — QUICK: reduced sizes, targets are for the full run"
    out = Table(title=title, caption=caption)
    out.add_column("figure", no_wrap=True)
    for column in ("p50", "target", "ratio", "ok/miss"):
        out.add_column(column, justify="right")
    for row in sorted(rows, key=_order):
        out.add_row(row.figure, row.shown, row.target, row.ratio, row.verdict)
    return out


def profile(fn: Callable[[], object], label: str, console: Console, top: int = 15) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        fn()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats(order).print_stats(top)
        console.print(f"[bold]profile: 10 x {label}, by {order}[/]")
        console.print(stream.getvalue(), markup=False, highlight=False)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs (the test)")
    parser.add_argument("--runs", type=int, help="runs per figure; the median is shown")
    parser.add_argument("--load-runs", type=int, help="runs per rule-set load")
    parser.add_argument("--items", type=int, help="catalog size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="also cProfile the target quote")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    overrides = {
        k: v
        for k, v in (("runs", args.runs), ("load_runs", args.load_runs), ("items", args.items))
        if v is not None
    }
    console = Console(width=130)
    rows = run(
        replace(sizes, **overrides), args.seed, console, quick=args.quick, profiled=args.profile
    )
    if args.json:
        print(json.dumps({r.key: r.value for r in rows}))
    return rows


if __name__ == "__main__":
    main()
