from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from families.retention import register_destroyer
        from families.sections import register
        from reports.services import register_kinds

        register("reports", template="reports/includes/child_section.html", order=50)
        register_destroyer(child_documents_destroy)
        register_kinds()


def child_documents_destroy(child) -> dict[str, int]:
    """A child's record destroyed after retention (families.services.child_purge):
    the rows go with the child; their files go from storage after the commit."""
    from families.retention import files_destroy_after_commit
    from reports.models import SharedDocument

    names = SharedDocument.objects.filter(child=child).values_list("file", flat=True)
    return {"reports files": files_destroy_after_commit(names)}
