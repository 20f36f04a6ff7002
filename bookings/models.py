"""The practice's diary: services, rooms, working hours, appointments, group
sessions, the families booked into them and the waitlists.

Double booking is prevented by the database, not only by forms: on PostgreSQL
exclusion constraints (migration 0002) forbid a therapist or a room in two
non-cancelled appointments at once; everywhere, unique constraints forbid a
family twice in a group, and capacity is checked under a row lock
(bookings.services).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from families.models import Caregiver, Child, Family


def default_reminder_offsets() -> list[int]:
    return [48, 2]


class Service(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Initial assessment"
        THERAPY = "therapy", "1:1 therapy"
        CONSULTATION = "consultation", "Parent coaching consultation"
        GROUP = "group", "Parent group coaching"
        REVIEW = "review", "Review"

    class Location(models.TextChoices):
        CLINIC = "clinic", "At the clinic"
        VIDEO = "video", "By video call"
        # The family chooses when they book (a parent coaching consultation).
        EITHER = "either", "At the clinic or by video call"

    # Start times a family is offered are on this grid of the clock: every
    # divisor of an hour, so that the grid is the same in GMT and in BST.
    GRID_CHOICES = [
        (10, "Every 10 minutes"),
        (15, "On the quarter hours"),
        (20, "Every 20 minutes"),
        (30, "On the hour and half hour"),
        (60, "On the hour"),
    ]

    name = models.CharField(max_length=120)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after each appointment for notes and tidying up."
    )
    capacity = models.PositiveSmallIntegerField(
        default=1, help_text="1 for an individual appointment; the number of families for a group."
    )
    parent_only = models.BooleanField(
        "parents only", default=False, help_text="Tick when the child does not come."
    )
    location = models.CharField(max_length=10, choices=Location.choices, default=Location.CLINIC)
    slot_grid_minutes = models.PositiveSmallIntegerField(
        "times offered to families",
        choices=GRID_CHOICES,
        default=30,
        help_text="Families choose from regular times, e.g. on the hour and half hour.",
    )
    bookable_online = models.BooleanField(
        "families can book online", default=False, help_text="Otherwise only the practice books it."
    )
    book_notice_hours = models.PositiveSmallIntegerField("notice to book (hours)", default=24)
    cancel_notice_hours = models.PositiveSmallIntegerField("notice to cancel (hours)", default=24)
    description = models.TextField("description for families", blank=True)
    active = models.BooleanField(default=True)
    what_to_bring = models.TextField(
        "what to bring",
        blank=True,
        help_text="Put in the reminders, e.g. comfortable clothes, their school shoes.",
    )
    video_link = models.URLField(
        "video call address",
        blank=True,
        help_text="For video services: the address families join, put in the reminders.",
    )
    reminder_offsets_hours = models.JSONField(
        "reminders (hours before)",
        default=default_reminder_offsets,
        blank=True,
        help_text="For example [48, 2]: e-mails two days and two hours before.",
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="service_duration"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="service_capacity"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class Room(models.Model):
    name = models.CharField(max_length=80, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyAvailability(models.Model):
    """A therapist's regular working hours, in the practice's local time."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_availability"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField("from")
    ends_at = models.TimeField("until")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["therapist", "weekday", "starts_at"]
        verbose_name_plural = "weekly availability"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="availability_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} {self.get_weekday_display()} {self.starts_at:%H:%M} to {self.ends_at:%H:%M}"


class AvailabilityException(models.Model):
    """A therapist's leave (holiday, training, sickness): no visit is booked
    in it, and a series of visits skips it."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    starts_at = models.DateTimeField("from")
    ends_at = models.DateTimeField("until")
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="exception_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} away {self.starts_at:%Y-%m-%d} ({self.reason})"


class PracticeClosure(models.Model):
    """Days the whole practice is closed (bank holidays, Christmas, training
    days): nothing is booked on them, and a series of visits skips them."""

    first_day = models.DateField("from")
    last_day = models.DateField("until", help_text="The last day closed; the same day for one day.")
    reason = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="closure_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Closed {self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d} ({self.reason})"


class AppointmentSeries(models.Model):
    """Regular visits for one family: every week or every two weeks on one
    weekday at one wall-clock time (16:00 stays 16:00 across the clock
    change). Each visit is an ordinary appointment with its own booking, so
    reminders, attendance and cancelling work per visit."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="series")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointment_series"
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="appointment_series")
    every_weeks = models.PositiveSmallIntegerField(default=1)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    local_time = models.TimeField("time")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "appointment series"
        constraints = [
            models.CheckConstraint(
                condition=Q(every_weeks__in=(1, 2)), name="series_every_one_or_two_weeks"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.pattern}"

    @property
    def pattern(self) -> str:
        """ "Weekly on Tuesdays at 16:00"."""
        every = "Weekly" if self.every_weeks == 1 else "Every two weeks"
        return f"{every} on {Weekday(self.weekday).label}s at {self.local_time:%H:%M}"


class Appointment(models.Model):
    """One slot in a therapist's diary for one family: a 1:1 session, an
    assessment or a consultation (siblings can share one family visit)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    series = models.ForeignKey(
        AppointmentSeries,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    created_at = models.DateTimeField(default=timezone.now)
    by_video = models.BooleanField("by video call", default=False)
    # The video call's room, made when the appointment is booked by video
    # (bookings.video): long and random, so that no one finds it by guessing.
    # The address to join is built from it when it is shown, for the person
    # shown it.
    video_room = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["video_room"],
                condition=~Q(video_room=""),
                name="appointment_video_room_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "starts_at"], name="appointment_therapist_idx"),
            models.Index(fields=["starts_at"], name="appointment_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class GroupSession(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="group_sessions")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_sessions"
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="group_sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=150)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="group_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="group_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.starts_at:%Y-%m-%d %H:%M}"


ACTIVE_BOOKING_STATUSES = ("requested", "confirmed")


class Booking(models.Model):
    """A family's place: in an appointment, or in a group session."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        LATE_CANCELLED = "late_cancelled", "Late cancellation"
        NO_SHOW = "no_show", "Did not attend"

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="bookings")
    children = models.ManyToManyField(Child, blank=True, related_name="bookings")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    group_session = models.ForeignKey(
        GroupSession, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who brings the child: a caregiver of the family, chosen by the primary
    # caregiver or the practice. They see the time and get the reminders.
    escort = models.ForeignKey(
        Caregiver, null=True, blank=True, on_delete=models.SET_NULL, related_name="escorted"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(appointment__isnull=False, group_session__isnull=True)
                    | Q(appointment__isnull=True, group_session__isnull=False)
                ),
                name="booking_appointment_xor_group",
            ),
            models.UniqueConstraint(
                fields=["group_session", "family"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_family_once_per_group",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_one_per_appointment",
            ),
        ]
        indexes = [
            # A child's next visit (the caseload) looks up each of the child's
            # bookings: one probe of this small index tells which are confirmed.
            models.Index(
                fields=["id"],
                condition=Q(status="confirmed"),
                name="booking_confirmed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} · {self.slot}"

    @property
    def slot(self) -> Appointment | GroupSession:
        return self.appointment or self.group_session

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BOOKING_STATUSES


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a place"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Offer expired"
        WITHDRAWN = "withdrawn", "Left the list"

    group_session = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="waitlist"
    )
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="waitlist_entries")
    position = models.PositiveIntegerField()
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["group_session", "family"],
                condition=Q(status__in=("waiting", "offered")),
                name="waitlist_family_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} #{self.position} for {self.group_session}"


class TherapistVideoLink(models.Model):
    """A therapist's own standing video room (Zoom, Teams…), used when the
    practice's video provider is `fixed` (VIDEO_PROVIDER)."""

    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_link"
    )
    url = models.URLField("video call address", max_length=500)

    def __str__(self) -> str:
        return f"Video call address of {self.therapist}"


class CalendarFeed(models.Model):
    """A private calendar subscription address. The token is the only key, so
    it is long and random, and the user can replace it at any time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
