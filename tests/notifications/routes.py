from tests.matrix import Route

ROUTES = [
    Route("notifications:outbox", frozenset({"admin"})),
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
