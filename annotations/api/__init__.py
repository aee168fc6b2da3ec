"""The JSON API for scripts and other tools, versioned under /api/v1/ (django-ninja).

`v1.py` holds the API object and the list of its routers; each resource has its own module
of thin endpoints (`articles.py`, `annotations.py`, `review.py`, `export.py`) that call the
same domain functions as the screens (`workflow`, `importers`, `policy`, `sources`,
`exporters`). `schemas.py` types what goes in and out (and so the OpenAPI document),
`auth.py` admits a request (token or session, scope, rate limit), `errors.py` answers every
refusal as RFC 9457 problem+json, `pagination.py` pages lists by cursor.
"""
