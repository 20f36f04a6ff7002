from datetime import datetime

from django import forms
from django.utils import timezone

from accounts.models import User
from bookings import services, slots
from bookings.models import (
    AvailabilityException,
    Booking,
    GroupSession,
    Room,
    Service,
    WeeklyAvailability,
)
from bookings.permissions import bookable_children, escorts_for
from core.forms import (
    EARLIEST_DATE,
    LATEST_DATE,
    ChoicesByIdField,
    DateField,
    DateTimeField,
    searchable,
)
from families.models import Caregiver, Child, Family


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


# Staff start a visit at any free five minutes, not on the families' grid.
STEP_MINUTES = 5


class StartTimeField(forms.TimeField):
    widget = TimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Start time")
        kwargs.setdefault("help_text", "Any free time on a five-minute step, e.g. 16:05.")
        super().__init__(**kwargs)
        self.widget.attrs["step"] = STEP_MINUTES * 60

    def clean(self, value):
        at = super().clean(value)
        if at is not None and (at.minute % STEP_MINUTES or at.second):
            raise forms.ValidationError("Choose a time on a five-minute step, e.g. 16:05.")
        return at


class ServiceForm(forms.ModelForm):
    video_link = forms.URLField(
        label="Video call address",
        required=False,
        assume_scheme="https",
        help_text="For video services: the address families join, put in the reminders.",
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "kind",
            "duration_minutes",
            "buffer_minutes",
            "capacity",
            "parent_only",
            "location",
            "slot_grid_minutes",
            "bookable_online",
            "book_notice_hours",
            "cancel_notice_hours",
            "description",
            "what_to_bring",
            "video_link",
            "reminder_offsets_hours",
            "active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "what_to_bring": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older form, an API client): the model's default grid.
        self.fields["slot_grid_minutes"].required = False

    def clean_reminder_offsets_hours(self):
        offsets = self.cleaned_data["reminder_offsets_hours"] or []
        if not isinstance(offsets, list) or not all(
            isinstance(hours, int) and 0 < hours <= 24 * 14 for hours in offsets
        ):
            raise forms.ValidationError("Give whole numbers of hours, e.g. [48, 2].")
        return sorted(set(offsets), reverse=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != Service.Kind.GROUP and (cleaned.get("capacity") or 1) != 1:
            self.add_error("capacity", "Only group services take more than one family.")
        return cleaned


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "active"]


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = WeeklyAvailability
        fields = ["weekday", "starts_at", "ends_at", "room"]
        widgets = {"starts_at": TimeInput(), "ends_at": TimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(active=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned


class ExceptionForm(forms.ModelForm):
    starts_at = DateTimeField(label="From")
    ends_at = DateTimeField(label="Until")

    class Meta:
        model = AvailabilityException
        fields = ["starts_at", "ends_at", "reason"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned


class ClosureForm(forms.Form):
    first_day = DateField(label="From")
    last_day = DateField(label="Until", help_text="The last day closed; the same day for one day.")
    reason = forms.CharField(max_length=120, help_text="For example: Christmas, staff training.")

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day cannot be before the first.")
        return cleaned


class DiaryFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[("week", "Week"), ("day", "Day")], required=False)
    date = DateField(required=False)
    therapist = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    service = forms.ModelChoiceField(queryset=Service.objects.all(), required=False)

    def __init__(self, *args, therapists, own: bool = False, **kwargs):
        """`own`: a therapist's own diary, with no therapist to choose (an id
        in the address is ignored, not an error)."""
        super().__init__(*args, **kwargs)
        if own:
            del self.fields["therapist"]
        else:
            self.fields["therapist"].queryset = therapists
            self.fields["therapist"].empty_label = "Whole practice"
        self.fields["service"].empty_label = "All services"
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class SlotSearchForm(forms.Form):
    """Step one of booking by the practice: what, with whom, when, for whom."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True).exclude(kind=Service.Kind.GROUP)
    )
    therapist = forms.ModelChoiceField(queryset=User.objects.none())
    date = DateField(initial=timezone.localdate)
    family = forms.ModelChoiceField(
        queryset=Family.objects.order_by("name"), widget=searchable("Find a family")
    )

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists
        self.fields["therapist"].widget.attrs["data-searchable"] = "Find a therapist"


# What a link into booking by the practice may fill in (the diary's free time).
PREFILL_KEYS = frozenset({"therapist", "starts_at"})


def booking_prefill(query) -> dict:
    """The therapist and start that a link from the diary's free time carries
    (`?therapist=5&starts_at=2027-03-10T09:00`, UK wall-clock time), as
    {"therapist": pk, "date": local day, "starts_at": aware instant} for the
    parts that are well formed; a malformed part is left out, as a link
    someone edited should still open the form."""
    found: dict = {}
    therapist = query.get("therapist", "")
    if therapist.isdigit() and len(therapist) < 10:
        found["therapist"] = int(therapist)
    try:
        local = datetime.fromisoformat(query.get("starts_at", ""))
    except ValueError:
        return found
    if local.tzinfo is None and EARLIEST_DATE <= local.date() <= LATEST_DATE:
        found["date"] = local.date()
        found["starts_at"] = slots.local_to_utc(local.date(), local.time())
    return found


class ChildrenField(ChoicesByIdField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Child) -> str:
        return obj.display_name


class EscortField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Caregiver) -> str:
        return f"{obj.user} ({obj.get_relationship_display()})"


def _slot_value(therapist_id: int, starts_at: datetime) -> str:
    return f"{therapist_id}|{starts_at.astimezone(slots.LONDON).isoformat()}"


def slot_choice(therapist: User, slot: slots.Slot, *, show_therapist: bool = True) -> tuple:
    label = timezone.localtime(slot.starts_at, slots.LONDON).strftime("%a %-d %b, %H:%M %Z")
    if show_therapist:
        label += f" with {therapist}"
    return _slot_value(therapist.pk, slot.starts_at), label


class BookingPeopleForm(forms.Form):
    """Who the booking is for and who brings the child."""

    children = ChildrenField(queryset=Child.objects.none(), required=False, label="Who is coming")
    escort = EscortField(
        queryset=Caregiver.objects.none(),
        required=False,
        label="Who is bringing them",
        empty_label="A parent or guardian",
        help_text="They will see the time and get the reminders, nothing more.",
    )

    def __init__(self, *args, family: Family, service: Service, by: User | None = None, **kwargs):
        """`by`: the caregiver booking online, offered only the children they
        may book for and the people they may name (bookings.permissions);
        the practice's forms leave it out and offer the whole family."""
        super().__init__(*args, **kwargs)
        self.service = service
        children = family.children.filter(discharged_on__isnull=True)
        escorts = family.caregivers.select_related("user")
        if by is not None:
            children = children.filter(pk__in=bookable_children(by).values("pk"))
            escorts = escorts_for(by, family)
        self.fields["children"].queryset = children
        self.fields["escort"].queryset = escorts
        if service.parent_only:
            self.fields["children"].label = "Which children is it about?"
            self.fields[
                "children"
            ].help_text = "The children stay at home. Only their therapists read the notes."

    def clean(self):
        cleaned = super().clean()
        if not self.service.is_group and not cleaned.get("children"):
            self.add_error("children", services.NO_CHILDREN[self.service.parent_only])
        return cleaned


class SlotBookingForm(BookingPeopleForm):
    slot = forms.ChoiceField(label="Time", widget=forms.RadioSelect)
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label="The therapist's usual room",
    )

    field_order = ["slot", "children", "escort", "room"]

    def __init__(self, *args, slot_choices, with_room: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slot_choices
        if not with_room:
            del self.fields["room"]

    def clean_slot(self) -> tuple[int, datetime]:
        therapist_id, _, iso = self.cleaned_data["slot"].partition("|")
        return int(therapist_id), datetime.fromisoformat(iso)


class FamilySlotForm(SlotBookingForm):
    """A family's booking of a time: who it is for and, for a service they
    may have either way, at the clinic or by video call."""

    where = forms.ChoiceField(
        label="In person or by video?",
        choices=[("clinic", "At the clinic"), ("video", "By video call")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you'll come in or join by video."},
    )

    field_order = ["slot", "children", "where", "escort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.service.location != Service.Location.EITHER:
            del self.fields["where"]
        else:
            self.fields[
                "where"
            ].help_text = (
                "By video, the link to join appears on your booking 15 minutes before the start."
            )
        if self.service.parent_only:
            self.fields["children"].label = "Which child is it about?"
            self.fields["escort"].label = "Who will join it"

    @property
    def by_video(self) -> bool | None:
        if "where" not in self.fields:
            return None
        return self.cleaned_data.get("where") == "video"


REPEAT_CHOICES = [("", "Just this once"), ("1", "Every week"), ("2", "Every two weeks")]


class StaffBookingForm(BookingPeopleForm):
    """Booking by the practice: any free start time, once or as a series."""

    start_time = StartTimeField()
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(active=True),
        required=False,
        empty_label="The therapist's usual room",
    )
    repeat = forms.TypedChoiceField(
        choices=REPEAT_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label="Repeat",
    )
    count = forms.IntegerField(
        label="Number of visits",
        min_value=2,
        max_value=services.SERIES_MOST_VISITS,
        required=False,
        help_text="For a series: how many visits, or give a last date instead.",
    )
    until = DateField(label="Or until", required=False)

    field_order = ["start_time", "children", "escort", "room", "repeat", "count", "until"]

    def __init__(self, *args, with_room: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_room:
            del self.fields["room"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("repeat"):
            count, until = cleaned.get("count"), cleaned.get("until")
            if count is None and until is None and "count" not in self.errors:
                self.add_error("count", "Give a number of visits or a last date.")
            elif count is not None and until is not None:
                self.add_error("until", "Give a number of visits or a last date, not both.")
        return cleaned


THIS_ONE, AND_FOLLOWING = "this", "following"
SCOPE_CHOICES = [(THIS_ONE, "This visit only"), (AND_FOLLOWING, "This and the following visits")]


class StaffMoveForm(forms.Form):
    date = DateField(label="New day")
    start_time = StartTimeField()
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES, initial=THIS_ONE, widget=forms.RadioSelect, label="Move"
    )

    def __init__(self, *args, in_series: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]


class SeriesCancelForm(forms.Form):
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES, initial=THIS_ONE, widget=forms.RadioSelect, label="Cancel"
    )
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 2}), label="Reason"
    )

    def __init__(self, *args, in_series: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]


class PlaceCancelForm(forms.Form):
    """The practice cancelling a family's place in a group: said on purpose."""

    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 2}), label="Reason"
    )
    confirm = forms.BooleanField(
        label="Yes, cancel this family's place and tell them",
        error_messages={"required": "Tick the box to confirm."},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 2}), label="Reason"
    )


class FamilyCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Anything you'd like us to know (optional)",
    )


class AttendanceForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (Booking.Status.ATTENDED, "Attended"),
            (Booking.Status.LATE_CANCELLED, "Late cancellation"),
            (Booking.Status.NO_SHOW, "Did not attend"),
        ],
        widget=forms.RadioSelect,
    )


class GroupSessionForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True, kind=Service.Kind.GROUP)
    )
    therapist = forms.ModelChoiceField(queryset=User.objects.none())
    starts_at = DateTimeField(label="Starts")
    topic = forms.CharField(max_length=150)
    capacity = forms.IntegerField(
        min_value=1, max_value=50, required=False, help_text="Leave empty for the service's size."
    )
    room = forms.ModelChoiceField(queryset=Room.objects.filter(active=True), required=False)

    def __init__(self, *args, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = therapists


class GroupBookForm(forms.Form):
    family = forms.ModelChoiceField(
        queryset=Family.objects.order_by("name"), widget=searchable("Find a family")
    )


class GroupModelForm(forms.ModelForm):
    class Meta:
        model = GroupSession
        fields = ["topic", "capacity"]
