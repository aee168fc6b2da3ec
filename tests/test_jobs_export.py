"""Large exports are prepared as files by the worker, served only to their creator and editors."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from annotations import exporters, jobs, tasks
from annotations.exporters import ExportFilters
from annotations.models import Job, JobKind, JobStatus
from annotations.policy import Role

from .factories import UserFactory, verified_annotation

START = "/export/start/"


def file_url(job) -> str:
    return reverse("export_file_download", args=[job.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def prepared(researcher, annotator):
    """A finished export job of the researcher's, with its file (written by the job's
    function, as the worker would run it)."""
    verified_annotation(author=annotator)
    job = jobs.export_job_create(
        export_format="jsonl",
        filters=ExportFilters(),
        created_by=researcher,
        task=tasks.export_file,
    )
    job.status = JobStatus.RUNNING
    job.save()
    result = jobs.export_job_work(job, jobs.Progress(job))
    jobs._job_succeed(job, result)
    job.refresh_from_db()
    return job


# ---- The page's download form ----


@pytest.mark.django_db
def test_a_small_export_is_streamed_by_the_endpoint_with_its_filters(
    client_for, researcher, settings
):
    settings.EXPORT_BACKGROUND_RECORDS = 10

    response = client_for(researcher).post(
        START, {"format": "jsonl", "kind": "claim", "since": "2025-01-31"}
    )

    assert response.status_code == 302
    query = urlencode({"since": "2025-01-31T00:00:00.000000Z", "kind": "claim"})
    assert response["Location"] == f"/api/export/verified.jsonl?{query}"
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_export_over_the_threshold_is_prepared_as_a_file(
    client_for, researcher, annotator, settings
):
    settings.EXPORT_BACKGROUND_RECORDS = 1
    verified_annotation(author=annotator)
    verified_annotation(author=annotator)
    client = client_for(researcher)

    response = client.post(START, {"format": "w3c", "verdict": "accurate"})

    assert response.status_code == 302 and response["Location"] == "/export/#files"
    job = Job.objects.get()
    assert (job.kind, job.status, job.created_by) == (JobKind.EXPORT, JobStatus.QUEUED, researcher)
    assert job.params == {
        "format": "w3c",
        "filters": {"since": None, "kind": None, "verdict": "accurate", "article_id": None},
    }
    page = client.get("/export/").content.decode()
    assert "is being prepared" in page
    # The list polls itself while the file is being prepared.
    assert f'hx-get="{reverse("export_files")}" hx-trigger="every 2s"' in page


@pytest.mark.django_db
def test_asking_for_a_file_prepares_even_a_small_export(client_for, researcher):
    client_for(researcher).post(START, {"format": "json", "as_file": "1"})

    assert Job.objects.get().params["format"] == "json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        ({"format": "xml"}, "Choose a format."),
        ({"format": "json", "article": "99999999999999999999"}, "less than or equal to"),
        ({"format": "json", "since": "yesterday"}, "Enter a date"),
    ],
)
def test_a_bad_format_or_filter_is_refused_with_400_and_creates_nothing(
    client_for, researcher, data, message
):
    response = client_for(researcher).post(START, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["annotator", "reviewer", "outsider"])
def test_only_exporters_may_start_an_export(client_for, persona, request):
    response = client_for(request.getfixturevalue(persona)).post(START, {"format": "json"})

    assert response.status_code == 403 and not Job.objects.exists()


@pytest.mark.django_db
def test_starting_an_export_accepts_only_post(client_for, researcher):
    assert client_for(researcher).get(START).status_code == 405


# ---- The worker writes the file ----


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_file_the_endpoint_would_have_streamed(
    client_for, researcher, annotator, run_worker
):
    for _ in range(3):
        verified_annotation(author=annotator)
    client = client_for(researcher)
    client.post(START, {"format": "jsonl", "as_file": "1"})

    run_worker()

    job = Job.objects.get()
    assert (job.status, job.attempts, job.result) == (JobStatus.SUCCEEDED, 1, job.result)
    assert job.result["records"] == 3
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    expected = "".join(
        exporters.stream_export("jsonl", ExportFilters(), exported_at=job.created_at)
    ).encode()
    response = client.get(file_url(job))
    assert response.status_code == 200
    assert body(response) == expected
    assert response["Content-Type"] == "application/jsonl"
    assert response["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    assert job.file_name == exporters.export_filename("jsonl", job.created_at)
    assert response["Cache-Control"] == "private, no-store"
    assert job.expires_at > timezone.now() + timedelta(hours=71)
    page = client.get("/export/").content.decode()
    assert f'href="{file_url(job)}"' in page and "hx-trigger" not in page


@pytest.mark.django_db(transaction=True)
def test_a_storage_failure_is_retried_and_the_next_attempt_writes_the_whole_file(
    client_for, researcher, annotator, run_worker, monkeypatch
):
    verified_annotation(author=annotator)
    client_for(researcher).post(START, {"format": "json", "as_file": "1"})
    storage = jobs.job_storage()
    real_save = type(storage).save
    saves = []

    def disk_full_once(self, name, content, *args, **kwargs):
        saves.append(name)
        if len(saves) == 1:
            raise OSError(28, "No space left on device")
        return real_save(self, name, content, *args, **kwargs)

    monkeypatch.setattr(type(storage), "save", disk_full_once)

    run_worker()
    job = Job.objects.get()
    assert job.status == JobStatus.RETRYING and not job.file_path
    assert "The file storage was unavailable (OSError)" in job.error
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    whole = "".join(exporters.stream_export("json", exported_at=job.created_at)).encode()
    with storage.open(job.file_path, "rb") as file:
        assert file.read() == whole
    assert saves == [f"exports/job-{job.pk}.json"] * 2


# ---- Who may download ----


@pytest.mark.django_db
def test_the_creator_downloads_the_file(client_for, researcher, prepared):
    response = client_for(researcher).get(file_url(prepared))

    assert response.status_code == 200
    # One record, then the end line with the count.
    record, end = body(response).splitlines()
    assert json.loads(end)["end_of_export"]["records"] == 1


@pytest.mark.django_db
def test_an_editor_downloads_anyones_file(client_for, editor, prepared):
    assert client_for(editor).get(file_url(prepared)).status_code == 200


@pytest.mark.django_db
def test_another_researcher_does_not_find_the_file(client_for, prepared):
    other = UserFactory(username="rhea", role=Role.RESEARCHER)

    assert client_for(other).get(file_url(prepared)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["annotator", "reviewer", "outsider"])
def test_roles_that_do_not_export_are_refused(client_for, persona, request, prepared):
    assert client_for(request.getfixturevalue(persona)).get(file_url(prepared)).status_code == 403


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_log_in(client, prepared):
    response = client.get(file_url(prepared))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_an_import_job_is_not_a_file(client_for, editor):
    job = Job.objects.create(kind=JobKind.IMPORT, created_by=editor)

    assert client_for(editor).get(file_url(job)).status_code == 404


@pytest.mark.django_db
def test_an_id_out_of_range_is_not_found(client_for, researcher):
    assert client_for(researcher).get("/export/files/99999999999999999999/").status_code == 404


@pytest.mark.django_db
def test_a_file_not_ready_yet_answers_409(client_for, researcher):
    job = jobs.export_job_create(
        export_format="json", filters=ExportFilters(), created_by=researcher, task=tasks.export_file
    )

    response = client_for(researcher).get(file_url(job))

    assert response.status_code == 409
    assert "This file is not ready yet." in response.content.decode()


@pytest.mark.django_db
def test_an_expired_file_answers_410_and_is_deleted_by_the_sweep(client_for, researcher, prepared):
    Job.objects.filter(pk=prepared.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = client_for(researcher)

    assert client.get(file_url(prepared)).status_code == 410
    assert jobs.job_storage().exists(prepared.file_path)

    assert jobs.job_files_expire() == 1

    assert not jobs.job_storage().exists(prepared.file_path)
    prepared.refresh_from_db()
    assert prepared.file_path == "" and prepared.expires_at is not None  # the record stays
    assert client.get(file_url(prepared)).status_code == 410
    assert "expired" in client.get("/export/").content.decode()


@pytest.mark.django_db
def test_the_page_lists_only_ones_own_files(client_for, editor, prepared):
    html = client_for(editor).get("/export/").content.decode()

    assert "No prepared files yet." in html
    assert file_url(prepared) not in html


@pytest.mark.django_db
def test_an_editor_may_see_every_job_through_the_role_permission(editor, researcher, prepared):
    assert jobs.job_access_denied(editor, prepared) is None
    assert jobs.job_access_denied(researcher, prepared) is None
    other = UserFactory(username="rhea", role=Role.RESEARCHER)
    assert jobs.job_access_denied(other, prepared) == "This job is someone else's."
    other.user_permissions.add(Permission.objects.get(codename="view_job"))
    other = type(other).objects.get(pk=other.pk)  # permissions are cached per instance
    assert jobs.job_access_denied(other, prepared) is None
