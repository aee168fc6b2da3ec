"""`manage.py seed_demo`: on an empty database, demo users (one per role) and a demo corpus.

`make run` calls it every time; it does nothing but print how to log in once any user
exists, so it never touches a database that is in real use.
"""

import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from annotations.importers import import_path
from annotations.policy import Role, sync_roles

DEMO_CORPUS = Path(__file__).resolve().parents[2] / "demo" / "demo-dump.txt"
# Two annotators and two reviewers so the four-eyes rule can be tried out.
DEMO_USERS = [
    ("anna", Role.ANNOTATOR),
    ("arno", Role.ANNOTATOR),
    ("rita", Role.REVIEWER),
    ("rolf", Role.REVIEWER),
    ("edith", Role.EDITOR),
    ("ruth", Role.RESEARCHER),
]
LOGIN_URL = "http://127.0.0.1:8000/login/"


class Command(BaseCommand):
    help = "Create demo users and import the demo corpus, only on an empty database."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            names = ", ".join(
                f"{user.username} ({'/'.join(g.name for g in user.groups.all()) or 'no role'})"
                for user in User.objects.prefetch_related("groups").order_by("username")[:10]
            )
            self.stdout.write(
                f"Workbench has users already; no demo data added.\n"
                f"Log in at {LOGIN_URL} as one of: {names}.\n"
                "Demo passwords were printed once when they were created; set a new one with\n"
                "  .venv/bin/python manage.py changepassword NAME"
            )
            return

        sync_roles()
        with transaction.atomic():
            credentials = [self._create_user(name, role) for name, role in DEMO_USERS]
            report = import_path(DEMO_CORPUS, publisher="Workbench demo desk")

        self.stdout.write(
            f"Imported {len(report.imported)} demo articles from {DEMO_CORPUS.name}.\n"
            f"Log in at {LOGIN_URL} with one of these demo users "
            "(passwords shown this once):"
        )
        for name, role, password in credentials:
            self.stdout.write(f"  {name:<6} {role.value:<10} {password}")

    def _create_user(self, name: str, role: Role):
        password = secrets.token_urlsafe(9)
        user = get_user_model().objects.create_user(username=name, password=password)
        user.groups.add(Group.objects.get(name=role.value))
        if role == Role.EDITOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return name, role, password
