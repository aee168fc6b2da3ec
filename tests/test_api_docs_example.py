"""The Python example of docs/api.md runs as written against the live server."""

import re
from pathlib import Path

import pytest

from annotations import tokens
from annotations.models import Annotation, State, SuggestionStatus

pytestmark = pytest.mark.e2e

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_python_example_loads_annotates_pushes_proposals_follows_and_exports(
    live_server, editor, tmp_path, monkeypatch
):
    (example,) = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    _token, secret = tokens.token_create(user=editor, name="guide")
    monkeypatch.setenv("WORKBENCH_TOKEN", secret)
    monkeypatch.chdir(tmp_path)
    code = example.replace("http://127.0.0.1:8000", live_server.url)

    namespace = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)

    submitted = Annotation.objects.get(kind="claim")
    assert submitted.state == State.SUBMITTED and submitted.exact == "exports rose 30 percent"
    # The pushed pre-annotation, accepted: a draft that keeps its origin.
    accepted = Annotation.objects.get(kind="number")
    assert accepted.state == State.DRAFT and accepted.exact == "30 percent"
    assert accepted.number_value == 30 and accepted.number_unit == "percent"
    assert (accepted.suggestion.engine, accepted.suggestion.engine_version) == (
        "newsroom-ner",
        "2025.1",
    )
    assert accepted.suggestion.status == SuggestionStatus.ACCEPTED
    assert namespace["pushed"]["added"] == 1
    assert namespace["states"] == {
        submitted.pk: ("submitted", None),
        accepted.pk: ("draft", None),
    }
    assert (tmp_path / "verified.jsonl").exists()
