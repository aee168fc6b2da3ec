"""The API docs page (Swagger UI, served from our static files) works under the strict CSP."""

import pytest

pytestmark = pytest.mark.e2e


def test_the_docs_page_lists_the_operations_without_breaking_the_csp(logged_in_page, editor):
    page = logged_in_page(editor)
    refusals = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: refusals.append(str(error)))

    response = page.goto("/api/v1/docs")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Generous: the page fetches the schema, then Swagger UI (1.5 MB) draws it.
    page.locator(".opblock").nth(19).wait_for(timeout=60_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/review/take-next" in path.replace("\u200b", "") for path in paths)
    assert refusals == []
