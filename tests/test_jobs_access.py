"""Who sees a background import's progress and report, and the jobs in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from annotations import tasks
from annotations.models import Job, JobKind, JobStatus
from annotations.policy import Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def import_job(editor):
    return Job.objects.create(
        kind=JobKind.IMPORT,
        created_by=editor,
        params={"files": [{"name": "big.jsonl", "size": 10, "path": "imports/x/0"}]},
        progress_total=10,
        progress_done=4,
        progress_label="Importing big.jsonl (file 1 of 1)",
        status=JobStatus.RUNNING,
    )


def status_url(job) -> str:
    return reverse("import_job", args=[job.pk])


def test_the_creator_sees_the_progress_in_the_import_progress_bar(client_for, editor, import_job):
    response = client_for(editor).get(status_url(import_job), headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<progress class="import-progress-bar" max="100" value="40">40%</progress>' in html
    assert "Running: Importing big.jsonl (file 1 of 1) (40%)" in html
    assert f'hx-get="{status_url(import_job)}" hx-trigger="every 1s"' in html


def test_another_editor_sees_it_too(client_for, import_job):
    colleague = UserFactory(username="emil", role=Role.EDITOR)

    assert client_for(colleague).get(status_url(import_job)).status_code == 200


def test_an_importer_without_the_editors_view_of_jobs_does_not_find_anothers(
    client_for, import_job
):
    importer = UserFactory(username="ivo")
    importer.user_permissions.add(Permission.objects.get(codename="import_articles"))

    assert client_for(importer).get(status_url(import_job)).status_code == 404


@pytest.mark.parametrize("persona", ["annotator", "reviewer", "researcher", "outsider"])
def test_roles_that_do_not_import_are_refused(client_for, persona, request, import_job):
    assert (
        client_for(request.getfixturevalue(persona)).get(status_url(import_job)).status_code == 403
    )


def test_an_anonymous_visitor_is_sent_to_log_in(client, import_job):
    assert client.get(status_url(import_job))["Location"].startswith("/login/")


def test_an_export_job_is_not_an_import(client_for, editor):
    job = Job.objects.create(kind=JobKind.EXPORT, created_by=editor, params={})

    assert client_for(editor).get(status_url(job)).status_code == 404


def test_the_status_accepts_only_get(client_for, editor, import_job):
    assert client_for(editor).post(status_url(import_job)).status_code == 405


def test_editors_read_jobs_in_the_admin_and_cannot_change_them(client_for, editor, import_job):
    client = client_for(editor)

    listing = client.get(reverse("admin:annotations_job_changelist"))
    detail = client.get(reverse("admin:annotations_job_change", args=[import_job.pk]))

    assert listing.status_code == 200 and "40%" in listing.content.decode()
    assert detail.status_code == 200
    assert "Importing big.jsonl" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:annotations_job_add")).status_code == 403


def test_the_admin_links_a_job_to_its_latest_attempt_in_the_queue(admin_client, import_job):
    result = tasks.import_articles.enqueue(import_job.pk)
    Job.objects.filter(pk=import_job.pk).update(task_id=result.id)

    detail = admin_client.get(reverse("admin:annotations_job_change", args=[import_job.pk]))

    attempt = reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.id])
    assert f'<a href="{attempt}">{result.id}</a>' in detail.content.decode()
    assert admin_client.get(attempt).status_code == 200
