"""The import page in Chromium: a refused file (answered 422) still shows its report."""

import pytest
from playwright.sync_api import expect

from annotations.models import Article
from annotations.policy import Role

from .factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_file_shows_its_report_in_place(logged_in_page, tmp_path):
    editor = UserFactory(username="edith", role=Role.EDITOR)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"title": "A", "body": "a"}\n{"title": "B"}\n')

    page = logged_in_page(editor)
    page.goto("/import/")
    page.locator("input[type=file][name=files]").set_input_files(str(bad))
    with page.expect_response(lambda response: response.url.endswith("/import/")) as answer:
        page.get_by_role("button", name="Import").click()

    assert answer.value.status == 422
    report = page.locator(".import-report-failed")
    expect(report).to_contain_text("Refused: nothing was imported from this file.")
    expect(report).to_contain_text("Line 2:")
    expect(page.locator("h1")).to_have_count(1)  # swapped into the panel, not a new page
    assert Article.objects.count() == 0
