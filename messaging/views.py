"""Conversations, the staff inbox and shared media. Thin function views: every
object comes through messaging.permissions, every write through services."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.policy import mark_offline_readable, role_required, staff_required
from core.forms import add_service_errors
from core.ranges import ranged_file_response
from families.models import ConsentKind
from families.selectors import consent_given
from goals.permissions import WRITERS as STRATEGY_WRITERS
from goals.permissions import get_library_strategy_for_user, get_strategy_for_user
from messaging import selectors, services
from messaging.forms import MessageEditForm, MessageForm, PracticePhotoForm, StrategyMediaForm
from messaging.models import EDIT_WINDOW, MediaKind, Topic
from messaging.permissions import (
    FAMILY_SIDE,
    get_child_for_conversation,
    get_child_for_photos,
    get_media_for_user,
    get_own_message,
    get_practice_log_for_family,
    get_strategy_media_for_writer,
    parse_topic,
    topics_for,
)


def _conversation_url(child_id: int, topic: str) -> str:
    return reverse("messaging:conversation", args=[child_id, topic])


@login_required
def conversation(request: HttpRequest, pk: int, topic: str) -> HttpResponse:
    topic = parse_topic(topic)
    child, access = get_child_for_conversation(request.user, pk, topic)
    media_allowed = access in FAMILY_SIDE and consent_given(
        child.family_id, ConsentKind.PHOTOS_IN_NOTES
    )
    form = MessageForm(request.POST or None, request.FILES or None, media_allowed=media_allowed)
    if request.method == "POST" and form.is_valid():
        # Without the family's consent the form has no file field; a file sent
        # anyway goes to the service, which refuses it with the reason.
        attachment = form.cleaned_data.get("attachment") or request.FILES.get("attachment")
        try:
            services.message_send(
                child=child,
                topic=topic,
                author=request.user,
                access=access,
                body=form.cleaned_data["body"],
                files=[attachment] if attachment else [],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Message sent.")
            return redirect(_conversation_url(child.pk, topic))
    conversation_ = selectors.conversation_for(child, topic)
    if conversation_ is not None and request.method == "GET":
        services.conversation_mark_read(conversation=conversation_, user=request.user)
    page = selectors.messages_page(conversation_, request.GET.get("page"))
    return render(
        request,
        "messaging/conversation.html",
        {
            "child": child,
            "access": access,
            "topic": topic,
            "other_topics": [t for t in topics_for(access) if t != topic],
            "readers": selectors.readers(child, topic),
            "page": page,
            "form": form,
            "media_allowed": media_allowed,
            "family_side": access in FAMILY_SIDE,
            "office_hours": settings.MESSAGING_OFFICE_HOURS,
            "edit_minutes": int(EDIT_WINDOW.total_seconds() // 60),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_own_message(request.user, pk)
    back = _conversation_url(message.conversation.child_id, message.conversation.topic)
    if not message.can_change(request.user):
        messages.info(request, services.LOCKED)
        return redirect(back)
    form = MessageEditForm(request.POST or None, instance=message)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_edit(
                message=message, user=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Message changed.")
            return redirect(back)
    return render(
        request,
        "messaging/message_edit.html",
        {"form": form, "message": message, "back": back},
    )


@require_POST
@login_required
def message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_own_message(request.user, pk)
    try:
        services.message_delete(message=message, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Message deleted.")
    return redirect(_conversation_url(message.conversation.child_id, message.conversation.topic))


@role_required(Role.CAREGIVER)
def my_messages(request: HttpRequest) -> HttpResponse:
    """A parent's or carer's conversations, one per child and topic, with
    what waits for them."""
    return render(
        request,
        "messaging/my_messages.html",
        {"rows": selectors.conversations_of_family_member(request.user)},
    )


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    conversations = list(selectors.unanswered_inbox(request.user)[:200])
    return render(
        request,
        "messaging/inbox.html",
        {"conversations": conversations, "topics": dict(Topic.choices)},
    )


@login_required
def media(request: HttpRequest, media_id: UUID) -> HttpResponse:
    item = get_media_for_user(request.user, media_id)
    # In parts when asked, so a video seeks (and plays at all on an iPhone).
    response = ranged_file_response(
        request, item.file.open("rb"), size=item.size, content_type=item.content_type
    )
    response["Content-Disposition"] = f'inline; filename="{item.id}.{item.extension}"'
    # Private to this person's browser, never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if item.kind == MediaKind.IMAGE and (item.strategy_id or item.template_id):
        # A strategy's photos read offline with the week they belong to
        # (videos are too large to keep on the phone).
        mark_offline_readable(request, response)
    return response


@login_required
def photos(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos and videos from home for one child, with the latest practice to
    add one to (for the family)."""
    child, access = get_child_for_photos(request.user, pk)
    family_side = access in FAMILY_SIDE
    return render(
        request,
        "messaging/photos.html",
        {
            "child": child,
            "access": access,
            "media": selectors.photos_from_home(child),
            "practice": selectors.recent_practice(child) if family_side else [],
            "media_allowed": family_side
            and consent_given(child.family_id, ConsentKind.PHOTOS_IN_NOTES),
        },
    )


@login_required
def practice_photo(request: HttpRequest, pk: int) -> HttpResponse:
    log, _access = get_practice_log_for_family(request.user, pk)
    child = log.strategy.child
    form = PracticePhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.media_attach(
                child=child,
                user=request.user,
                files=[form.cleaned_data["attachment"]],
                practice_log=log,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Photo added. Your therapist can see it.")
            return redirect("messaging:photos", pk=child.pk)
    return render(
        request,
        "messaging/practice_photo.html",
        {"form": form, "log": log, "child": child},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def strategy_media(request: HttpRequest, pk: int) -> HttpResponse:
    """The therapist adds photos and videos that show a child's strategy."""
    strategy, _access = get_strategy_for_user(request.user, pk, allow=STRATEGY_WRITERS)
    consented = consent_given(strategy.child.family_id, ConsentKind.PHOTOS_IN_NOTES)
    form = StrategyMediaForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_media_add(
                strategy=strategy,
                by=request.user,
                upload=form.cleaned_data["attachment"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added to “{strategy.title}”. The family sees it there.")
            return redirect("messaging:strategy_media", pk=strategy.pk)
    return render(
        request,
        "messaging/strategy_media.html",
        {
            "strategy": strategy,
            "child": strategy.child,
            "consented": consented,
            "form": form,
            "media": selectors.strategy_media(strategy=strategy),
            "back_url": reverse("goals:routines", args=[strategy.child_id]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def template_media(request: HttpRequest, pk: int) -> HttpResponse:
    """The practice's own demonstrations on a library strategy, shown to
    every family with a strategy made from it."""
    template = get_library_strategy_for_user(request.user, pk)
    form = StrategyMediaForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_media_add(
                template=template,
                by=request.user,
                upload=form.cleaned_data["attachment"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Added to “{template.title}”. Every family using it sees it."
            )
            return redirect("messaging:template_media", pk=template.pk)
    return render(
        request,
        "messaging/strategy_media.html",
        {
            "strategy": template,
            "child": None,
            "consented": True,
            "form": form,
            "media": selectors.strategy_media(template=template),
            "back_url": reverse("goals:library"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def strategy_media_remove(request: HttpRequest, media_id: UUID) -> HttpResponse:
    media = get_strategy_media_for_writer(request.user, media_id)
    services.strategy_media_remove(media=media)
    messages.success(request, "Removed.")
    if media.template_id is not None:
        return redirect("messaging:template_media", pk=media.template_id)
    return redirect("messaging:strategy_media", pk=media.strategy_id)
