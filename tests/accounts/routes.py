from tests.matrix import ALL_PERSONAS, Route

ROUTES = [
    Route("accounts:account", ALL_PERSONAS),
    Route("accounts:audit_search", frozenset({"admin"})),
    Route("accounts:lockouts", frozenset({"admin"})),
    Route(
        "accounts:lockout_lift",
        frozenset({"admin"}),
        method="post",
        data=lambda w: {"kind": "account", "value": "nobody@example.org"},
        ok=(302,),
    ),
]
