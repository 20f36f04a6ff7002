from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate


def _install_revisions(sender, using, **kwargs) -> None:
    # post_migrate is sent once for each app with models: install once, for
    # the last of them, when every table exists.
    last = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is last:
        from portal import revisions

        revisions.install(connections[using])


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import services
        from portal.summaries import register_kinds

        register_kinds()
        services.register_kinds()
        post_migrate.connect(_install_revisions, dispatch_uid="portal.revisions.install")
