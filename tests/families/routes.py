from families.models import Caregiver
from tests.factories import make_invitation
from tests.matrix import ALL_PERSONAS, BOOKER, GOALS_ONLY, Route

MANAGERS = frozenset({"parent", "therapist", "admin"})


def _invitation(world):
    invitation, _ = make_invitation(
        family=world.family, by=world.parent, email="auntie@example.org"
    )
    return {"pk": invitation.pk}


def _supporting_membership(world):
    return {"pk": Caregiver.objects.get(user=world.supporting, family=world.family).pk}


def _assignment(world):
    return {"pk": world.child.assignments.get().pk}


ROUTES = [
    # Staff see the list; a therapist's is scoped to their caseload (tested apart).
    Route("families:family_list", frozenset({"therapist", "other_therapist", "admin"})),
    Route("families:family_register", frozenset({"admin"})),
    Route("families:family_detail", MANAGERS, kwargs=lambda w: {"pk": w.family.pk}),
    Route(
        "families:family_edit", frozenset({"parent", "admin"}), kwargs=lambda w: {"pk": w.family.pk}
    ),
    Route("families:child_create", frozenset({"admin"}), kwargs=lambda w: {"pk": w.family.pk}),
    Route("families:invitation_create", MANAGERS, kwargs=lambda w: {"pk": w.family.pk}),
    Route(
        "families:child_detail",
        frozenset({"parent", "supporting", GOALS_ONLY, BOOKER, "therapist", "admin"}),
        kwargs=lambda w: {"pk": w.child.pk},
    ),
    Route("families:child_edit", MANAGERS, kwargs=lambda w: {"pk": w.child.pk}),
    Route(
        "families:child_access_history",
        frozenset({"therapist"}),
        kwargs=lambda w: {"pk": w.child.pk},
    ),
    Route("families:consents", MANAGERS, kwargs=lambda w: {"pk": w.family.pk}),
    Route(
        "families:consents",
        frozenset({"parent"}),
        kwargs=lambda w: {"pk": w.family.pk},
        method="post",
        data=lambda w: {"kind": "share_with_school", "decision": "give"},
        ok=(302,),
    ),
    # Today's question whether we may e-mail the family about therapy.
    Route(
        "families:email_question",
        frozenset({"parent"}),
        kwargs=lambda w: {"pk": w.family.pk},
        method="post",
        data=lambda w: {"answer": "not_now"},
        ok=(302,),
    ),
    Route("families:caseload_manage", frozenset({"admin"}), kwargs=lambda w: {"pk": w.child.pk}),
    Route("families:caseload_end", frozenset({"admin"}), kwargs=_assignment),
    Route("families:invitation_resend", MANAGERS, kwargs=_invitation, method="post"),
    Route("families:invitation_revoke", MANAGERS, kwargs=_invitation, method="post"),
    Route("families:caregiver_edit", frozenset({"parent", "admin"}), kwargs=_supporting_membership),
    Route(
        "families:caregiver_remove", frozenset({"parent", "admin"}), kwargs=_supporting_membership
    ),
    Route(
        "families:caregiver_remove",
        frozenset({"parent", "admin"}),
        kwargs=_supporting_membership,
        method="post",
    ),
    Route(
        "families:my_family",
        frozenset(
            {"parent", "other_parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER}
        ),
        ok=(302,),
    ),
    Route(
        "families:preferences",
        frozenset(
            {"parent", "other_parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER}
        ),
    ),
    Route("home", ALL_PERSONAS),
]

EXEMPT = {
    "families:invitation_accept": "takes a secret token, not an id: tests/families/test_invitations.py",
}
