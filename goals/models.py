"""Goals agreed with the family, how they are going, and what to do at home.

Families read most of this, so labels and choices are in plain words; the
therapist's own notes on a goal stay on the clinical side (see permissions).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from families.models import Child


class Area(models.TextChoices):
    SELF_CARE = "self_care", "Self-care"
    FINE_MOTOR = "fine_motor", "Fine motor"
    GROSS_MOTOR = "gross_motor", "Gross motor"
    SENSORY = "sensory", "Sensory regulation"
    PLAY = "play", "Play"
    SCHOOL = "school", "School skills"
    SOCIAL = "social", "Social participation"
    FEEDING = "feeding", "Feeding"
    OTHER = "other", "Other"


class Setting(models.TextChoices):
    HOME = "home", "Home"
    SCHOOL = "school", "School"
    COMMUNITY = "community", "Out and about"


class Priority(models.IntegerChoices):
    TOP = 1, "Top priority for the family"
    IMPORTANT = 2, "Important"
    LATER = 3, "Good to work on"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    PAUSED = "paused", "Paused"
    DISCONTINUED = "discontinued", "Stopped"


class Routine(models.TextChoices):
    """The moments of a family's day, in the order they come."""

    WAKING = "waking", "Waking up"
    DRESSING = "dressing", "Getting dressed"
    BREAKFAST = "breakfast", "Breakfast"
    SCHOOL_RUN = "school_run", "School run"
    SCHOOL = "school", "At school"
    AFTER_SCHOOL = "after_school", "After school"
    MEALTIMES = "mealtimes", "Mealtimes"
    HOMEWORK = "homework", "Homework"
    PLAY = "play", "Play"
    BATH = "bath", "Bath time"
    BEDTIME = "bedtime", "Bedtime"
    OUT_AND_ABOUT = "out_and_about", "Out and about"


ROUTINE_ORDER = {value: index for index, value in enumerate(Routine.values)}

# Goal Attainment Scaling: −2 much less than expected … +2 much more than expected.
GAS_LEVELS = (-2, -1, 0, 1, 2)
LEVEL_LABELS = {2: "+2", 1: "+1", 0: "0", -1: "−1", -2: "−2"}
# Each level's field on a goal: its own words, agreed with the family.
LEVEL_FIELDS = {
    2: "level_plus_2",
    1: "level_plus_1",
    0: "level_0",
    -1: "level_minus_1",
    -2: "level_minus_2",
}
# The levels as families read them, the words the goal's scale is set with
# them in: pages, charts and e-mails for the family never show −2…+2.
GAS_LEVEL_WORDS = {
    -2: "Much less than expected",
    -1: "Some progress",
    0: "Goal reached",
    1: "Better than expected",
    2: "Much better than expected",
}


class Goal(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(
        "goal, in the family's words",
        max_length=200,
        help_text='For example "Ollie puts on his shoes by himself before school".',
    )
    area = models.CharField("area", max_length=20, choices=Area.choices)
    setting = models.CharField(max_length=12, choices=Setting.choices, default=Setting.HOME)
    priority = models.PositiveSmallIntegerField(
        "the family's priority", choices=Priority.choices, default=Priority.IMPORTANT
    )
    baseline = models.TextField(
        "where we are starting", help_text="What it looks like today, in plain words."
    )
    target_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=14, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    status_changed_on = models.DateField(default=timezone.localdate)
    agreed_with_family_on = models.DateField(null=True, blank=True)
    # The five levels of the attainment scale, each in words a parent recognises.
    level_minus_2 = models.CharField("−2: much less than expected", max_length=300)
    level_minus_1 = models.CharField("−1: some progress", max_length=300)
    level_0 = models.CharField("0: the goal", max_length=300)
    level_plus_1 = models.CharField("+1: more than expected", max_length=300)
    level_plus_2 = models.CharField("+2: much more than expected", max_length=300)
    baseline_level = models.SmallIntegerField(
        "level at the start", choices=[(-2, "−2"), (-1, "−1")], default=-1
    )
    therapist_notes = models.TextField(
        "therapist's notes",
        blank=True,
        help_text="Clinical reasoning for the team. Families never see these.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["priority", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_level__in=(-2, -1)), name="goal_baseline_level_minus"
            ),
            # What the ratings' (goal, child) foreign key points at.
            models.UniqueConstraint(fields=["id", "child"], name="goal_id_child_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goals:goal_detail", args=[self.pk])

    @property
    def review_check(self) -> str:
        """Which of the progress reviews the review date is: the short-term
        check (1–2 weeks after the goal was agreed), the moderate one (4–6
        weeks) or the long-term one (3–6 months), told by how far apart the
        two dates are; "" without a review date."""
        if self.review_date is None:
            return ""
        agreed = self.agreed_with_family_on or timezone.localdate(self.created_at)
        weeks = (self.review_date - agreed).days / 7
        if weeks <= 3:
            return "1–2 week review"
        if weeks <= 9:
            return "4–6 week review"
        return "3–6 month review"

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE

    @property
    def scale(self) -> list[tuple[int, str, str]]:
        """The attainment scale from +2 down to −2, as it reads best: (level, label, words)."""
        return [
            (2, "+2", self.level_plus_2),
            (1, "+1", self.level_plus_1),
            (0, "0", self.level_0),
            (-1, "−1", self.level_minus_1),
            (-2, "−2", self.level_minus_2),
        ]

    @property
    def scale_in_words(self) -> list[tuple[int, str, str, str]]:
        """The scale as the family reads it: (level, its −2…+2 label for the
        therapist, its words, this goal's words)."""
        return [(level, label, GAS_LEVEL_WORDS[level], text) for level, label, text in self.scale]

    def level_text(self, level: int) -> str:
        return {value: words for value, _, words in self.scale}[level]


class RatingSource(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    CAREGIVER = "caregiver", "Family at home"


class ProgressRating(models.Model):
    """Where a goal stood on its scale on a day, as a therapist or the family saw it."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    # The goal's child, kept on the rating so that a child's newest ratings are
    # one index range however many goals the years have closed. On PostgreSQL
    # a foreign key on (goal, child) refuses a rating whose child is not its
    # goal's (migration 0006).
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="progress_ratings", db_index=False
    )
    rated_on = models.DateField("date", default=timezone.localdate)
    level = models.SmallIntegerField()
    source = models.CharField(max_length=10, choices=RatingSource.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("what you noticed", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rated_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=-2, level__lte=2), name="rating_level_in_scale"
            ),
        ]
        indexes = [
            models.Index(fields=["goal", "rated_on"], name="rating_goal_date_idx"),
            models.Index(fields=["child", "-rated_on"], name="rating_child_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.level:+d} on {self.rated_on}"

    @property
    def is_therapist(self) -> bool:
        return self.source == RatingSource.THERAPIST

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def level_words(self) -> str:
        return GAS_LEVEL_WORDS[self.level]

    @property
    def scale_text(self) -> str:
        """What this level looks like for this goal (the goal is cached by the prefetch)."""
        return self.goal.level_text(self.level)


class FamilyRating(models.Model):
    """How well the family says the goal goes, and how happy they are with it (1–10).

    The shape of the well-known performance/satisfaction measure, in our own words.
    """

    class Kind(models.TextChoices):
        BASELINE = "baseline", "At the start"
        REVIEW = "review", "At a review"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="family_ratings")
    rated_on = models.DateField("date", default=timezone.localdate)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REVIEW)
    performance = models.PositiveSmallIntegerField("how well it goes (1–10)")
    satisfaction = models.PositiveSmallIntegerField("how happy you are with it (1–10)")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rated_on", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(performance__gte=1, performance__lte=10),
                name="family_rating_performance_1_10",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=10),
                name="family_rating_satisfaction_1_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.performance}/{self.satisfaction} on {self.rated_on}"


class StrategyFields(models.Model):
    """What a strategy says, shared by the practice library and a child's strategies."""

    title = models.CharField(max_length=150)
    routine = models.CharField("when in the day", max_length=16, choices=Routine.choices)
    what_to_do = models.TextField("what to do")
    why_it_helps = models.TextField("why it helps", blank=True)
    how_often = models.CharField("how often", max_length=120, blank=True)
    materials = models.CharField("what you need", max_length=200, blank=True)
    hard_day_tip = models.TextField("on a hard day", blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


STRATEGY_FIELDS = [
    "title",
    "routine",
    "what_to_do",
    "why_it_helps",
    "how_often",
    "materials",
    "hard_day_tip",
]


class StrategyTemplate(StrategyFields):
    """A strategy from the practice library, ready to tailor for a child."""

    area = models.CharField(max_length=20, choices=Area.choices, default=Area.OTHER)

    class Meta:
        ordering = ["routine", "title", "id"]


class HomeStrategy(StrategyFields):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="strategies")
    goals = models.ManyToManyField(Goal, related_name="strategies")
    template = models.ForeignKey(
        StrategyTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="strategies",
    )
    retired_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["routine", "created_at", "id"]
        verbose_name_plural = "home strategies"
        constraints = [
            # What the practice logs' (strategy, child) foreign key points at.
            models.UniqueConstraint(fields=["id", "child"], name="strategy_id_child_unique")
        ]

    @property
    def is_active(self) -> bool:
        return self.retired_on is None


class Outcome(models.TextChoices):
    WELL = "well", "Went well"
    MIXED = "mixed", "Mixed"
    HARD = "hard", "Hard"


# How long the person who logged a practice may take it back ("Logged ✓ —
# undo", goals.services.practice_log_undo). The page offers it for a few
# seconds; the rule is the server's.
PRACTICE_UNDO_WINDOW = timedelta(minutes=2)
# The same for a win just shared (goals.services.win_undo).
WIN_UNDO_WINDOW = PRACTICE_UNDO_WINDOW


class PracticeLog(models.Model):
    strategy = models.ForeignKey(HomeStrategy, on_delete=models.CASCADE, related_name="logs")
    # The strategy's child, kept on the log so that a child's practice is read
    # by one index however many strategies the years have retired. On
    # PostgreSQL a foreign key on (strategy, child) refuses a log whose child
    # is not its strategy's (migration 0003).
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="practice_logs", db_index=False
    )
    caregiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practised_on = models.DateField("date", default=timezone.localdate)
    outcome = models.CharField("how it went", max_length=6, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)
    # Chosen by the caregiver's phone when practice is logged without a
    # connection, so that sending the queued log again (a retry, a second
    # tab) finds this one instead of logging the practice twice.
    client_id = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-practised_on", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["strategy", "practised_on"], name="practice_strategy_date_idx"),
            models.Index(fields=["child", "-practised_on"], name="practice_child_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["client_id"], name="practice_log_client_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.strategy} on {self.practised_on}: {self.get_outcome_display()}"


# The photos shared with a win: messaging's MediaFile.win (messaging sits
# above goals, so goals reads them by this related name, never by import).
WIN_PHOTOS = "photos"


class Win(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="wins")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="wins"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField("the win", max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["child", "-created_at"], name="win_child_newest_idx")]

    def __str__(self) -> str:
        return self.text
