from tests.matrix import ALL_PERSONAS, Route

ROUTES = [
    Route("accounts:account", ALL_PERSONAS),
    Route("accounts:audit_search", frozenset({"admin"})),
    Route("accounts:lockouts", frozenset({"admin"})),
    Route(
        "accounts:lockout_lift",
        frozenset({"admin"}),
        method="post",
        data=lambda w: {"kind": "pair", "account": "nobody@example.org", "address": "192.0.2.1"},
        ok=(302,),
    ),
]
