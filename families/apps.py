from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "families"
    verbose_name = "Families"

    def ready(self) -> None:
        from families.grants import GRANT_NOTICE, render_grant_notices
        from families.selectors import families_not_agreeing_to_email
        from families.tasks import INVITATION, render_invitations
        from notifications.registry import Purpose, register, register_consent_reader

        register(
            INVITATION,
            label="invitations to join a family",
            render=render_invitations,
            # An account e-mail: how a person gets into the portal at all.
            purpose=Purpose.NECESSARY,
        )
        register(
            GRANT_NOTICE,
            label="notices of who can see your family's page",
            render=render_grant_notices,
            purpose=Purpose.NECESSARY,
            # A safeguard, like a password-change notice: no one unsubscribes.
            transactional=True,
        )
        register_consent_reader(families_not_agreeing_to_email)
