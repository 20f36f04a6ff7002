from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "families"
    verbose_name = "Families"

    def ready(self) -> None:
        from families.grants import GRANT_NOTICE, render_grant_notices
        from families.tasks import INVITATION, render_invitations
        from notifications.registry import register

        register(INVITATION, label="invitations to join a family", render=render_invitations)
        register(
            GRANT_NOTICE,
            label="notices of who can see your family's page",
            render=render_grant_notices,
            # A safeguard, like a password-change notice: no one unsubscribes.
            transactional=True,
        )
