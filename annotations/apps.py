"""The annotations app: Workbench's one domain app."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Workbench"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .permission_cache import connect_signals
        from .policy import sync_roles

        connect_signals()

        # Role groups follow the code: after every migrate they hold exactly their permissions.
        post_migrate.connect(lambda sender, **kwargs: sync_roles(), sender=self, weak=False)
