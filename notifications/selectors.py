"""Reads for the outbox page: kind, recipient, status and timings only —
never a message body (the outbox holds none); and a person's push devices."""

from django.db.models import Count, QuerySet

from notifications.models import OutboxMessage, PushDevice

PAGE_SIZE = 50


def outbox_list(*, kind: str = "", status: str = "", search: str = "") -> QuerySet[OutboxMessage]:
    messages = OutboxMessage.objects.only(
        "kind",
        "channel",
        "recipient_email",
        "object_type",
        "object_id",
        "status",
        "attempts",
        "last_error",
        "skip_reason",
        "created_at",
        "sent_at",
        "next_attempt_at",
    )
    if kind:
        messages = messages.filter(kind=kind)
    if status:
        messages = messages.filter(status=status)
    if search:
        messages = messages.filter(recipient_email__icontains=search)
    return messages.order_by("-created_at", "-id")


def outbox_counts() -> dict[str, int]:
    """How many rows per status, for the summary line: one query."""
    rows = OutboxMessage.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def push_devices_for(user) -> list[PushDevice]:
    """The person's own devices, for How we contact you."""
    return list(PushDevice.objects.filter(user=user).only("label", "created_at", "user_id"))
