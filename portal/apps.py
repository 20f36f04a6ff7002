from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import services
        from portal.summaries import register_kinds

        register_kinds()
        services.register_kinds()
