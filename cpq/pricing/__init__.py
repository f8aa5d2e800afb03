"""The pricing engine: a pure core (no I/O) from a pricing context, lines, a catalog snapshot and a
rule set to a priced quote with a price waterfall per line. See docs/pricing.md."""
