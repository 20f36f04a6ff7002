from tests.matrix import ALL_PERSONAS, Route

ROUTES = [
    Route("privacy:notice", ALL_PERSONAS),
    Route("privacy:retention", frozenset({"admin"})),
    Route(
        "privacy:family_export",
        frozenset({"parent", "admin"}),
        kwargs=lambda w: {"pk": w.family.pk},
    ),
    Route(
        "privacy:family_export",
        frozenset({"parent", "admin"}),
        kwargs=lambda w: {"pk": w.family.pk},
        method="post",
        ok=(200,),
    ),
    Route("privacy:family_erase", frozenset({"admin"}), kwargs=lambda w: {"pk": w.family.pk}),
    Route("privacy:child_purge", frozenset({"admin"}), kwargs=lambda w: {"pk": w.child.pk}),
]
