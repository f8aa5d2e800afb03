"""Customer documents (quote PDFs): a pure context builder, labels per language, and the
renderer (Jinja2 templates in ``templates/`` turned into PDF by WeasyPrint)."""
