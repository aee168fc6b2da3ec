"""A property-based run over the whole OpenAPI schema against the live test server.

Schemathesis generates requests for every operation from the schema (valid and invalid
ones) and sends each with an editor's token and with an annotator's, against a database
holding articles, proposals and annotations in every state. No answer may be a 5xx, and every answer
must be one the schema describes (status code, media type, body). Bounded: a fixed number
of examples per operation, derandomised so that a failure reproduces (about a minute).
Marked e2e: it runs in `make test` (and CI), not in `make test-fast`.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.api import v1
from annotations.policy import Role
from annotations.proposals import suggestions_refresh

from .factories import (
    ArticleFactory,
    SourceFactory,
    UserFactory,
    verified_annotation,
    workflow_draft,
    workflow_in_review,
    workflow_submitted,
)

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Read when the module is collected (pytest-django has set Django up by then).
schema = schemathesis.openapi.from_dict(v1.api.get_openapi_schema())


@pytest.fixture
def seeded_tokens(transactional_db, settings):
    """Tokens of an editor and an annotator, and something in every state to act on."""
    from annotations import tokens

    settings.API_RATE_LIMIT = 1_000_000
    annotator = UserFactory(username="anna", role=Role.ANNOTATOR)
    editor = UserFactory(username="edith", role=Role.EDITOR)
    reviewer = UserFactory(username="rita", role=Role.REVIEWER)
    articles = ArticleFactory.create_batch(2)
    suggestions_refresh(article=articles[0])  # the engines' proposals, to accept or dismiss
    workflow_draft(annotator)
    workflow_submitted(annotator)
    workflow_in_review(annotator, editor)
    verified_annotation(author=annotator, reviewer=reviewer)
    SourceFactory()
    return [
        {"Authorization": f"Bearer {tokens.token_create(user=user, name='run')[1]}"}
        for user in (editor, annotator)
    ]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_answer_is_a_server_error_or_breaks_the_schema(case, live_server, seeded_tokens):
    for headers in seeded_tokens:
        case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)
