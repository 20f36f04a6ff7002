from notifications.models import PushDevice
from tests.matrix import Route

CAREGIVERS = frozenset({"parent", "other_parent", "supporting", "supporting_unlinked"})


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
    "notifications:unsubscribe": (
        "takes a signed token and needs no log-in: tests/notifications/test_outbox.py"
    ),
}
