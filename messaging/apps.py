from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = "Messages and media"

    def ready(self) -> None:
        from families.retention import register_destroyer
        from families.sections import register
        from goals.services import register_win_photo
        from messaging.emails import register_kinds
        from messaging.selectors import child_section_conversations
        from messaging.services import win_photo_add

        register(
            "messaging",
            template="messaging/includes/child_section.html",
            order=30,
            read=child_section_conversations,
        )
        register_destroyer(child_media_files_destroy)
        register_kinds()
        # A photo shared with a win (goals, below this app) is stored here.
        register_win_photo(win_photo_add)


def child_media_files_destroy(child) -> dict[str, int]:
    """A child's record destroyed after retention (families.services.child_purge):
    the rows go with the child; their files go from storage after the commit."""
    from families.retention import files_destroy_after_commit
    from messaging.models import MediaFile

    names = MediaFile.objects.filter(child=child).values_list("file", flat=True)
    return {"messaging files": files_destroy_after_commit(names)}
