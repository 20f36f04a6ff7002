"""Who may give whom access to a family, and the notice that tells its
parents. The rule, stated once for the form, the services and the e-mail:

- a family's primary caregiver and the practice admin may grant primary or
  supporting access, for any of the family's current children;
- a therapist may invite supporting caregivers only, for the children on
  their own caseload (lead or covering), and to the goals and home strategies
  only;
- what a supporting caregiver sees beyond goals and home strategies (their
  scope: session summaries, therapy messages and photos, bookings, and
  booking for the child) is the family's decision: a primary caregiver's, or the practice admin's on
  their behalf;
- nobody else may grant anything.

Every grant is audited by the service that makes it, and the family's other
primary caregivers are told by e-mail (`grant_notice_queue`), so that access
to a child never changes without a parent hearing of it; when a supporting
caregiver's scope changes, they are told what they now see.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from accounts.models import Role, User
from families.models import (
    AccessLevel,
    Caregiver,
    Child,
    Family,
    Invitation,
    Scope,
    SupportingLink,
)
from families.permissions import children_for
from notifications.emails import render_email
from notifications.models import OutboxMessage
from notifications.registry import Rendered
from notifications.services import message_queue

GRANT_NOTICE = "access_granted"


def _is_primary_caregiver(user: User, family: Family) -> bool:
    return Caregiver.objects.filter(
        user=user, family=family, access_level=AccessLevel.PRIMARY
    ).exists()


def grantable_levels(user: User, family: Family) -> list[str]:
    """The access levels `user` may give in `family`, best first."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.role == Role.ADMIN or (
        user.role == Role.CAREGIVER and _is_primary_caregiver(user, family)
    ):
        return [AccessLevel.PRIMARY, AccessLevel.SUPPORTING]
    if user.role == Role.THERAPIST:
        return [AccessLevel.SUPPORTING]
    return []


def grantable_children(user: User, family: Family) -> QuerySet[Child]:
    """The children of `family` whom `user` may give a supporting caregiver."""
    children = family.children.filter(discharged_on__isnull=True)
    if not grantable_levels(user, family):
        return children.none()
    if user.role == Role.THERAPIST:
        return children.filter(pk__in=children_for(user).values("pk"))
    return children


def grantable_scope(user: User, family: Family) -> list[Scope]:
    """What beyond goals and home strategies `user` may let a supporting
    caregiver of `family` see: everything for a primary caregiver or the
    practice admin, nothing for anyone else (a therapist's invitation gives
    goals and home strategies; the family widens it if they wish)."""
    if grantable_levels(user, family) == [AccessLevel.PRIMARY, AccessLevel.SUPPORTING]:
        return list(Scope)
    return []


def grant_check(
    *,
    by: User,
    family: Family,
    access_level: str,
    children: list[Child],
    scope: Iterable[str] = (),
) -> None:
    """Refuse what `by` may not grant, whatever a form posted."""
    levels = grantable_levels(by, family)
    if not levels:
        raise ValidationError("Only the family's parents or the practice can invite people.")
    if access_level not in levels:
        raise ValidationError(
            {
                "access_level": "Only a parent or guardian in the family, or the practice "
                "office, can give primary access."
            }
        )
    allowed = set(grantable_children(by, family).values_list("pk", flat=True))
    if any(child.pk not in allowed for child in children):
        raise ValidationError(
            {"children": "Choose only children you work with."}
            if by.role == Role.THERAPIST
            else {"children": "Choose children of this family only."}
        )
    if not set(scope) <= set(grantable_scope(by, family)):
        raise ValidationError(
            {
                "scope": "Only the family's parents can let someone see more than goals and home strategies."
            }
        )


def grant_notice_queue(
    *,
    by: User,
    family: Family,
    object_type: str,
    object_id: int,
    occasion: str = "",
    grantee: User | None = None,
    tell_grantee: bool = False,
    tell_parents: bool = True,
) -> int:
    """Tell the family's primary caregivers (but not the one who made the
    grant, nor the one it is about) of an invitation or a change of access,
    through the outbox, once each per `occasion` (unless `tell_parents` is
    off: a change that gives no more); with `tell_grantee`, the person it is
    about as well (what they now see). Returns how many were queued."""
    recipients = (
        list(
            Caregiver.objects.filter(family=family, access_level=AccessLevel.PRIMARY)
            .exclude(user__in=[user.pk for user in (by, grantee) if user is not None])
            .values_list("user_id", "user__email")
        )
        if tell_parents
        else []
    )
    if tell_grantee and grantee is not None and grantee.pk != by.pk:
        recipients.append((grantee.pk, grantee.email))
    queued = 0
    for user_id, email in recipients:
        message = message_queue(
            kind=GRANT_NOTICE,
            recipient_email=email,
            recipient_id=user_id,
            # One notice per grant and parent: a resent invitation is not a new grant.
            dedupe_key=f"{GRANT_NOTICE}:{object_type}:{object_id}:{occasion}:{user_id}",
            object_type=object_type,
            object_id=object_id,
            params={"by": by.pk},
        )
        queued += message is not None
    return queued


def render_grant_notices(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
    invitation_ids = {m.object_id for m in messages if m.object_type == "invitation"}
    caregiver_ids = {m.object_id for m in messages if m.object_type == "caregiver"}
    invitations = {
        i.pk: i
        for i in Invitation.objects.filter(pk__in=invitation_ids)
        .select_related("family")
        .prefetch_related("children")
    }
    caregivers = {
        c.pk: c
        for c in Caregiver.objects.filter(pk__in=caregiver_ids)
        .select_related("family", "user")
        .prefetch_related(
            Prefetch("links", queryset=SupportingLink.objects.select_related("child"))
        )
    }
    granters = {u.pk: u for u in User.objects.filter(pk__in={m.params.get("by") for m in messages})}
    rendered: dict[int, Rendered | str] = {}
    for message in messages:
        if message.object_type == "invitation":
            grant = invitations.get(message.object_id)
            if grant is None:
                rendered[message.pk] = "invitation no longer exists"
                continue
            person, family = grant.full_name, grant.family
            children = ", ".join(child.display_name for child in grant.children.all())
            context = {"invited": True, "sees": [f"{children}: {grant.scope_words}"]}
        else:
            grant = caregivers.get(message.object_id)
            if grant is None:
                rendered[message.pk] = "caregiver no longer in the family"
                continue
            person, family = str(grant.user), grant.family
            context = {
                "invited": False,
                "to_them": message.recipient_id == grant.user_id,
                "sees": [
                    f"{link.child.display_name}: {link.scope_words}" for link in grant.links.all()
                ],
            }
        granter = granters.get(message.params.get("by"))
        rendered[message.pk] = render_email(
            message,
            template="families/email/access_granted",
            subject=(
                f"What you can see on {family.name}'s page has changed"
                if context.get("to_them")
                else f"Who can see {family.name}'s page on {settings.PRACTICE_NAME} has changed"
            ),
            context={
                **context,
                "person": person,
                "family": family,
                "granted_by": granter.full_name if granter else settings.PRACTICE_NAME,
                "is_primary": grant.access_level == AccessLevel.PRIMARY,
            },
        )
    return rendered
