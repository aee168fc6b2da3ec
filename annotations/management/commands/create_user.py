"""`manage.py create_user NAME --role ROLE`: a user in one of Workbench's roles."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from annotations.policy import Role, sync_roles


class Command(BaseCommand):
    help = "Create a user with a role (annotator, reviewer, editor, researcher)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="Password to set; without it a random one is generated and printed once.",
        )

    def handle(self, *args, username, role, email, password, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        sync_roles()
        generated = password is None
        password = password or secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, email=email, password=password)
        user.groups.add(Group.objects.get(name=role))
        if role == Role.EDITOR:
            # Editors manage users and run the admin queue.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        self.stdout.write(f"Created {role} {username!r}.")
        if generated:
            self.stdout.write(f"Password (shown once): {password}")
