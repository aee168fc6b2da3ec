"""Background jobs: creating, running, retrying and finishing them, and the jobs' own work.

A job is a `Job` row (what people see: status, progress, report, file) plus one task in
django.tasks' queue per attempt (django-tasks-db's table, run by `manage.py db_worker`).
`job_create` writes the row and enqueues its task when the transaction commits; every
task in `tasks.py` calls `job_run`, which marks the job running, calls the job's function
with a `Progress`, and finishes it, or, for a failure its `RetryPolicy` calls transient,
schedules another attempt after a backoff (django-tasks-db never retries by itself).

Adding a job (suggestion runs, webhook deliveries, notification e-mails): a function
`work(job, progress) -> dict` (the report) beside the domain code it drives, a `JobKind`,
and a three-line task in `tasks.py` naming its retry policy.

A job is never half-applied:
- import: each file is one transaction, and the file's report is written in that same
  transaction; an attempt after a failure resumes at the first file without a report.
- export: the records are written to a temporary file that is stored under the job's name
  only when complete; a retry writes it again from the start. The database changes only
  when the job is marked done.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from . import exporters
from .exporters import ExportFilters
from .importers import ImportFailed, ImportReport, import_file, import_uploads
from .models import Article, Job, JobKind, JobStatus

VIEW_ANY_JOB_PERMISSION = "annotations.view_job"
WAITING_LABEL = "Waiting for a worker"


def job_storage():
    """Where jobs keep their files: private, read only through permission-checked views."""
    return storages["jobs"]


# ---- Retries ----


# A worker stopped by force (a second Ctrl+C or SIGTERM) interrupts the job it runs: the
# job's transaction is rolled back, so another attempt is safe wherever retries are.
INTERRUPTED = (KeyboardInterrupt, SystemExit)


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures deserve another attempt, how many attempts in all, how long between.

    The wait doubles after each failed attempt (`first_delay`, twice that, …), capped at
    `max_delay`: a database restarting or a disk being freed gets time to come back
    without a tight loop of failures.
    """

    retry_on: tuple[type[BaseException], ...] = ()
    max_attempts: int = 1
    first_delay: timedelta = timedelta(seconds=15)
    max_delay: timedelta = timedelta(minutes=10)

    def delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1 for the first)."""
        return min(self.first_delay * 2 ** (attempt - 1), self.max_delay)

    def retries(self, error: BaseException, attempt: int) -> bool:
        return attempt < self.max_attempts and isinstance(error, (*self.retry_on, *INTERRUPTED))


def failure_message(error: BaseException) -> str:
    """What the person who asked reads about a failure: the kind of trouble, never the
    internals (a connection string, a path). Editors read the traceback in the admin."""
    name = type(error).__name__
    if isinstance(error, INTERRUPTED):
        return "The worker was stopped while it ran this job."
    if isinstance(error, DatabaseError):
        return f"The database was unavailable ({name})."
    if isinstance(error, OSError):
        return f"The file storage was unavailable ({name})."
    return f"An unexpected error ({name}) stopped it; editors find the details in the admin."


# ---- Progress ----


class Progress:
    """A job's progress, written to its row as it goes so that the page polling it sees it.

    Each write is its own statement outside the job's transactions (those hold the work,
    not its progress), at most once per hundredth of the total or when the label changes.
    """

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.done = job.progress_done
        self.total = job.progress_total
        self.label = job.progress_label
        self._written = (self.done, self.total, self.label)

    def update(self, done: int, *, total: int | None = None, label: str | None = None) -> None:
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label[: Job._meta.get_field("progress_label").max_length]
        # A count can outrun its estimate (records verified meanwhile): stay within it.
        self.done = min(done, self.total) if self.total else done
        written_done, written_total, written_label = self._written
        step = max(1, self.total // 100)
        if (
            (self.total, self.label) != (written_total, written_label)
            or self.done - written_done >= step
            or (self.done == self.total and self.done != written_done)
        ):
            Job.objects.filter(pk=self.job_id).update(
                progress_done=self.done, progress_total=self.total, progress_label=self.label
            )
            self._written = (self.done, self.total, self.label)


# ---- Creating and running ----


def job_create(
    *, kind: JobKind, task, created_by=None, params: dict | None = None, **fields
) -> Job:
    """A new job, its first attempt enqueued once the current transaction commits.

    `task` is the job's task in tasks.py; `fields` set more of the row (a first report,
    a known total).
    """
    job = Job.objects.create(
        kind=kind,
        created_by=created_by,
        params=params or {},
        progress_label=WAITING_LABEL,
        **fields,
    )
    transaction.on_commit(lambda: _enqueue(job.pk, task))
    return job


def _enqueue(job_id: int, task, run_after: datetime | None = None) -> None:
    result = (task.using(run_after=run_after) if run_after else task).enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


def job_run(
    context,
    job_id: int,
    work: Callable[[Job, Progress], dict],
    *,
    retry: RetryPolicy,
    discard: Callable[[Job], None] | None = None,
):
    """Run one attempt of a job: what every task in tasks.py does with its job's function.

    A failure is recorded on the job and raised again, so the queue's own record of the
    attempt (the task result, with its traceback) says it failed too. When the job fails
    for good, `discard(job)` removes what only a later attempt would have needed.
    """
    job = _job_start(job_id, task_id=str(context.task_result.id))
    if job is None:
        return {"job": job_id, "skipped": "already run or removed"}
    try:
        result = work(job, Progress(job))
    except BaseException as error:
        # The connection may be the thing that broke: get a working one to record it.
        close_old_connections()
        if retry.retries(error, job.attempts):
            task = context.task_result.task
            _job_retry_later(job, error, task=task, wait=retry.delay(job.attempts))
        else:
            _job_fail(job, error)
            if discard is not None:
                discard(job)
        raise
    _job_succeed(job, result)
    job_files_expire()
    return {"job": job_id, "status": JobStatus.SUCCEEDED.value}


def _job_start(job_id: int, *, task_id: str) -> Job | None:
    """Mark the job running, or None if it is not waiting (a second delivery of a task)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RETRYING):
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.next_attempt_at = None
        job.task_id = task_id
        job.save(update_fields=["status", "attempts", "started_at", "next_attempt_at", "task_id"])
    return job


def _job_retry_later(job: Job, error: BaseException, *, task, wait: timedelta) -> None:
    when = timezone.now() + wait
    # The job's new state and its next attempt commit together (the queue is a table of
    # the same database): never a job waiting for an attempt that is not queued.
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RETRYING,
            next_attempt_at=when,
            error=f"Attempt {job.attempts} failed: {failure_message(error)} "
            "Another attempt is scheduled.",
        )
        _enqueue(job.pk, task, run_after=when)


def _job_fail(job: Job, error: BaseException) -> None:
    attempts = f" after {job.attempts} attempts" if job.attempts > 1 else ""
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        finished_at=timezone.now(),
        error=f"Failed{attempts}: {failure_message(error)}",
    )


def _job_succeed(job: Job, result: dict) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        result=result,
        error="",
        progress_done=F("progress_total"),
        progress_label="Done",
    )


# ---- Who sees a job ----


def job_access_denied(user, job: Job) -> str | None:
    """Why `user` may not see `job` (its status, report, file), or None when they may.

    A job is its creator's; editors (and superusers) see everyone's. The caller checks
    the role for the job's kind first (importing, exporting).
    """
    if not user.is_authenticated or not user.is_active:
        return "Please log in."
    if job.created_by_id == user.pk or user.has_perm(VIEW_ANY_JOB_PERMISSION):
        return None
    return "This job is someone else's."


# ---- Files ----


def job_files_expire(now: datetime | None = None) -> int:
    """Delete the files whose time is up; the job keeps its record. Returns how many."""
    storage = job_storage()
    expired = 0
    for job in Job.objects.with_expired_files(now or timezone.now()).only("pk", "file_path"):
        storage.delete(job.file_path)
        expired += Job.objects.filter(pk=job.pk, file_path=job.file_path).update(file_path="")
    return expired


def job_file_available(job: Job, now: datetime | None = None) -> bool:
    return bool(job.file_path) and job.expires_at > (now or timezone.now())


# ---- The queue, for the readiness probe ----


def queue_state(now: datetime | None = None) -> dict:
    """How many tasks wait for a worker and for how long the oldest has (one query)."""
    waiting = DBTaskResult.objects.ready().aggregate(count=Count("id"), oldest=Min("enqueued_at"))
    oldest = waiting["oldest"]
    return {
        "waiting": waiting["count"],
        "oldest_waiting_seconds": round(((now or timezone.now()) - oldest).total_seconds())
        if oldest
        else 0,
    }


# ---- Import ----


def import_runs_in_background(files) -> bool:
    """Whether an upload is large enough to be imported by a worker (files over the size
    limit are refused at once, unread, and do not count)."""
    storable = sum(upload.size for upload in files if upload.size <= settings.IMPORT_MAX_BYTES)
    return storable > settings.IMPORT_BACKGROUND_BYTES


def import_job_create(*, files, file_format: str, publisher: str, created_by, task) -> Job:
    """Keep the uploads in the job storage and queue their import.

    A file over the size limit is refused now, as the page would (its report is the
    job's first); the others wait for the worker, which reads them from the storage.
    """
    storage = job_storage()
    folder = f"imports/{timezone.now():%Y%m%d}-{get_random_string(12)}"
    stored, reports = [], {}
    try:
        for index, upload in enumerate(files):
            entry = {"name": upload.name, "size": upload.size, "path": ""}
            if upload.size > settings.IMPORT_MAX_BYTES:
                [refused] = import_uploads([upload])
                reports[str(index)] = import_report_json(refused)
            else:
                entry["path"] = storage.save(f"{folder}/{index}", upload)
            stored.append(entry)
        return job_create(
            kind=JobKind.IMPORT,
            task=task,
            created_by=created_by,
            params={"files": stored, "file_format": file_format, "publisher": publisher},
            result={"reports": reports},
            progress_total=sum(entry["size"] for entry in stored if entry["path"]),
        )
    except BaseException:
        # No job, no files: an upload nobody will import must not stay behind.
        for entry in stored:
            if entry["path"]:
                storage.delete(entry["path"])
        raise


def import_report_json(report: ImportReport) -> dict:
    """An import report as the job keeps it, with the names the import page reads."""
    return {
        "filename": report.filename,
        "format": report.format,
        "ok": report.ok,
        "imported": [{"pk": article.pk, "title": article.title} for article in report.imported],
        "duplicates": list(report.duplicates),
        "errors": [{"location": e.location, "message": e.message} for e in report.errors],
    }


def import_job_reports(job: Job) -> list[dict]:
    """The job's reports so far, in the order of its files."""
    reports = job.result.get("reports", {})
    return [reports[key] for key in sorted(reports, key=int)]


def import_job_work(job: Job, progress: Progress) -> dict:
    """Import the job's files one by one, each whole or not at all, skipping those an
    earlier attempt finished (they have a report), and delete the uploads when done."""
    files = job.params["files"]
    reports = dict(job.result.get("reports", {}))
    storage = job_storage()
    # Files refused unread (too large) have a report from the start and count for nothing.
    done = sum(
        entry["size"] for key, entry in enumerate(files) if str(key) in reports and entry["path"]
    )
    for index, entry in enumerate(files):
        key = str(index)
        if key in reports:
            continue
        progress.update(done, label=f"Importing {entry['name']} (file {index + 1} of {len(files)})")

        def record(report: ImportReport, key=key) -> None:
            reports[key] = import_report_json(report)
            Job.objects.filter(pk=job.pk).update(result={"reports": reports})

        try:
            with storage.open(entry["path"], "rb") as file:
                import_file(
                    file,
                    filename=entry["name"],
                    file_format=job.params["file_format"] or None,
                    publisher=job.params["publisher"],
                    imported_by=job.created_by,
                    on_saved=record,
                )
        except ImportFailed as failure:
            record(ImportReport(filename=failure.filename, errors=failure.errors))
        done += entry["size"]
        progress.update(done)
    import_job_discard_uploads(job)
    return {"reports": reports}


def import_job_discard_uploads(job: Job) -> None:
    """Delete the job's uploads: once imported, or when the job has failed for good."""
    storage = job_storage()
    for entry in job.params["files"]:
        if entry["path"]:
            storage.delete(entry["path"])


# ---- Export to a file ----


def export_runs_in_background(export_format: str, filters: ExportFilters) -> bool:
    """Whether an export asked for on the page is large enough to be prepared as a file."""
    stream = exporters.stream_export(export_format, filters)
    return stream.queryset().count() > settings.EXPORT_BACKGROUND_RECORDS


def export_job_create(*, export_format: str, filters: ExportFilters, created_by, task) -> Job:
    return job_create(
        kind=JobKind.EXPORT,
        task=task,
        created_by=created_by,
        params={"format": export_format, "filters": _filters_json(filters)},
    )


def _filters_json(filters: ExportFilters) -> dict:
    return {
        "since": filters.since.isoformat() if filters.since else None,
        "kind": filters.kind,
        "verdict": filters.verdict,
        "article_id": filters.article_id,
    }


def export_job_filters(job: Job) -> ExportFilters:
    saved = job.params["filters"]
    since = datetime.fromisoformat(saved["since"]) if saved["since"] else None
    return ExportFilters(
        since=since, kind=saved["kind"], verdict=saved["verdict"], article_id=saved["article_id"]
    )


def export_job_work(job: Job, progress: Progress) -> dict:
    """Write the export to a file in the job storage, stored under its name only when
    complete. It is the export of the moment the job was asked for (`exported_at`)."""
    export_format = job.params["format"]
    stream = exporters.stream_export(
        export_format, export_job_filters(job), exported_at=job.created_at
    )
    total = stream.queryset().count()
    progress.update(0, total=total, label=f"Writing {total:,} records")
    storage = job_storage()
    name = f"exports/job-{job.pk}.{stream.format.extension}"
    with tempfile.TemporaryFile() as spool:
        for piece in stream:
            spool.write(piece.encode("utf-8"))
            progress.update(stream.records)
        size = spool.tell()
        spool.seek(0)
        storage.delete(name)  # an earlier attempt's, had it got that far
        stored_name = storage.save(name, File(spool, name=name))
    Job.objects.filter(pk=job.pk).update(
        file_path=stored_name,
        file_name=exporters.export_filename(export_format, job.created_at),
        file_size=size,
        content_type=stream.format.content_type,
        expires_at=timezone.now() + timedelta(hours=settings.JOB_FILE_RETENTION_HOURS),
    )
    return {"records": stream.records, "bytes": size}


# ---- Suggestion runs: the assistant's proposals for imported (or chosen) articles ----


def suggest_job_create(*, article_ids: list[int], created_by=None) -> Job:
    """Queue a run of the suggestion engines over these articles (after this commit)."""
    from . import tasks

    return job_create(
        kind=JobKind.SUGGEST,
        task=tasks.suggest_articles,
        created_by=created_by,
        params={"articles": sorted(article_ids)},
        progress_total=len(article_ids),
    )


def suggest_job_work(job: Job, progress: Progress) -> dict:
    """Store the proposals article by article. Resumable by design: each article is its
    own transaction and storing proposals again adds nothing, so a retry redoes at most
    the article it was on."""
    from .proposals import suggestions_refresh

    article_ids = job.params["articles"]
    added = 0
    progress.update(0, total=len(article_ids), label="Proposing spans")
    for done, article in enumerate(Article.objects.filter(pk__in=article_ids).order_by("pk")):
        added += suggestions_refresh(article=article)
        progress.update(done + 1)
    return {"articles": len(article_ids), "proposals": added}
