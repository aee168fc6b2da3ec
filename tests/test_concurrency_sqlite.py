"""The take-next race on SQLite: threads against a file database, as `make run` serves it.

SQLite has no row locks; Workbench's settings open every transaction IMMEDIATE, which
takes the database write lock at BEGIN, so concurrent takers run one after another and
each sees the queue as the previous one left it. The test database of the suite is in
memory (shared cache, where a busy table fails at once instead of waiting), so this runs
in a child process on a temporary file database with the real settings.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RACE = r"""
import json, threading
import django
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)

from annotations import workflow
from annotations.models import Annotation, HistoryEntry
from annotations.policy import Role
from tests.factories import ArticleFactory, UserFactory

PHRASE = "exports rose 30 percent"
author = UserFactory(role=Role.ANNOTATOR)
article = ArticleFactory()
start = article.body.index(PHRASE)
items = []
for _ in range(20):
    draft = workflow.annotation_create(article=article, author=author, kind="claim",
                                       start=start, end=start + len(PHRASE), exact=PHRASE,
                                       confirm_duplicate=True)  # twenty items, one phrase
    items.append(workflow.annotation_submit(annotation_id=draft.pk, user=author,
                                            version=draft.version).pk)
reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(20)]
barrier = threading.Barrier(len(reviewers))
taken, errors = [], []

def take(reviewer):
    try:
        barrier.wait(timeout=30)
        annotation = workflow.queue_take_next(reviewer=reviewer)
        taken.append(annotation.pk if annotation else None)
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=take, args=(r,)) for r in reviewers]
for thread in threads: thread.start()
for thread in threads: thread.join(timeout=120)
print(json.dumps({
    "items": items,
    "taken": taken,
    "errors": errors,
    "reviewers": sorted(
        set(Annotation.objects.filter(pk__in=items).values_list("reviewer_id", flat=True))
    ),
    "history": HistoryEntry.objects.filter(action="taken").count(),
    "vendor": connection.vendor,
}))
"""


def test_twenty_takers_on_a_sqlite_file_database_get_twenty_different_items(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", RACE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["vendor"] == "sqlite"
    assert report["errors"] == []
    assert sorted(report["taken"]) == sorted(report["items"])  # 20 distinct, none twice
    assert len(report["reviewers"]) == 20
    assert report["history"] == 20
