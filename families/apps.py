from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "families"
    verbose_name = "Families"

    def ready(self) -> None:
        from families.tasks import INVITATION, render_invitations
        from notifications.registry import register

        register(INVITATION, label="invitations to join a family", render=render_invitations)
