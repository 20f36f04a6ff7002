from django.contrib import admin

from bookings.models import TherapistVideoLink


@admin.register(TherapistVideoLink)
class TherapistVideoLinkAdmin(admin.ModelAdmin):
    """Each therapist's standing video room, for VIDEO_PROVIDER=fixed."""

    list_display = ["therapist", "url"]
    autocomplete_fields = ["therapist"]
