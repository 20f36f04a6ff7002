"""Operations' view of sessions and clinical records. A signed note or
assessment is read-only here as everywhere (the model and the database refuse
changes too), and every time a superuser opens a clinical record it is audited."""

from django.contrib import admin

from accounts.audit import audit_record
from accounts.models import AuditEvent
from sessions_app.models import (
    Addendum,
    Assessment,
    NoteTemplate,
    SessionNote,
    StandardisedTest,
    TherapySession,
)


class AuditedClinicalAdmin(admin.ModelAdmin):
    record_type = ""

    def _child_id(self, obj) -> int | None:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_signed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_signed:
            return False
        return super().has_delete_permission(request, obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            audit_record(
                request=request,
                action=AuditEvent.Action.VIEW,
                record_type=self.record_type,
                record_id=obj.pk,
                child_id=self._child_id(obj),
                detail="Django admin",
            )
        return obj


@admin.register(TherapySession)
class TherapySessionAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "child", "family", "therapist", "session_type", "location"]
    list_filter = ["session_type", "location"]
    list_select_related = ["child", "family", "therapist"]
    raw_id_fields = ["family", "child", "therapist"]
    filter_horizontal = ["caregivers_attended"]


@admin.register(SessionNote)
class SessionNoteAdmin(AuditedClinicalAdmin):
    record_type = "session_note"
    list_display = ["session", "status", "signed_by", "signed_at"]
    list_filter = ["status"]
    list_select_related = ["session__child", "signed_by"]
    raw_id_fields = ["session", "signed_by"]
    readonly_fields = ["status", "signed_by", "signed_at", "created_at", "updated_at"]

    def _child_id(self, obj) -> int | None:
        return obj.session.child_id


class StandardisedTestInline(admin.TabularInline):
    model = StandardisedTest
    extra = 0

    def _signed(self, obj) -> bool:
        return obj is not None and obj.is_signed

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._signed(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._signed(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._signed(obj) and super().has_delete_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(AuditedClinicalAdmin):
    record_type = "assessment"
    list_display = ["child", "therapist", "assessed_on", "status"]
    list_filter = ["status"]
    list_select_related = ["child", "therapist"]
    raw_id_fields = ["child", "therapist", "session", "signed_by"]
    readonly_fields = ["status", "signed_by", "signed_at", "created_at", "updated_at"]
    inlines = [StandardisedTestInline]

    def _child_id(self, obj) -> int | None:
        return obj.child_id


@admin.register(Addendum)
class AddendumAdmin(admin.ModelAdmin):
    list_display = ["created_at", "author", "reason", "note", "assessment"]
    list_select_related = ["author"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        # Addenda are written by the treating therapist in the portal, audited there.
        return False


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "session_type"]
