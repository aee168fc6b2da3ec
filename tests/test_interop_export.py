"""Exporting to Label Studio and doccano, and the round trip: what Workbench exports imports
back into an empty database with the same texts and the same spans."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.interop import ExportScope, import_annotations, stream_interop_export
from annotations.models import (
    Annotation,
    Article,
    Evidence,
    HistoryEntry,
    ImportBatch,
    Review,
    Source,
    State,
)
from annotations.policy import Role
from annotations.text import utf16_offset

from .factories import ArticleFactory, UserFactory, verified_annotation, workflow_draft

pytestmark = pytest.mark.django_db

EMOJI_BODY = (
    "\U0001f30d Exports rose 30 percent, the minister said.\n\n"
    "“Trade is back,” she said. 👩‍👩‍👧 Families gained 12 percent."
)


@pytest.fixture
def project(annotator, other_annotator):
    """Verified and draft annotations by two people, on a plain and an emoji text."""
    plain = ArticleFactory()
    emoji = ArticleFactory(body=EMOJI_BODY)
    verified = [
        verified_annotation(article=plain, author=annotator),
        verified_annotation(article=emoji, author=annotator, phrase="30 percent"),
        verified_annotation(article=emoji, author=other_annotator, phrase="12 percent"),
    ]
    drafts = [
        workflow_draft(other_annotator, article=emoji, phrase="“Trade is back,”"),
        workflow_draft(annotator, article=plain, phrase="More than 200 projects"),
    ]
    withdrawn = workflow_draft(annotator, article=plain, phrase="officials said")
    from annotations import workflow

    workflow.annotation_withdraw(annotation_id=withdrawn.pk, user=annotator, version=1)
    return verified, drafts


def exported(file_format, scope=ExportScope.VERIFIED) -> str:
    return "".join(stream_interop_export(file_format, scope))


def span_set(annotations) -> set:
    return {
        (annotation.article.checksum, annotation.kind, annotation.start, annotation.end)
        for annotation in annotations
    }


def empty_the_database():
    for model in (Evidence, Review, HistoryEntry, Annotation, Source, Article, ImportBatch):
        model.objects.all().delete()


def test_label_studio_export_holds_one_task_per_article_with_code_point_offsets(project):
    verified, _ = project
    tasks = json.loads(exported("label-studio"))
    assert len(tasks) == 2
    emoji_task = next(task for task in tasks if task["data"]["text"] == EMOJI_BODY)
    regions = [
        region for annotation in emoji_task["annotations"] for region in annotation["result"]
    ]
    assert len(emoji_task["annotations"]) == 2  # one per author
    for region in regions:
        value = region["value"]
        assert EMOJI_BODY[value["start"] : value["end"]] == value["text"]
        assert value["labels"] == ["claim"]
    assert {region["value"]["text"] for region in regions} == {"30 percent", "12 percent"}
    assert emoji_task["meta"]["checksum"] == verified[1].article.checksum


def test_doccano_export_counts_utf16_code_units_as_doccano_does(project):
    lines = [json.loads(line) for line in exported("doccano").splitlines()]
    emoji_line = next(line for line in lines if line["text"] == EMOJI_BODY)
    start = EMOJI_BODY.index("30 percent")
    assert [utf16_offset(EMOJI_BODY, start), utf16_offset(EMOJI_BODY, start + 10), "claim"] in (
        emoji_line["label"]
    )
    assert all(set(line) == {"text", "label", "title", "url", "article_id"} for line in lines)


def test_verified_scope_leaves_out_drafts_and_all_leaves_out_only_withdrawn(project):
    verified_tasks = json.loads(exported("label-studio"))
    every_tasks = json.loads(exported("label-studio", ExportScope.ALL))

    def count(tasks):
        return sum(len(a["result"]) for task in tasks for a in task["annotations"])

    assert count(verified_tasks) == 3
    assert count(every_tasks) == 5  # 3 verified + 2 drafts, never the withdrawn one


def test_an_empty_export_is_still_a_valid_file():
    assert json.loads(exported("label-studio")) == []
    assert exported("doccano") == ""


@pytest.mark.parametrize("file_format", ["label-studio", "doccano"])
def test_the_round_trip_gives_back_the_same_texts_and_spans(project, file_format):
    expected = span_set(Annotation.objects.live().select_related("article"))
    bodies = set(Article.objects.values_list("body", flat=True))
    text = exported(file_format, ExportScope.ALL)

    empty_the_database()
    newcomer = UserFactory(username="newcomer", role=Role.ANNOTATOR)
    report = import_annotations(
        io.BytesIO(text.encode()), filename=f"round.{file_format}", file_format=file_format,
        author=newcomer,
    )  # fmt: skip
    assert report.ok, report.as_dict()
    assert set(Article.objects.values_list("body", flat=True)) == bodies
    assert span_set(Annotation.objects.select_related("article")) == expected
    assert set(Annotation.objects.values_list("state", flat=True)) == {State.DRAFT}
    # And again: nothing more.
    again = import_annotations(
        io.BytesIO(text.encode()), filename="again", file_format=file_format, author=newcomer
    )
    assert again.count("created") == 0 and again.count("duplicates") == len(expected)


def test_the_export_costs_a_constant_number_of_queries(annotator, django_assert_max_num_queries):
    for _ in range(30):
        verified_annotation(author=annotator)
    with django_assert_max_num_queries(4):  # articles, their spans (one chunk each)
        exported("label-studio")


# ---- Commands ----


def test_export_command_writes_the_file(project, tmp_path):
    target = tmp_path / "tasks.json"
    call_command(
        "export_annotations",
        "--format",
        "label-studio",
        "--output",
        str(target),
        stderr=io.StringIO(),
    )
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 2


def test_export_command_with_all_writes_every_live_annotation(project):
    out = io.StringIO()
    call_command("export_annotations", "--format", "doccano", "--all", stdout=out)
    assert sum(len(json.loads(line)["label"]) for line in out.getvalue().splitlines()) == 5


def test_import_command_reports_and_writes(tmp_path, annotator):
    path = tmp_path / "export.jsonl"
    path.write_text(
        json.dumps(
            {
                "text": "Google said sales rose 9 percent.",
                "label": [[0, 6, "ORG"], [23, 32, "PERCENT"]],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_annotations", str(path), "--format", "doccano", "--author", "anna",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert (
        "export.jsonl (doccano): 1 article created, 0 already stored; 1 annotation"
        in out.getvalue()
    )
    assert "record 1 (line 1)" in err.getvalue() and "“ORG”" in err.getvalue()

    out = io.StringIO()
    call_command(
        "import_annotations", str(path), "--format", "doccano", "--author", "anna",
        "--map", "ORG=quotation", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "1 annotation created as drafts; 1 already there" in out.getvalue()
    assert Annotation.objects.filter(author=annotator).count() == 2


def test_import_command_refuses_a_bad_file_and_writes_nothing(tmp_path, annotator):
    path = tmp_path / "bad.json"
    region = {"type": "labels", "value": {"start": 0, "end": 40, "labels": ["claim"]}}
    task = {"data": {"text": "Hi there."}, "annotations": [{"result": [region]}]}
    path.write_text(json.dumps([task]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "import_annotations", str(path), "--format", "label-studio", "--author", "anna",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert "refused: span [0, 40)" in err.getvalue()
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--author", "nobody"], "no user named 'nobody'"),
        (["--author", "ruth"], "--author ruth"),
        (["--author", "anna", "--map", "ORG"], "is not LABEL=kind"),
        (["--author", "anna", "--map", "ORG=person"], "'person' is not a kind"),
    ],
)
def test_import_command_explains_bad_arguments(tmp_path, annotator, researcher, args, message):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "Hi."}\n')
    with pytest.raises(CommandError, match=message):
        call_command("import_annotations", str(path), "--format", "doccano", *args)
