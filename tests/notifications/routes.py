from notifications.models import PushDevice
from tests.matrix import Route

CAREGIVERS = frozenset(
    {
        "parent",
        "other_parent",
        "supporting",
        "supporting_unlinked",
        "supporting_goals_only",
        "supporting_booker",
    }
)


def _parents_device(world) -> dict:
    device, _ = PushDevice.objects.get_or_create(
        endpoint="https://fcm.googleapis.com/fcm/send/matrix",
        defaults={"user": world.parent, "p256dh": "x", "auth": "y", "label": "Chrome"},
    )
    return {"pk": device.pk}


ROUTES = [
    Route("notifications:outbox", frozenset({"admin"})),
    Route("notifications:push_key", CAREGIVERS),
    # Only the device's owner may stop it.
    Route(
        "notifications:push_device_remove",
        frozenset({"parent"}),
        kwargs=_parents_device,
        method="post",
        ok=(302,),
    ),
    # The family's primary caregivers see their own; the therapist anyone's.
    Route(
        "summary_preview",
        frozenset({"parent", "therapist"}),
        kwargs=lambda w: {"pk": w.family.pk},
    ),
    Route(
        "summary_send",
        frozenset({"therapist"}),
        kwargs=lambda w: {"pk": w.family.pk},
        method="post",
    ),
]

EXEMPT = {
    "notifications:push_subscribe": (
        "a JSON endpoint for the service worker (caregivers only, CSRF, real push services "
        "only): tests/notifications/test_push_devices.py"
    ),
    "notifications:push_unsubscribe": (
        "a JSON endpoint for the service worker, removing only the person's own device: "
        "tests/notifications/test_push_devices.py"
    ),
    "notifications:text_inbound": (
        "Twilio's webhook, with no log-in: its signature is the key "
        "(tests/notifications/test_text_replies.py)"
    ),
    "notifications:unsubscribe": (
        "takes a signed token and needs no log-in: tests/notifications/test_outbox.py"
    ),
}
