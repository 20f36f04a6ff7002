import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    GUARDIAN = "guardian", "Legal guardian"
    GRANDPARENT = "grandparent", "Grandparent"
    NANNY = "nanny", "Nanny"
    CHILDMINDER = "childminder", "Childminder"
    TEACHER = "teacher", "Teacher"
    OTHER = "other", "Other"


class AccessLevel(models.TextChoices):
    PRIMARY = "primary", "Primary: sees and manages everything for the family"
    SUPPORTING = "supporting", "Supporting: goals and home strategies of chosen children"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"


class SummaryFrequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Every month"
    OFF = "off", "Never"


# The outbox keys of the two e-mails a caregiver chooses on their E-mail
# choices page (Caregiver.receives_reminders and .summary_frequency). bookings
# and portal send them; the keys live here, below both, so that saving the page
# can lift an unsubscribe made by an e-mail's link without importing them.
REMINDER_EMAIL = "booking_reminder"
SUMMARY_EMAIL = "progress_summary"
# The e-mail saying a message is waiting (messaging sends it).
NUDGE_EMAIL = "message_nudge"

# How long "Not now" to Today's question about e-mails keeps it away.
EMAIL_QUESTION_HIDDEN_FOR = timedelta(days=30)


class Family(models.Model):
    """A household the practice works with."""

    name = models.CharField(
        max_length=120, help_text='How the family likes to be known, e.g. "The Okafor family".'
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField("household e-mail", blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    notes_for_practice = models.TextField(
        "anything the practice should know",
        blank=True,
        help_text="For example parking, access needs or the best time to call.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("families:family_detail", args=[self.pk])


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day`."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


class Child(models.Model):
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(
        max_length=80, blank=True, help_text="What they like to be called, if different."
    )
    date_of_birth = models.DateField()
    school = models.CharField("school or nursery", max_length=150, blank=True)
    needs = models.TextField(
        "diagnoses and needs",
        blank=True,
        help_text="In your own words: any diagnoses, and what is hard day to day.",
    )
    enjoys = models.TextField("what they enjoy", blank=True)
    what_helps = models.TextField("what helps them", blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_name", "last_name", "id"]
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"{self.display_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("families:child_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.first_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        return age_on(self.date_of_birth, day)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class Caregiver(models.Model):
    """A person's membership of a family.

    A primary caregiver sees every child of the family; a supporting caregiver
    only the children in `children`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="caregivers")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices)
    children = models.ManyToManyField(
        Child, blank=True, through="SupportingLink", related_name="supporting_caregivers"
    )
    # Appointment reminders by e-mail; by text and by push notification are
    # chosen beside it (How we contact you), and offered only when the
    # practice has set those channels up.
    receives_reminders = models.BooleanField("send me appointment reminders", default=True)
    reminders_by_text = models.BooleanField("text me appointment reminders", default=False)
    reminders_by_push = models.BooleanField(
        "send appointment reminders to my devices", default=False
    )
    summary_frequency = models.CharField(
        "progress summary e-mails",
        max_length=12,
        choices=SummaryFrequency.choices,
        default=SummaryFrequency.WEEKLY,
    )
    receives_message_nudges = models.BooleanField(
        "e-mail me when a message has been waiting for 30 minutes", default=True
    )
    nudges_by_push = models.BooleanField(
        "tell my devices when a message has been waiting for 30 minutes", default=False
    )
    offers_by_push = models.BooleanField(
        "tell my devices when a place in a group comes up", default=False
    )
    # By default e-mails and calendar events say only "Appointment at <the
    # practice>": a shared inbox or a calendar synced to a work account must not
    # learn that a named child has therapy. The family may choose otherwise.
    detailed_email_wording = models.BooleanField(
        "say in e-mails and calendars what each appointment is and who it is for",
        default=False,
    )
    # When this person said "Not now" to Today's question whether we may
    # e-mail the family about the children's therapy: not asked again for
    # EMAIL_QUESTION_HIDDEN_FOR. Once the family has answered (given, or
    # withdrawn, on the consents page) nobody is asked.
    email_question_postponed_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["access_level", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "family"], name="caregiver_once_per_family"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_relationship_display()}, {self.family})"

    @property
    def is_primary(self) -> bool:
        return self.access_level == AccessLevel.PRIMARY


class Scope(models.TextChoices):
    """What a primary caregiver may let a supporting caregiver see (and do)
    of a child, beyond its goals and home strategies (which come with every
    link). The values are SupportingLink's field names."""

    SESSIONS = "sees_sessions", "Summaries of therapy sessions"
    MESSAGES = "sees_messages", "Messages with the therapist, and photos and videos from home"
    BOOKINGS = "sees_bookings", "Appointments and bookings"
    MAKES_BOOKINGS = "makes_bookings", "Booking and cancelling appointments"


# What each part of the scope means, in the words the invitation and the
# family's page use.
SCOPE_HELP = {
    Scope.SESSIONS: "The short summary the therapist writes for the family after each session.",
    Scope.MESSAGES: "They can read the messages with the therapist, write back, and see the "
    "photos and videos shared from home.",
    Scope.BOOKINGS: "When and where appointments are. Booking and cancelling stay with you, "
    "unless you tick the next one too.",
    Scope.MAKES_BOOKINGS: "They can book appointments and places in groups for the child, and "
    "cancel the child's bookings, as you can. They see the appointments and bookings too, and "
    "get the e-mails about the bookings they make.",
}

# Booking for a child means seeing its bookings: choosing one gives the other.
IMPLIED_SCOPE = {Scope.MAKES_BOOKINGS: Scope.BOOKINGS}


def scope_with_implied(scope) -> set[str]:
    """A chosen scope with what it implies (booking → seeing the bookings),
    as the services store it, whatever a form posted."""
    chosen = {Scope(value).value for value in scope}
    return chosen | {
        IMPLIED_SCOPE[Scope(value)].value for value in chosen if value in IMPLIED_SCOPE
    }


def scope_flags(scope) -> dict[str, bool]:
    """SupportingLink's (and Invitation's) flags for a chosen scope."""
    chosen = scope_with_implied(scope)
    return {flag.value: flag.value in chosen for flag in Scope}


# What the bookings part reads when the caregiver may book as well.
_BOOKS_TOO = " (booking and cancelling too)"


def scope_words(scopes: list) -> str:
    """What a supporting caregiver sees of a child, in a sentence's words:
    "goals and home strategies and summaries of therapy sessions"; with
    booking, "… appointments and bookings (booking and cancelling too)"."""
    chosen = scope_with_implied(scopes)
    parts = ["goals and home strategies"]
    for scope in Scope:
        if scope.value not in chosen or scope in IMPLIED_SCOPE:
            continue
        words = scope.label.lower()
        if scope == Scope.BOOKINGS and Scope.MAKES_BOOKINGS.value in chosen:
            words += _BOOKS_TOO
        parts.append(words)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _books_only_if_sees(name: str) -> models.CheckConstraint:
    """Booking for a child is given with seeing its bookings (IMPLIED_SCOPE)."""
    return models.CheckConstraint(
        condition=Q(makes_bookings=False) | Q(sees_bookings=True),
        name=f"{name}_books_only_if_sees_bookings",
    )


class SupportingLink(models.Model):
    """A supporting caregiver's link to one child: they see the child's goals
    and home strategies and log practice, and, where the family's primary
    caregiver chooses, more (`Scope`). The policies of the apps that own each
    part read these flags (sessions_app, messaging, bookings)."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.CASCADE, related_name="links")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="supporting_links")
    sees_sessions = models.BooleanField(Scope.SESSIONS.label, default=False)
    sees_messages = models.BooleanField(Scope.MESSAGES.label, default=False)
    sees_bookings = models.BooleanField(Scope.BOOKINGS.label, default=False)
    # Books for the child and cancels its bookings as a primary caregiver
    # does (bookings.permissions.bookable_children); implies sees_bookings.
    makes_bookings = models.BooleanField(Scope.MAKES_BOOKINGS.label, default=False)

    class Meta:
        # The table Django made for Caregiver.children before it had a scope.
        db_table = "families_caregiver_children"
        unique_together = [("caregiver", "child")]
        constraints = [_books_only_if_sees("supporting_link")]

    def __str__(self) -> str:
        return f"{self.caregiver} → {self.child}"

    @property
    def scope(self) -> list[Scope]:
        return [scope for scope in Scope if getattr(self, scope.value)]

    @property
    def scope_words(self) -> str:
        return scope_words(self.scope)


class CaseloadAssignment(models.Model):
    class Kind(models.TextChoices):
        LEAD = "lead", "Lead therapist"
        COVERING = "covering", "Covering"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload_assignments"
    )
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEAD)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="caseload_ends_after_start",
            ),
            # One open lead per child: covering therapists can be several.
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(kind="lead", ends_on__isnull=True),
                name="caseload_one_open_lead",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "ends_on"], name="caseload_therapist_idx")]

    def __str__(self) -> str:
        return f"{self.therapist} → {self.child} ({self.get_kind_display()})"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An invitation to join a family. Only the hash of the token is stored, so
    a copy of the database cannot be used to join anybody's family."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address")
    full_name = models.CharField("their name", max_length=150)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices)
    children = models.ManyToManyField(Child, blank=True, related_name="+")
    # What a supporting caregiver will see of each child, beyond goals and
    # home strategies (SupportingLink's flags, given on joining).
    sees_sessions = models.BooleanField(Scope.SESSIONS.label, default=False)
    sees_messages = models.BooleanField(Scope.MESSAGES.label, default=False)
    sees_bookings = models.BooleanField(Scope.BOOKINGS.label, default=False)
    makes_bookings = models.BooleanField(Scope.MAKES_BOOKINGS.label, default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [_books_only_if_sees("invitation")]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.family}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        raw = secrets.token_urlsafe(32)
        return raw, _hash_token(raw)

    @staticmethod
    def hash_token(raw: str) -> str:
        return _hash_token(raw)

    @property
    def scope_flags(self) -> dict[str, bool]:
        return {scope.value: getattr(self, scope.value) for scope in Scope}

    @property
    def scope_words(self) -> str:
        return scope_words([scope for scope in Scope if getattr(self, scope.value)])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class ConsentKind(models.TextChoices):
    PHOTOS_IN_NOTES = "photos_in_notes", "Photos and videos of my child in their therapy notes"
    SHARE_WITH_SCHOOL = "share_with_school", "Sharing progress summaries with my child's school"
    SHARE_WITH_DOCTOR = "share_with_doctor", "Sharing progress reports with my child's doctor"
    EMAIL_CONTACT = "email_contact", "Being contacted by e-mail about my child's therapy"


class ConsentQuerySet(models.QuerySet):
    def current(self) -> "ConsentQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """A family's agreement to one use of their information: who agreed, when,
    and, once withdrawn, who withdrew it and when. Withdrawn rows are kept as
    the record of what was allowed at the time."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=30, choices=ConsentKind.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "-given_at", "-id"]
        constraints = [
            # At most one standing consent of each kind per family.
            models.UniqueConstraint(
                fields=["family", "kind"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_current_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family}: {self.get_kind_display()}"
