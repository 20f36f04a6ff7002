"""Therapy sessions, their notes, addenda and initial assessments.

Clinical records are append-only once signed: a signed note or assessment
refuses changes to its content here in the model layer (save() and the
queryset's update()), and on PostgreSQL a trigger refuses them again in the
database (migration 0002), so no code path, admin form or raw UPDATE can
rewrite what a therapist signed. Corrections are addenda.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from families.models import Caregiver, Child, Family


class SignedRecordError(Exception):
    """Raised when code tries to change the content of a signed clinical record."""


class SessionType(models.TextChoices):
    INITIAL_ASSESSMENT = "initial_assessment", "Initial assessment"
    THERAPY = "therapy", "1:1 therapy"
    PARENT_COACHING = "parent_coaching", "Parent coaching or consultation"
    GROUP_COACHING = "group_coaching", "Group coaching"
    REVIEW = "review", "Review"


class Location(models.TextChoices):
    CLINIC = "clinic", "Clinic"
    HOME = "home", "Home"
    SCHOOL = "school", "School"
    VIDEO = "video", "Video call"


class RecordStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class TherapySession(models.Model):
    """One contact with a family. `child` is empty for a consultation about
    the family as a whole (parents only); `child_attended` says whether the
    child was in the room."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="therapy_sessions")
    child = models.ForeignKey(
        Child,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="therapy_sessions",
        help_text="Leave empty for a consultation about the whole family.",
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapy_sessions"
    )
    session_type = models.CharField("type", max_length=20, choices=SessionType.choices)
    starts_at = models.DateTimeField("date and time")
    duration_minutes = models.PositiveSmallIntegerField("length (minutes)", default=45)
    location = models.CharField(max_length=10, choices=Location.choices, default=Location.CLINIC)
    child_attended = models.BooleanField("the child was there", default=True)
    caregivers_attended = models.ManyToManyField(
        Caregiver, blank=True, related_name="sessions_attended", verbose_name="caregivers there"
    )
    others_attended = models.CharField(
        "others there", max_length=200, blank=True, help_text="For example the class teacher."
    )
    # A parents-only consultation (no `child`) is about some of the family's
    # children: only their therapists may read it (sessions_app.permissions).
    about_children = models.ManyToManyField(
        Child,
        blank=True,
        related_name="consultations",
        verbose_name="the children it was about",
    )
    # The booking it came from. A plain id: bookings sits above this app and
    # hands attendance over through our service; we never import it. A family
    # visit with two siblings gives one session per child.
    booking_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Set by the database when the session's note is signed (a trigger on the
    # note, migration 0008), so that the notes still to sign are read from a
    # small partial index, however long the history.
    note_signed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=480),
                name="session_duration_sensible",
            ),
            models.CheckConstraint(
                condition=Q(child__isnull=False) | Q(child_attended=False),
                name="session_no_child_not_attended",
            ),
            models.UniqueConstraint(
                fields=["booking_id", "child"], name="session_once_per_booking_child"
            ),
            models.UniqueConstraint(
                fields=["booking_id"],
                condition=Q(child__isnull=True),
                name="session_once_per_booking_family",
            ),
        ]
        indexes = [
            models.Index(fields=["child", "-starts_at"], name="session_child_idx"),
            models.Index(fields=["therapist", "starts_at"], name="session_therapist_idx"),
            models.Index(
                fields=["child", "starts_at"],
                condition=Q(note_signed=False),
                name="session_child_unsigned_idx",
            ),
            models.Index(
                fields=["therapist", "starts_at"],
                condition=Q(note_signed=False),
                name="session_therapist_unsigned_idx",
            ),
        ]

    def __str__(self) -> str:
        who = self.child.display_name if self.child_id else "family"
        return f"{self.get_session_type_display()} ({who}) {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("sessions_app:session_detail", args=[self.pk])

    @property
    def attendance_text(self) -> str:
        """Who was there, e.g. "Ollie, Sam Bench (parent)" (reads the
        prefetched caregivers)."""
        people = []
        if self.child_attended and self.child_id:
            people.append(self.child.display_name)
        people += [
            f"{caregiver.user.full_name} ({caregiver.get_relationship_display().lower()})"
            for caregiver in self.caregivers_attended.all()
        ]
        if self.others_attended:
            people.append(self.others_attended)
        return ", ".join(people) or "Not recorded"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class NoteTemplate(models.Model):
    """Prompts that prefill a new note, one per session type."""

    session_type = models.CharField(max_length=20, choices=SessionType.choices, unique=True)
    name = models.CharField(max_length=100)
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    family_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["session_type"]

    def __str__(self) -> str:
        return self.name


class SignedRecordQuerySet(models.QuerySet):
    """update() refuses to touch the content of signed rows, and delete() to
    remove them (PostgreSQL's triggers refuse both again; on SQLite this is
    the guard)."""

    def delete(self):
        if self.filter(status=RecordStatus.SIGNED).exists():
            raise SignedRecordError(
                f"A signed {self.model._meta.verbose_name} cannot be deleted "
                "(add an addendum instead)."
            )
        return super().delete()

    def update(self, **kwargs):
        frozen = set(kwargs) & set(self.model.FROZEN_FIELDS)
        if frozen and self.filter(status=RecordStatus.SIGNED).exists():
            raise SignedRecordError(
                f"{self.model._meta.verbose_name} is signed: its content cannot be changed "
                "(add an addendum instead)."
            )
        return super().update(**kwargs)


class SignedRecord(models.Model):
    """What notes and assessments share: status, who signed and when, and the
    rule that a signed record's content never changes again."""

    status = models.CharField(
        max_length=8, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SignedRecordQuerySet.as_manager()

    # Every column of the row except the primary key: once signed, nothing of
    # it changes. Subclasses add their own content fields.
    FROZEN_FIELDS: tuple[str, ...] = (
        "status",
        "signed_by",
        "signed_at",
        "created_at",
        "updated_at",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and not kwargs.get("force_insert")
            and type(self)._base_manager.filter(pk=self.pk, status=RecordStatus.SIGNED).exists()
        ):
            raise SignedRecordError(
                f"This {self._meta.verbose_name} is signed: its content cannot be changed "
                "(add an addendum instead)."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_signed:
            raise SignedRecordError(f"A signed {self._meta.verbose_name} cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == RecordStatus.SIGNED


class SessionNote(SignedRecord):
    """A SOAP note of one session. Only `family_summary` is ever shown to the
    family; the SOAP sections are clinical."""

    session = models.OneToOneField(TherapySession, on_delete=models.PROTECT, related_name="note")
    template = models.ForeignKey(
        NoteTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subjective = models.TextField(
        "subjective", blank=True, help_text="What the family and child report."
    )
    objective = models.TextField(
        "objective", blank=True, help_text="What was done, observed and measured."
    )
    assessment = models.TextField("assessment", blank=True, help_text="Your clinical reasoning.")
    plan = models.TextField(
        "plan", blank=True, help_text="Next steps, home programme, next session."
    )
    family_summary = models.TextField(
        "summary for the family",
        blank=True,
        help_text="Plain words the family will read: what you did, what went well, what to try at home.",
    )

    FROZEN_FIELDS = (
        *SignedRecord.FROZEN_FIELDS,
        "session",
        "session_id",
        "template",
        "template_id",
        "subjective",
        "objective",
        "assessment",
        "plan",
        "family_summary",
    )

    class Meta:
        verbose_name = "session note"
        indexes = [models.Index(fields=["status", "created_at"], name="note_status_idx")]

    def __str__(self) -> str:
        return f"Note: {self.session}"

    def get_absolute_url(self) -> str:
        return self.session.get_absolute_url()


class Assessment(SignedRecord):
    """The initial assessment of a child."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    session = models.OneToOneField(
        TherapySession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_record",
    )
    assessed_on = models.DateField("date of assessment", default=timezone.localdate)
    developmental_history = models.TextField(blank=True)
    concerns_parent = models.TextField("concerns of the parents or carers", blank=True)
    concerns_school = models.TextField("concerns of the school or nursery", blank=True)
    concerns_other = models.TextField("concerns of others", blank=True)
    observed_home = models.BooleanField("observed at home", default=False)
    observed_school = models.BooleanField("observed at school", default=False)
    observed_clinic = models.BooleanField("observed in clinic", default=False)
    observations = models.TextField("what was observed", blank=True)
    strengths = models.TextField(blank=True)
    summary = models.TextField("clinical summary", blank=True)
    recommendations = models.TextField(blank=True)
    goals = models.ManyToManyField(
        "goals.Goal",
        through="AssessmentGoal",
        blank=True,
        related_name="+",
        verbose_name="goals that came of it",
    )

    FROZEN_FIELDS = (
        *SignedRecord.FROZEN_FIELDS,
        "child",
        "child_id",
        "therapist",
        "therapist_id",
        "session",
        "session_id",
        "assessed_on",
        "developmental_history",
        "concerns_parent",
        "concerns_school",
        "concerns_other",
        "observed_home",
        "observed_school",
        "observed_clinic",
        "observations",
        "strengths",
        "summary",
        "recommendations",
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = "assessment"

    def __str__(self) -> str:
        return f"Initial assessment of {self.child} on {self.assessed_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("sessions_app:assessment_detail", args=[self.pk])

    @property
    def settings_observed(self) -> list[str]:
        return [
            label
            for flag, label in (
                (self.observed_home, "home"),
                (self.observed_school, "school"),
                (self.observed_clinic, "clinic"),
            )
            if flag
        ]


class PartOfAssessmentQuerySet(models.QuerySet):
    def _refuse_if_signed(self) -> None:
        if self.filter(assessment__status=RecordStatus.SIGNED).exists():
            raise SignedRecordError(self.model.frozen_message)

    def update(self, **kwargs):
        self._refuse_if_signed()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_signed()
        return super().delete()


class PartOfAssessment(models.Model):
    """A row that belongs to an assessment and freezes when it is signed, in
    save(), delete() and bulk queryset writes alike."""

    frozen_message = "The assessment is signed and can no longer be changed."

    objects = PartOfAssessmentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._assessment_signed():
            raise SignedRecordError(self.frozen_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._assessment_signed():
            raise SignedRecordError(self.frozen_message)
        return super().delete(*args, **kwargs)

    def _assessment_signed(self) -> bool:
        return Assessment._base_manager.filter(
            pk=self.assessment_id, status=RecordStatus.SIGNED
        ).exists()


class StandardisedTest(PartOfAssessment):
    """A standardised test or questionnaire given during an assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="tests")
    name = models.CharField(
        "test or questionnaire",
        max_length=150,
        help_text="For example Movement ABC-3, Sensory Profile 2.",
    )
    administered_on = models.DateField("date given")
    scores = models.TextField(help_text="Scores as reported, e.g. standard scores and percentiles.")
    interpretation = models.TextField(blank=True)

    frozen_message = "The assessment is signed: its test results cannot change."

    class Meta:
        ordering = ["administered_on", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.administered_on:%d %b %Y})"


class AddendumQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise SignedRecordError("Addenda cannot be changed: add another one.")

    def delete(self):
        raise SignedRecordError("Addenda cannot be deleted.")


class Addendum(models.Model):
    """A later correction or addition to a signed note or assessment. Addenda
    are themselves append-only."""

    note = models.ForeignKey(
        SessionNote, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        max_length=200, help_text="Why the addendum is needed, e.g. “correction of a score”."
    )
    text = models.TextField()

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(
                condition=(Q(note__isnull=False) & Q(assessment__isnull=True))
                | (Q(note__isnull=True) & Q(assessment__isnull=False)),
                name="addendum_to_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum by {self.author} on {self.created_at:%d %b %Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise SignedRecordError("Addenda cannot be changed: add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedRecordError("Addenda cannot be deleted.")


class NoteChildQuerySet(models.QuerySet):
    """Rows that belong to a note freeze with it."""

    def _refuse_if_signed(self) -> None:
        if self.filter(note__status=RecordStatus.SIGNED).exists():
            raise SignedRecordError("The note is signed: what it records cannot change.")

    def update(self, **kwargs):
        self._refuse_if_signed()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_signed()
        return super().delete()


class NoteChild(models.Model):
    """A part of a note kept in its own table (goals addressed, strategy changes):
    frozen with the note once it is signed."""

    objects = NoteChildQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._note_signed():
            raise SignedRecordError("The note is signed: what it records cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._note_signed():
            raise SignedRecordError("The note is signed: what it records cannot change.")
        return super().delete(*args, **kwargs)

    def _note_signed(self) -> bool:
        return SessionNote._base_manager.filter(
            pk=self.note_id, status=RecordStatus.SIGNED
        ).exists()


class GoalAddressed(NoteChild):
    """A goal worked on in the session, with its Goal Attainment Scaling level.
    Signing the note turns it into a goals.ProgressRating (through the goals
    app's service), which `progress_rating` then points to."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="goals_addressed")
    goal = models.ForeignKey("goals.Goal", on_delete=models.PROTECT, related_name="+")
    level = models.SmallIntegerField("GAS level")
    comment = models.CharField("what you saw", max_length=300, blank=True)
    progress_rating = models.OneToOneField(
        "goals.ProgressRating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_session_note",
    )

    class Meta:
        ordering = ["goal__priority", "goal_id"]
        verbose_name_plural = "goals addressed"
        constraints = [
            models.UniqueConstraint(fields=["note", "goal"], name="goal_addressed_once_per_note"),
            models.CheckConstraint(
                condition=Q(level__gte=-2, level__lte=2), name="goal_addressed_level_in_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.level:+d}"


class StrategyChange(NoteChild):
    """A home strategy introduced, changed or retired in the session. Signing
    the note carries it out in the goals app (introduce: a new HomeStrategy;
    retire: the strategy is retired); "changed" records what was changed."""

    class Action(models.TextChoices):
        INTRODUCED = "introduced", "Introduced"
        CHANGED = "changed", "Changed"
        RETIRED = "retired", "Retired"

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="strategy_changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    strategy = models.ForeignKey(
        "goals.HomeStrategy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="session_changes",
    )
    # For a strategy introduced in the session: what the goals app will create.
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=150, blank=True)
    routine = models.CharField("when in the day", max_length=16, blank=True)
    what_to_do = models.TextField("what to do", blank=True)
    detail = models.CharField("what changed", max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action="introduced") | Q(strategy__isnull=False),
                name="strategy_change_names_strategy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.title or self.strategy}"


class AssessmentGoal(PartOfAssessment):
    """A goal that came of an initial assessment; frozen with it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="goal_links")
    goal = models.ForeignKey("goals.Goal", on_delete=models.PROTECT, related_name="+")

    frozen_message = "The assessment is signed: its goals cannot change."

    class Meta:
        ordering = ["goal__priority", "goal_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "goal"], name="assessment_goal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.goal}"
