"""The Python example of docs/api.md runs as written against the live server."""

import re
from pathlib import Path

import pytest

from annotations import tokens
from annotations.models import Annotation, State

pytestmark = pytest.mark.e2e

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def test_the_python_example_loads_annotates_follows_and_exports(
    live_server, editor, tmp_path, monkeypatch
):
    (example,) = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    _token, secret = tokens.token_create(user=editor, name="guide")
    monkeypatch.setenv("WORKBENCH_TOKEN", secret)
    monkeypatch.chdir(tmp_path)
    code = example.replace("http://127.0.0.1:8000", live_server.url)

    namespace = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)

    submitted = Annotation.objects.get()
    assert submitted.state == State.SUBMITTED and submitted.exact == "exports rose 30 percent"
    assert namespace["states"] == {submitted.pk: ("submitted", None)}
    assert (tmp_path / "verified.jsonl").exists()
