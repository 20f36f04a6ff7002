"""Send a family's progress summary now, or print what it would say.

python manage.py send_summary --family 12            # queue and send now
python manage.py send_summary --family 12 --preview  # print, send nothing
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from families.models import Caregiver, Family
from notifications.models import OutboxMessage
from portal.summaries import (
    SUMMARY,
    period_until_now,
    summary_context,
    summary_for,
    summary_send_now,
)


class Command(BaseCommand):
    help = "Send a family's progress summary now (or --preview it)."

    def add_arguments(self, parser):
        parser.add_argument("--family", type=int, required=True, help="the family's id")
        parser.add_argument("--preview", action="store_true", help="print it, send nothing")
        parser.add_argument(
            "--caregiver", type=int, help="with --preview: as this caregiver sees it"
        )

    def handle(self, *args, **options):
        family = Family.objects.filter(pk=options["family"]).first()
        if family is None:
            raise CommandError(f"No family with id {options['family']}.")
        if options["preview"]:
            self._preview(family, options.get("caregiver"))
            return
        with transaction.atomic():
            queued = summary_send_now(family=family)
        if not queued:
            self.stdout.write("Nothing new to send (or nobody in the family takes summaries).")
        for caregiver in queued:
            self.stdout.write(f"Summary queued for {caregiver.user.email}")

    def _preview(self, family: Family, caregiver_id: int | None) -> None:
        caregivers = Caregiver.objects.filter(family=family).select_related("user")
        if caregiver_id:
            caregivers = caregivers.filter(pk=caregiver_id)
        caregiver = caregivers.order_by("access_level", "id").first()
        if caregiver is None:
            raise CommandError("Nobody in this family to preview for.")
        last = (
            OutboxMessage.objects.filter(
                kind=SUMMARY, object_id=caregiver.pk, status=OutboxMessage.Status.SENT
            )
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        summary = summary_for(caregiver, period_until_now(since=last, now=timezone.now()))
        context = {**summary_context(summary), "site_url": "", "unsubscribe_url": "(link)"}
        self.stdout.write(render_to_string("portal/email/progress_summary.txt", context))
        if not summary.has_news:
            self.stdout.write("(Nothing new: this one would not be sent.)")
