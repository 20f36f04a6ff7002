from django.contrib import admin

from families.models import Caregiver, CaseloadAssignment, Child, Family, Invitation


class ChildInline(admin.TabularInline):
    model = Child
    extra = 0
    fields = ["first_name", "last_name", "date_of_birth", "discharged_on"]


class CaregiverInline(admin.TabularInline):
    model = Caregiver
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "relationship", "access_level"]


@admin.register(Family)
class FamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "postcode", "created_at"]
    search_fields = ["name", "postcode", "email"]
    inlines = [ChildInline, CaregiverInline]


@admin.register(Child)
class ChildAdmin(admin.ModelAdmin):
    list_display = ["first_name", "last_name", "family", "date_of_birth", "discharged_on"]
    search_fields = ["first_name", "last_name", "family__name"]
    list_select_related = ["family"]


@admin.register(CaseloadAssignment)
class CaseloadAssignmentAdmin(admin.ModelAdmin):
    list_display = ["child", "therapist", "kind", "starts_on", "ends_on"]
    list_select_related = ["child", "therapist"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "family",
        "access_level",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    exclude = ["token_hash"]
    list_select_related = ["family"]
