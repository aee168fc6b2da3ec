"""Imports above the size threshold run as jobs, taken and run by the real queue worker."""

import json
import os
import threading
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from annotations import jobs, tasks
from annotations.models import Article, Job, JobKind, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)

UPLOAD = "/import/"


def jsonl_file(name: str, titles: list[str]):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = [json.dumps({"title": title, "body": f"The text of {title}."}) for title in titles]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), "application/jsonl")


@pytest.fixture
def background(settings):
    """Every upload is large enough to be imported by a worker."""
    settings.IMPORT_BACKGROUND_BYTES = 0


def upload(client, *files, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(UPLOAD, {"files": list(files)}, headers=headers)


def stored_files() -> list[str]:
    root = jobs.job_storage().location
    return [name for _folder, _dirs, files in os.walk(root) for name in files]


def only_job() -> Job:
    """The import's job (an import also queues a suggestion run for what it imported)."""
    [job] = Job.objects.filter(kind=JobKind.IMPORT)
    return job


def import_tasks():
    """The queue's records of import attempts (an import also queues a suggestion run)."""
    return DBTaskResult.objects.filter(task_path="annotations.tasks.import_articles")


def time_passes_until_the_next_attempt():
    """The retry waits in the queue until its `run_after`; move that to now instead of
    waiting for it (the wait itself is checked against the policy)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_a_large_upload_is_queued_and_answered_with_its_progress(
    client_for, editor, background, run_worker
):
    response = upload(client_for(editor), jsonl_file("big.jsonl", ["One", "Two"]))

    assert response.status_code == 202
    job = only_job()
    assert (job.kind, job.status, job.created_by) == (JobKind.IMPORT, JobStatus.QUEUED, editor)
    html = response.content.decode()
    # The existing progress bar, polling the job until it is done.
    assert 'class="import-progress-bar"' in html
    assert f'hx-get="{reverse("import_job", args=[job.pk])}"' in html
    assert not Article.objects.exists()  # nothing imported inside the request
    [queued] = import_tasks()
    assert queued.task_path == "annotations.tasks.import_articles"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}


def test_the_worker_imports_the_upload_and_the_page_shows_the_report(
    client_for, editor, background, run_worker
):
    client = client_for(editor)
    upload(client, jsonl_file("big.jsonl", ["One", "Two"]))

    run_worker()

    job = only_job()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Two"]
    assert Article.objects.filter(import_batch__imported_by=editor).count() == 2
    page = client.get(reverse("import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Imported 2, skipped 0 duplicates." in html
    assert "hx-trigger=" not in html  # done: no more polling
    # The upload is not kept once imported.
    assert stored_files() == []


def test_a_refused_file_in_a_background_import_reports_422_like_the_page(
    client_for, editor, background, run_worker
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(editor)
    upload(client, SimpleUploadedFile("bad.jsonl", b'{"title": "No body"}\n'))

    run_worker()

    job = only_job()
    assert job.status == JobStatus.SUCCEEDED  # the job ran; the file was refused
    page = client.get(reverse("import_job", args=[job.pk]))
    assert page.status_code == 422
    assert "Refused: nothing was imported from this file." in page.content.decode()


def test_without_htmx_the_upload_redirects_to_the_jobs_page_which_reloads_itself(
    client_for, editor, background
):
    client = client_for(editor)

    response = upload(client, jsonl_file("big.jsonl", ["One"]), htmx=False)

    job = only_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "Waiting for a worker" in page


def test_a_small_upload_is_still_imported_in_the_request(client_for, editor, settings):
    settings.IMPORT_BACKGROUND_BYTES = 10_000

    response = upload(client_for(editor), jsonl_file("small.jsonl", ["One"]))

    assert response.status_code == 200
    assert Article.objects.count() == 1
    assert not Job.objects.filter(kind=JobKind.IMPORT).exists()


def test_the_progress_is_visible_while_the_worker_imports(
    client_for, editor, background, run_worker, monkeypatch
):
    """Between the two files, another connection (the page's poll) reads the progress."""
    upload(
        client_for(editor), jsonl_file("first.jsonl", ["One"]), jsonl_file("second.jsonl", ["Two"])
    )
    first_done, go_on = threading.Event(), threading.Event()
    real_import_file = jobs.import_file

    def pause_before_the_second(file, **options):
        if options["filename"] == "second.jsonl":
            first_done.set()
            assert go_on.wait(10)
        return real_import_file(file, **options)

    monkeypatch.setattr(jobs, "import_file", pause_before_the_second)
    worker = threading.Thread(target=run_worker)
    worker.start()
    try:
        assert first_done.wait(10)
        job = only_job()
        first, second = job.params["files"]
        assert job.status == JobStatus.RUNNING
        assert (job.progress_done, job.progress_total) == (
            first["size"],
            first["size"] + second["size"],
        )
        assert 0 < job.percent < 100
        assert job.progress_label == "Importing second.jsonl (file 2 of 2)"
        # The first file's report is committed with its articles.
        assert [report["filename"] for report in jobs.import_job_reports(job)] == ["first.jsonl"]
        assert list(Article.objects.values_list("title", flat=True)) == ["One"]
    finally:
        go_on.set()
        worker.join(30)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.percent == 100


def test_a_transient_failure_is_retried_after_a_backoff_and_resumes_after_the_files_done(
    client_for, editor, background, run_worker, monkeypatch
):
    upload(
        client_for(editor), jsonl_file("first.jsonl", ["One"]), jsonl_file("second.jsonl", ["Two"])
    )
    real_import_file = jobs.import_file
    calls = []

    def second_file_fails_once(file, **options):
        calls.append(options["filename"])
        if calls == ["first.jsonl", "second.jsonl"]:
            raise OperationalError("database is locked")
        return real_import_file(file, **options)

    monkeypatch.setattr(jobs, "import_file", second_file_fails_once)

    run_worker()

    job = only_job()
    assert (job.status, job.attempts) == (JobStatus.RETRYING, 1)
    assert job.error == (
        "Attempt 1 failed: The database was unavailable (OperationalError). "
        "Another attempt is scheduled."
    )
    failed, retry = import_tasks().order_by("enqueued_at")
    assert failed.status == "FAILED" and "database is locked" in failed.traceback
    # The backoff of the policy: the first wait, counted from the failure.
    wait = retry.run_after - failed.finished_at
    assert tasks.TRANSIENT_RETRY.first_delay - wait < timedelta(seconds=1)
    assert retry.run_after == job.next_attempt_at and job.task_id == str(retry.id)
    assert list(Article.objects.values_list("title", flat=True)) == ["One"]

    time_passes_until_the_next_attempt()
    run_worker()

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.SUCCEEDED, 2, "")
    # The first file was not imported again: its report is the one of the first attempt.
    assert calls == ["first.jsonl", "second.jsonl", "second.jsonl"]
    first, second = jobs.import_job_reports(job)
    assert [a["title"] for a in first["imported"]] == ["One"] and first["duplicates"] == []
    assert [a["title"] for a in second["imported"]] == ["Two"]
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Two"]


def test_a_job_that_keeps_failing_gives_up_after_its_attempts_with_doubling_waits(
    client_for, editor, background, run_worker, monkeypatch
):
    upload(client_for(editor), jsonl_file("big.jsonl", ["One"]))

    def always_down(file, **options):
        raise OperationalError("could not connect to server at 10.0.0.7")

    monkeypatch.setattr(jobs, "import_file", always_down)
    waits = []
    for _attempt in range(tasks.TRANSIENT_RETRY.max_attempts):
        run_worker()
        job = only_job()
        if job.status == JobStatus.RETRYING:
            waits.append(round((job.next_attempt_at - timezone.now()).total_seconds()))
            time_passes_until_the_next_attempt()

    assert (job.status, job.attempts) == (JobStatus.FAILED, tasks.TRANSIENT_RETRY.max_attempts)
    assert job.error == "Failed after 5 attempts: The database was unavailable (OperationalError)."
    assert "10.0.0.7" not in job.error  # internals stay in the task's traceback
    assert waits == [15, 30, 60, 120]
    assert not DBTaskResult.objects.ready().exists()
    assert not Article.objects.exists()
    assert stored_files() == []  # nothing will read the upload any more


def test_an_unexpected_error_fails_the_job_at_once_without_retrying(
    client_for, editor, background, run_worker, monkeypatch
):
    upload(client_for(editor), jsonl_file("big.jsonl", ["One"]))

    def bug(file, **options):
        raise ValueError("a bug")

    monkeypatch.setattr(jobs, "import_file", bug)

    run_worker()

    job = only_job()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.error == (
        "Failed: An unexpected error (ValueError) stopped it; "
        "editors find the details in the admin."
    )
    assert import_tasks().get().status == "FAILED"
    assert stored_files() == []
    page = client_for(editor).get(reverse("import_job", args=[job.pk])).content.decode()
    assert "Failed" in page and job.error in page


def test_a_task_delivered_twice_runs_its_job_once(client_for, editor, background, run_worker):
    upload(client_for(editor), jsonl_file("big.jsonl", ["One"]))
    job = only_job()
    tasks.import_articles.enqueue(job.pk)  # a second delivery of the same job

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1)
    assert Article.objects.count() == 1
    results = sorted(r.return_value.get("skipped", "") for r in import_tasks())
    assert results == ["", "already run or removed"]


def test_a_file_over_the_limit_is_refused_at_once_and_the_others_go_to_the_worker(
    client_for, editor, background, run_worker, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_BYTES = 100
    client = client_for(editor)
    huge = SimpleUploadedFile("huge.txt", b"Title\n\n" + b"word " * 100)

    response = upload(client, huge, jsonl_file("fine.jsonl", ["One"]))

    assert response.status_code == 202
    job = only_job()
    huge_entry, fine_entry = job.params["files"]
    assert huge_entry["path"] == "" and fine_entry["path"]  # the large one was not kept
    assert job.progress_total == fine_entry["size"]
    [refused] = jobs.import_job_reports(job)
    assert refused["filename"] == "huge.txt" and "The file is too large" in str(refused["errors"])

    run_worker()

    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (
        JobStatus.SUCCEEDED,
        fine_entry["size"],
        fine_entry["size"],
    )
    page = client.get(reverse("import_job", args=[job.pk]))
    assert page.status_code == 422
    html = page.content.decode()
    assert html.index("huge.txt") < html.index("fine.jsonl")  # in the order of the upload
    assert "Imported 1, skipped 0 duplicates." in html
