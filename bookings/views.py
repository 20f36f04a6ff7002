"""The diary: admin set-up pages, staff diaries, booking by the practice and by
families, waitlists and calendar feeds. Thin function views: objects come
through bookings.permissions, writes through bookings.services."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.policy import admin_required, role_required, staff_required
from bookings import calendar, selectors, services, slots, video
from bookings.forms import (
    AND_FOLLOWING,
    PREFILL_KEYS,
    THIS_ONE,
    AttendanceForm,
    AvailabilityForm,
    BookingPeopleForm,
    CancelForm,
    ClosureForm,
    DiaryFilterForm,
    ExceptionForm,
    FamilyCancelForm,
    FamilySlotForm,
    GroupBookForm,
    GroupSessionForm,
    PlaceCancelForm,
    RoomForm,
    SeriesCancelForm,
    ServiceForm,
    SlotSearchForm,
    StaffBookingForm,
    StaffMoveForm,
    booking_prefill,
    slot_choice,
)
from bookings.models import (
    AvailabilityException,
    CalendarFeed,
    PracticeClosure,
    Room,
    Service,
    WeeklyAvailability,
)
from bookings.permissions import (
    bookable_children,
    booking_families,
    can_manage_booking,
    get_appointment_for_staff,
    get_booking_family,
    get_booking_for_user,
    get_group_for_admin,
    get_group_for_family,
    get_service_for_family,
    get_waitlist_entry_for_user,
    may_book,
)
from core.forms import add_service_errors, day_from_query, valid_filters
from families import selectors as family_selectors
from families import services as family_services
from families.forms import LeadTherapistForm
from families.permissions import Access, get_family_for_user

# Therapists per page of the whole practice's diary.
DIARY_THERAPISTS_PER_PAGE = 5
DIARY_LAYOUTS = ("grid", "list")

caregiver_required = role_required(Role.CAREGIVER)


def _posted(request: HttpRequest):
    """The POST data, or None on GET (an empty POST still binds the form)."""
    return request.POST if request.method == "POST" else None


# --- Services and rooms (admin) --------------------------------------------------


@admin_required
def service_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "bookings/service_list.html", {"services": Service.objects.order_by("name")}
    )


@admin_required
def service_create(request: HttpRequest) -> HttpResponse:
    form = ServiceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        service = form.save()
        messages.success(request, f"{service.name} is saved.")
        return redirect("bookings:service_list")
    return render(request, "bookings/service_form.html", {"form": form, "service": None})


@admin_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = Service.objects.filter(pk=pk).first()
    if service is None:
        raise Http404
    form = ServiceForm(_posted(request), instance=service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{service.name} is saved.")
        return redirect("bookings:service_list")
    return render(request, "bookings/service_form.html", {"form": form, "service": service})


@admin_required
def room_list(request: HttpRequest) -> HttpResponse:
    form = RoomForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        room = form.save()
        messages.success(request, f"{room.name} is added.")
        return redirect("bookings:room_list")
    return render(
        request, "bookings/room_list.html", {"rooms": Room.objects.order_by("name"), "form": form}
    )


@admin_required
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = Room.objects.filter(pk=pk).first()
    if room is None:
        raise Http404
    form = RoomForm(_posted(request), instance=room)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{room.name} is saved.")
        return redirect("bookings:room_list")
    return render(request, "bookings/room_form.html", {"form": form, "room": room})


# --- Availability (admin) -------------------------------------------------------------


@admin_required
def availability(request: HttpRequest, pk: int) -> HttpResponse:
    therapist = selectors.therapists().filter(pk=pk).first()
    if therapist is None:
        raise Http404
    which = request.POST.get("form")
    hours_form = AvailabilityForm(request.POST if which == "hours" else None, prefix="hours")
    away_form = ExceptionForm(request.POST if which == "away" else None, prefix="away")
    for form, label in ((hours_form, "Working hours"), (away_form, "Time away")):
        if form.is_bound and form.is_valid():
            form.instance.therapist = therapist
            form.save()
            messages.success(request, f"{label} saved for {therapist}.")
            return redirect("bookings:availability", pk=therapist.pk)
    exceptions = list(
        AvailabilityException.objects.filter(therapist=therapist, ends_at__gte=timezone.now())
    )
    context = {
        "therapist": therapist,
        "therapists": selectors.therapists(),
        "hours": WeeklyAvailability.objects.filter(therapist=therapist).select_related("room"),
        "exceptions": exceptions,
        "stranded": selectors.booked_in(
            [(away.starts_at, away.ends_at) for away in exceptions], therapist=therapist
        ),
        "hours_form": hours_form,
        "away_form": away_form,
    }
    return render(request, "bookings/availability.html", context)


@require_POST
@admin_required
def availability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    block = WeeklyAvailability.objects.filter(pk=pk).first()
    if block is None:
        raise Http404
    block.delete()
    messages.success(request, "Those working hours are removed. Booked appointments stay.")
    return redirect("bookings:availability", pk=block.therapist_id)


@require_POST
@admin_required
def exception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    away = AvailabilityException.objects.filter(pk=pk).first()
    if away is None:
        raise Http404
    away.delete()
    messages.success(request, "The time away is removed.")
    return redirect("bookings:availability", pk=away.therapist_id)


# --- Practice closures (admin) ------------------------------------------------------------


@admin_required
def closure_list(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        closure = services.closure_add(by=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"The practice is closed for {closure.reason}.")
        return redirect("bookings:closure_list")
    closures = selectors.closures_ahead()
    return render(
        request,
        "bookings/closure_list.html",
        {
            "closures": closures,
            "form": form,
            "stranded": selectors.booked_in(selectors.closure_periods(closures)),
        },
    )


@require_POST
@admin_required
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    closure = PracticeClosure.objects.filter(pk=pk).first()
    if closure is None:
        raise Http404
    services.closure_remove(closure=closure, by=request.user, request=request)
    messages.success(request, "The closure is removed: those days can be booked again.")
    return redirect("bookings:closure_list")


# --- From registration to the first visit (admin) ----------------------------------------


@admin_required
def first_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """After registering a family: a lead therapist for the children, then
    the initial assessment booked with them (the booking page, filled in)."""
    family, _ = get_family_for_user(request.user, pk, allow={Access.ADMIN})
    children = family.children.filter(discharged_on__isnull=True).order_by("first_name", "pk")
    leads = family_selectors.lead_therapists(family)
    form = LeadTherapistForm(
        _posted(request),
        therapists=selectors.therapists(),
        children=children,
        initial={"children": [child.pk for child in children if child.pk not in leads]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            family_services.family_lead_assign(
                children=list(form.cleaned_data["children"]),
                therapist=form.cleaned_data["therapist"],
                starts_on=timezone.localdate(),
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['therapist']} is the lead therapist.")
            return redirect("bookings:first_visit", pk=family.pk)
    children = list(children)
    lead = next((leads[child.pk] for child in children if child.pk in leads), None)
    assessment = selectors.assessment_service()
    book = None
    if lead is not None and assessment is not None:
        query = {
            "service": assessment.pk,
            "therapist": lead.pk,
            "family": family.pk,
            "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        }
        book = reverse("bookings:appointment_new") + "?" + urlencode(query)
    return render(
        request,
        "bookings/first_visit.html",
        {
            "family": family,
            "children": [(child, leads.get(child.pk)) for child in children],
            "form": form,
            "lead": lead,
            "assessment": assessment,
            "book": book,
        },
    )


# --- Diaries (staff) -----------------------------------------------------------------------


@staff_required
def diary(request: HttpRequest) -> HttpResponse:
    """Admins: the whole practice or one therapist; therapists: their own."""
    user = request.user
    therapists = selectors.therapists()
    if user.role == Role.THERAPIST:
        therapists = therapists.filter(pk=user.pk)
    # Read once: the therapist filter's choices, the admin's links to working
    # hours, and the pages of the practice's diary all come from this list,
    # however many therapists the practice has.
    everyone = list(therapists.only("pk", "full_name", "email"))
    form = DiaryFilterForm(
        request.GET or None, therapists=therapists, own=user.role == Role.THERAPIST
    )
    cleaned = valid_filters(form)
    mode = cleaned.get("view") or "week"
    day = cleaned.get("date") or timezone.localdate()
    therapist = user if user.role == Role.THERAPIST else cleaned.get("therapist")
    service = cleaned.get("service")
    if mode == "week":
        first_day, length = day - timedelta(days=day.weekday()), 7
    else:
        first_day, length = day, 1
    # The whole practice's week is shown a few therapists at a time: a page
    # costs the same with 4 therapists or 400 (issue 9, `make bench`).
    people_page, people, pages = None, [therapist], {}
    if therapist is None:
        people_page = Paginator(everyone, DIARY_THERAPISTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        people = list(people_page.object_list)
        for key, number in (
            ("previous_page", people_page.has_previous() and people_page.number - 1),
            ("next_page", people_page.has_next() and people_page.number + 1),
        ):
            if number:
                query = request.GET.copy()
                query["page"] = number
                pages[key] = query.urlencode()
    admin = user.role == Role.ADMIN
    own = user.role == Role.THERAPIST
    drawn = selectors.diary_grid(
        first_day=first_day,
        days=length,
        therapist=therapist,
        service=service,
        people=people,
        admin=admin,
    )
    # The time grid or the list: as asked, or (by the style sheet) the grid
    # from 768 px wide and the list below.
    layout = request.GET.get("layout")
    if layout not in DIARY_LAYOUTS:
        layout = None
    layouts = {}
    for name in DIARY_LAYOUTS:
        query = request.GET.copy()
        query["layout"] = name
        layouts[name] = query.urlencode()
    query = request.GET.copy()
    query["date"] = (first_day - timedelta(days=length)).isoformat()
    previous = query.urlencode()
    query["date"] = (first_day + timedelta(days=length)).isoformat()
    following = query.urlencode()
    # The filter's choices from the list above, not from a query of each field.
    if "therapist" in form.fields:
        form.fields["therapist"].choices = [
            ("", form.fields["therapist"].empty_label),
            *((person.pk, str(person)) for person in everyone),
        ]
    form.fields["service"].choices = [
        ("", form.fields["service"].empty_label),
        *selectors.service_names(),
    ]
    return render(
        request,
        "bookings/diary.html",
        {
            "days": drawn["days"],
            "bands": drawn["bands"],
            # One therapist's week: its days side by side; otherwise each day
            # a row of therapists.
            "across": mode == "week" and len(people) == 1,
            "layout": layout,
            "layouts": layouts,
            "form": form,
            "therapists": everyone,
            "show_therapist": therapist is None,
            "admin": admin,
            "mode": mode,
            "first_day": first_day,
            "last_day": first_day + timedelta(days=length - 1),
            "previous": previous,
            "following": following,
            "therapist": therapist,
            "own": own,
            "people_page": people_page,
            "people_pages": pages,
        },
    )


# --- Appointments booked by the practice ------------------------------------------------------


def _at_start_time(error: ValidationError) -> ValidationError:
    """A service's complaint about the start shown by the start time field."""
    if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
        rest = {k: v for k, v in error.error_dict.items() if k != "starts_at"}
        return ValidationError({**rest, "start_time": error.error_dict["starts_at"]})
    return error


def _series_signature(day, data: dict) -> str:
    """What the shown list of dates was worked out for: booking a series is
    only taken once its dates and clashes have been seen as they stand."""
    room = data.get("room")
    return "|".join(
        str(part)
        for part in (
            day.isoformat(),
            data["start_time"].strftime("%H:%M"),
            data.get("repeat"),
            data.get("count") or "",
            data["until"].isoformat() if data.get("until") else "",
            room.pk if room else "",
        )
    )


def _prefilled_time(prefill: dict) -> str | None:
    """The start time a link from the diary's free time carries, as the
    form's "HH:MM"."""
    if "starts_at" not in prefill:
        return None
    return timezone.localtime(prefill["starts_at"]).strftime("%H:%M")


@admin_required
def appointment_new(request: HttpRequest) -> HttpResponse:
    """Pick service, therapist, day and family; then any free start time,
    who comes, and whether it repeats. A series shows its dates and clashes
    first, then books the visits that are free. From the diary's free time
    the therapist, the day and the start time come filled in."""
    prefill = booking_prefill(request.GET)
    asked = request.GET if set(request.GET) - PREFILL_KEYS else None
    if asked is not None and not asked.get("date") and "date" in prefill:
        asked = asked.copy()
        asked["date"] = prefill["date"].isoformat()
    search = SlotSearchForm(
        asked,
        therapists=selectors.therapists(),
        initial={key: prefill[key] for key in ("therapist", "date") if key in prefill},
    )
    context: dict = {
        "search": search,
        "form": None,
        # Kept through "Show free time" so the diary's time stays chosen.
        "starts_at": request.GET.get("starts_at", "") if "starts_at" in prefill else "",
    }
    if search.is_valid():
        service = search.cleaned_data["service"]
        therapist = search.cleaned_data["therapist"]
        family = search.cleaned_data["family"]
        day = search.cleaned_data["date"]
        form = StaffBookingForm(
            _posted(request),
            initial={"start_time": request.GET.get("time") or _prefilled_time(prefill)},
            family=family,
            service=service,
            with_room=service.location == Service.Location.CLINIC,
        )
        context.update(
            form=form,
            day=day,
            service=service,
            therapist=therapist,
            family=family,
            free=selectors.free_time(service=service, therapist=therapist, day=day),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            people = {
                "family": family,
                "children": data.get("children") or [],
                "escort": data.get("escort"),
                "by": request.user,
                "request": request,
            }
            if data.get("repeat"):
                pattern = {
                    "service": service,
                    "therapist": therapist,
                    "first_day": day,
                    "at": data["start_time"],
                    "every_weeks": data["repeat"],
                    "count": data.get("count"),
                    "until": data.get("until"),
                    "room": data.get("room"),
                }
                signature = _series_signature(day, data)
                if request.POST.get("action") == "book" and request.POST.get("checked") == (
                    signature
                ):
                    try:
                        booked = services.series_book(**pattern, **people)
                    except ValidationError as error:
                        add_service_errors(form, error)
                    else:
                        said = f"{len(booked.bookings)} visits booked for {family.name}."
                        if booked.skipped:
                            said += f" {len(booked.skipped)} skipped for their clashes."
                        messages.success(request, said)
                        return redirect(
                            "bookings:appointment_detail", pk=booked.bookings[0].appointment_id
                        )
                try:
                    plan = services.series_plan(**pattern)
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    context.update(
                        plan=plan,
                        signature=signature,
                        free_count=sum(1 for visit in plan if visit.free),
                        clash_count=sum(1 for visit in plan if not visit.free),
                    )
            elif request.POST.get("action") == "book":
                try:
                    booking = services.appointment_book(
                        service=service,
                        therapist=therapist,
                        starts_at=slots.local_to_utc(day, data["start_time"]),
                        room=data.get("room"),
                        **people,
                    )
                except ValidationError as error:
                    add_service_errors(form, _at_start_time(error))
                else:
                    messages.success(request, f"{family.name} is booked.")
                    return redirect("bookings:appointment_detail", pk=booking.appointment_id)
    return render(request, "bookings/appointment_new.html", context)


@staff_required
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_staff(request.user, pk)
    bookings = selectors.appointment_page(appointment)
    now = timezone.now()
    outcome = next((b for b in bookings if b.status in services.ATTENDANCE_OUTCOMES), None)
    # Attendance is offered once, from the start time; before it only a late
    # cancellation can be recorded. Move and cancel are for visits to come.
    open_ = appointment.status == appointment.Status.BOOKED and outcome is None
    return render(
        request,
        "bookings/appointment_detail.html",
        {
            "appointment": appointment,
            "bookings": bookings,
            "outcome": outcome,
            "sessions": selectors.sessions_started(bookings),
            "series": selectors.series_summary(appointment.series),
            "attendance_form": AttendanceForm() if open_ and appointment.starts_at <= now else None,
            "late_cancel_form": open_ and appointment.starts_at > now,
            "changeable": open_ and appointment.starts_at > now,
            "is_admin": request.user.role == Role.ADMIN,
        },
    )


def _only_future(request: HttpRequest, appointment) -> HttpResponse | None:
    if appointment.is_cancelled or appointment.starts_at <= timezone.now():
        messages.error(request, "Only appointments still to come can be moved or cancelled.")
        return redirect("bookings:appointment_detail", pk=appointment.pk)
    return None


@admin_required
def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Any free start time on the chosen day; for a series, this visit only or
    this and the following ones."""
    appointment = get_appointment_for_staff(request.user, pk, admin_only=True)
    if (refused := _only_future(request, appointment)) is not None:
        return refused
    local = timezone.localtime(appointment.starts_at)
    day = day_from_query(request.GET.get("date"), local.date())
    form = StaffMoveForm(
        _posted(request),
        initial={"date": day, "start_time": local.time(), "scope": THIS_ONE},
        in_series=appointment.series_id is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day = data["date"]
        starts_at = slots.local_to_utc(day, data["start_time"])
        try:
            if data.get("scope") == AND_FOLLOWING:
                moved = services.series_move_following(
                    appointment=appointment, starts_at=starts_at, by=request.user, request=request
                )
                said = f"{len(moved)} visits have been moved."
            else:
                services.appointment_move(
                    appointment=appointment, starts_at=starts_at, by=request.user, request=request
                )
                said = "The appointment has been moved."
        except ValidationError as error:
            add_service_errors(form, _at_start_time(error))
        else:
            messages.success(request, said)
            return redirect("bookings:appointment_detail", pk=appointment.pk)
    return render(
        request,
        "bookings/appointment_move.html",
        {
            "appointment": appointment,
            "form": form,
            "day": day,
            "free": selectors.free_time(
                service=appointment.service, therapist=appointment.therapist, day=day
            ),
            "series": selectors.series_summary(appointment.series),
        },
    )


@admin_required
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_staff(request.user, pk, admin_only=True)
    if (refused := _only_future(request, appointment)) is not None:
        return refused
    form = SeriesCancelForm(_posted(request), in_series=appointment.series_id is not None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data.get("scope") == AND_FOLLOWING:
                cancelled = services.series_cancel_following(
                    appointment=appointment, reason=reason, by=request.user, request=request
                )
                said = f"{len(cancelled)} visits are cancelled."
            else:
                services.appointment_cancel(
                    appointment=appointment, reason=reason, by=request.user, request=request
                )
                said = "The appointment is cancelled."
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, said)
            return redirect("bookings:appointment_detail", pk=appointment.pk)
    return render(
        request,
        "bookings/appointment_cancel.html",
        {
            "appointment": appointment,
            "form": form,
            "series": selectors.series_summary(appointment.series),
        },
    )


@require_POST
@staff_required
def appointment_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_staff(request.user, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            attendance = services.appointment_record_attendance(
                appointment=appointment,
                outcome=form.cleaned_data["outcome"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Attendance recorded.")
            if attendance.sessions and request.user.role == Role.THERAPIST:
                return redirect(attendance.sessions[0])
            for problem in attendance.problems:
                messages.warning(request, f"No session was started for {problem}")
    else:
        messages.error(request, "Choose attended, late cancellation or did not attend.")
    return redirect("bookings:appointment_detail", pk=appointment.pk)


# --- Group sessions (admin) -------------------------------------------------------------------


@admin_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = (
        selectors.groups_with_counts()
        .filter(starts_at__gte=timezone.now() - timedelta(days=7))
        .order_by("starts_at")
    )
    return render(request, "bookings/group_list.html", {"groups": groups})


@admin_required
def group_create(request: HttpRequest) -> HttpResponse:
    form = GroupSessionForm(_posted(request), therapists=selectors.therapists())
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_session_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{group.topic} is in the diary.")
            return redirect("bookings:group_detail", pk=group.pk)
    return render(request, "bookings/group_form.html", {"form": form})


@admin_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_admin(request.user, pk)
    form = GroupBookForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_place_book(
                group_session=group,
                family=form.cleaned_data["family"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['family']} has a place.")
            return redirect("bookings:group_detail", pk=group.pk)
    context = {
        "group": group,
        "form": form,
        "places_left": services.places_left(group),
        **selectors.group_page(group),
    }
    return render(request, "bookings/group_detail.html", context)


@admin_required
def group_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_admin(request.user, pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_session_cancel(
                group_session=group,
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{group.topic} is cancelled; every place with it.")
            return redirect("bookings:group_detail", pk=group.pk)
    return render(request, "bookings/group_cancel.html", {"group": group, "form": form})


@admin_required
def group_place_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice cancels one family's place in a group, on purpose and
    with a reason the family is told."""
    booking = get_booking_for_user(request.user, pk)
    if booking.group_session_id is None:
        raise Http404
    if not booking.is_active:
        messages.error(request, "This place is already cancelled.")
        return redirect("bookings:group_detail", pk=booking.group_session_id)
    form = PlaceCancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(
                booking=booking,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{booking.family.name}'s place is cancelled.")
            return redirect("bookings:group_detail", pk=booking.group_session_id)
    return render(
        request,
        "bookings/group_place_cancel.html",
        {"booking": booking, "group": booking.group_session, "form": form},
    )


@require_POST
@admin_required
def waitlist_offer(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_waitlist_entry_for_user(request.user, pk)
    try:
        services.waitlist_offer_now(entry=entry, by=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{entry.family.name} is offered the place by e-mail.")
    return redirect("bookings:group_detail", pk=entry.group_session_id)


@require_POST
@admin_required
def waitlist_move(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_waitlist_entry_for_user(request.user, pk)
    try:
        services.waitlist_move(entry=entry, up=request.POST.get("direction") != "down")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("bookings:group_detail", pk=entry.group_session_id)


# --- Families: their bookings, booking online -----------------------------------------------


@caregiver_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    context = selectors.bookings_for_caregiver(request.user)
    return render(request, "bookings/my_bookings.html", context)


@caregiver_required
def book_start(request: HttpRequest) -> HttpResponse:
    if not booking_families(request.user).exists():
        raise Http404
    return render(
        request, "bookings/book_start.html", {"services": selectors.services_for_families()}
    )


@caregiver_required
def book_service(request: HttpRequest, pk: int) -> HttpResponse:
    """A service open to families: its groups with places, or its free times;
    choosing a time leads to the confirmation step on the same page."""
    service = get_service_for_family(request.user, pk)
    family = get_booking_family(request.user, request.GET.get("family"))
    if service.is_group:
        return render(
            request,
            "bookings/book_groups.html",
            {"service": service, "groups": selectors.open_groups(service)},
        )
    return _book_a_time(request, service=service, family=family)


def _book_a_time(request: HttpRequest, *, service: Service, family) -> HttpResponse:
    """Booking on a phone: a strip of the next weeks' days that have a free
    time, the chosen day's times on the service's grid with the child's own
    therapist (or anyone: `?therapist=all`), then who it is for and, where
    the family may choose, in person or by video. Every step is a link or a
    form, so it works without script."""
    leads = selectors.lead_therapists(family)
    # The children this person books for: all of them for a parent.
    children = list(
        bookable_children(request.user)
        .filter(family=family, discharged_on__isnull=True)
        .order_by("first_name")
    )
    child = next((c for c in children if str(c.pk) == request.GET.get("child")), None)
    if child is None:
        child = next((c for c in children if c.pk in leads), None)
    everyone = request.GET.get("therapist") == "all" or child is None or child.pk not in leads
    query = {"family": family.pk} if request.GET.get("family") else {}
    if child is not None:
        query["child"] = child.pk
    if everyone:
        query["therapist"] = "all"
    chosen = request.POST.get("slot") or request.GET.get("slot")
    if chosen:
        found = _free_time(service, chosen)
        if found is None:
            messages.error(request, services.SLOT_TAKEN)
        else:
            # The child is ticked for the family only when there is no other:
            # a consultation may be about any or all of them.
            only = children[0] if len(children) == 1 else None
            return _confirm_time(request, service, family, found, child=only, query=query)
    people = list(selectors.therapists()) if everyone else [leads[child.pk]]
    times = selectors.family_times(
        service=service,
        people=people,
        # `from`: the address of the weekly pages before the day strip.
        day=day_from_query(request.GET.get("day") or request.GET.get("from"), timezone.localdate()),
    )
    filters = [
        {
            "label": f"{c.display_name}'s therapist, {leads[c.pk]}",
            "query": urlencode(
                {**{k: v for k, v in query.items() if k != "therapist"}, "child": c.pk}
            ),
            "current": not everyone and child == c,
        }
        for c in children
        if c.pk in leads
    ]
    return render(
        request,
        "bookings/book_slots.html",
        {
            "service": service,
            "family": family,
            "times": times,
            "people": people,
            "everyone": everyone,
            "child": child,
            "filters": filters,
            "all_query": urlencode({**query, "therapist": "all"}),
            "query": urlencode(query),
            "show_therapist": len(people) > 1,
            "choices": [
                (slot_choice(person, slot)[0], person, slot) for person, slot in times.times
            ],
        },
    )


def _free_time(service: Service, chosen: str):
    """(therapist, slot) for a time a family chose (`<therapist>|<start>`,
    from the page's links), if they may still book it."""
    therapist_id, _, iso = chosen.partition("|")
    try:
        starts_at = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if not therapist_id.isdigit() or starts_at.tzinfo is None:
        return None
    return selectors.bookable_time(
        service=service, therapist_id=int(therapist_id), starts_at=starts_at
    )


def _confirm_time(request, service, family, found, *, child, query: dict) -> HttpResponse:
    value = slot_choice(*found)[0]
    initial = {"slot": value}
    if child is not None:
        initial["children"] = [child.pk]
    form = FamilySlotForm(
        _posted(request),
        initial=initial,
        family=family,
        service=service,
        slot_choices=[slot_choice(*found)],
        by=request.user,
    )
    if request.method == "POST" and form.is_valid():
        therapist, slot = found
        try:
            booking = services.appointment_book(
                service=service,
                therapist=therapist,
                starts_at=slot.starts_at,
                family=family,
                children=form.cleaned_data.get("children") or [],
                escort=form.cleaned_data.get("escort"),
                by_video=form.by_video,
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "You're booked. We've sent you an e-mail too.")
            return redirect("bookings:booking_detail", pk=booking.pk)
    return render(
        request,
        "bookings/book_confirm.html",
        {
            "service": service,
            "family": family,
            "form": form,
            "chosen": found,
            "back_query": urlencode(
                {**query, "day": timezone.localtime(found[1].starts_at).date().isoformat()}
            ),
        },
    )


@caregiver_required
def group_place(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_family(request.user, pk)
    family = get_booking_family(request.user, request.GET.get("family"))
    form = BookingPeopleForm(
        _posted(request), family=family, service=group.service, by=request.user
    )
    full = False
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.group_place_book(
                group_session=group,
                family=family,
                children=form.cleaned_data.get("children") or [],
                escort=form.cleaned_data.get("escort"),
                by=request.user,
                request=request,
            )
        except services.GroupFull as error:
            full = True
            add_service_errors(form, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "You have a place. We've sent you an e-mail too.")
            return redirect("bookings:booking_detail", pk=booking.pk)
    places = services.places_left(group, for_family=family)
    # The family's place on the waitlist names no child: the parents'.
    whole_family = may_book(request.user, family=family, children=())
    return render(
        request,
        "bookings/group_place.html",
        {
            "group": group,
            "family": family,
            "form": form,
            "full": full or places <= 0,
            "waiting": selectors.waitlist_entry_for(group, family) if whole_family else None,
            "can_wait": whole_family,
        },
    )


@require_POST
@caregiver_required
def waitlist_join(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_family(request.user, pk)
    family = get_booking_family(request.user, request.POST.get("family"))
    # The family's place in line names no child: the parents' to take.
    if not may_book(request.user, family=family, children=()):
        raise Http404
    try:
        entry = services.waitlist_join(group_session=group, family=family, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("bookings:group_place", pk=group.pk)
    place = selectors.waitlist_entry_for(group, entry.family).place
    messages.success(
        request,
        f"You're number {place} on the waitlist. We'll e-mail you if a place comes up.",
    )
    return redirect("bookings:my_bookings")


@caregiver_required
def waitlist_accept(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_waitlist_entry_for_user(request.user, pk)
    if request.method == "POST":
        try:
            booking = services.waitlist_accept(entry=entry, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("bookings:my_bookings")
        messages.success(request, "The place is yours. We've sent you an e-mail too.")
        return redirect("bookings:booking_detail", pk=booking.pk)
    return render(request, "bookings/waitlist_accept.html", {"entry": entry})


@require_POST
@caregiver_required
def waitlist_leave(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_waitlist_entry_for_user(request.user, pk)
    services.waitlist_leave(entry=entry, by=request.user)
    messages.success(request, "You've left the waitlist.")
    return redirect("bookings:my_bookings")


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_booking_for_user(request.user, pk)
    manage = can_manage_booking(request.user, booking)
    call = None
    if booking.appointment_id is not None and booking.is_active:
        call = video.video_call(appointment=booking.appointment, viewer=request.user)
    return render(
        request,
        "bookings/booking_detail.html",
        {
            "booking": booking,
            "slot": booking.slot,
            "series": selectors.series_summary(
                booking.appointment.series if booking.appointment_id else None
            ),
            "can_manage": manage,
            "cancel_form": FamilyCancelForm() if manage and booking.is_active else None,
            "call": call,
            "reveal_minutes": int(video.REVEAL_BEFORE.total_seconds() // 60),
        },
    )


@login_required
def booking_video(request: HttpRequest, pk: int) -> HttpResponse:
    """Join a booking's video call: the portal's own address for it (in the
    e-mails and the calendar file), which sends whoever may see the booking
    on to the call's room, made for them now, from 15 minutes before the
    start; before then, back to the booking, which says when."""
    booking = get_booking_for_user(request.user, pk)
    call = None
    if booking.appointment_id is not None and booking.is_active:
        call = video.video_call(appointment=booking.appointment, viewer=request.user)
    if call is None:
        raise Http404
    if call.status == video.Status.OPEN:
        response = redirect(call.url)
        # The address may carry a token for this person: kept out of caches.
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return redirect("bookings:booking_detail", pk=booking.pk)


@login_required
def booking_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking as a calendar file, worded as the family's e-mails are."""
    booking = get_booking_for_user(request.user, pk)
    detailed = request.user.role != Role.CAREGIVER or selectors.chose_detailed_wording(
        request.user, booking.family_id
    )
    response = HttpResponse(
        calendar.booking_ics(booking, detailed=detailed),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@require_POST
@login_required
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_booking_for_user(request.user, pk)
    if not can_manage_booking(request.user, booking):
        raise Http404
    form = FamilyCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.booking_cancel(booking=booking, by=request.user, reason=reason, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The booking is cancelled.")
    if request.user.role == Role.ADMIN and booking.group_session_id:
        return redirect("bookings:group_detail", pk=booking.group_session_id)
    return redirect("bookings:booking_detail", pk=booking.pk)


# --- Calendar feeds -------------------------------------------------------------------------------


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = services.calendar_feed_get(user=request.user)
    url = request.build_absolute_uri(reverse("bookings:calendar_feed", args=[feed.token]))
    return render(request, "bookings/calendar_settings.html", {"feed_url": url})


@require_POST
@login_required
def calendar_reset(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)
    messages.success(request, "Your calendar has a new address. The old one no longer works.")
    return redirect("bookings:calendar_settings")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No log-in: calendar apps fetch it with the secret address alone."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = calendar.feed_for(feed.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
