"""The web pages: server-rendered Jinja2 (``templates/pages/``) with small htmx updates, for field
reps on a phone and for approvers. Pages call the services in-process, never the HTTP API; they
are not part of the OpenAPI schema. Conventions: ``/tmp/pages-foundation.md`` until docs exist.
"""
