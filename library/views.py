"""The learning library. Therapists browse it all and share; families read
what was shared with them or linked to their child's strategies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from families.permissions import CLINICAL, get_family_for_user
from goals.permissions import get_strategy_for_user
from library import services
from library.forms import AreaFilterForm, LinkForm, ShareForm
from library.models import ArticleShare, StrategyArticle
from library.permissions import articles_for, get_article_for_user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.ADMIN:
        raise Http404
    form = AreaFilterForm(request.GET)
    articles = articles_for(request.user)
    if form.is_valid() and form.cleaned_data["area"]:
        articles = articles.filter(area=form.cleaned_data["area"])
    return render(
        request,
        "library/index.html",
        {
            "form": form,
            "articles": list(articles[:200]),
            "is_therapist": request.user.role == Role.THERAPIST,
        },
    )


def _refuse_what_is_not_theirs(value: str, getter, user) -> None:
    """A family or strategy id that exists but is not the therapist's answers
    404, like the object itself would (no enumeration); junk is a form error."""
    # Beyond a 64-bit id nothing can exist (and SQLite would overflow): junk.
    if value.isdigit() and int(value) < 2**63:
        getter(user, int(value), allow=CLINICAL)


def _detail(request, article, *, share_form=None, link_form=None, status=200):
    is_therapist = request.user.role == Role.THERAPIST
    context = {"article": article, "is_therapist": is_therapist}
    if is_therapist:
        context.update(
            share_form=share_form or ShareForm(user=request.user),
            link_form=link_form or LinkForm(user=request.user),
            shares=list(
                ArticleShare.objects.filter(
                    article=article,
                    family__in=ShareForm(user=request.user).fields["family"].queryset,
                ).select_related("family")
            ),
            links=list(
                StrategyArticle.objects.filter(
                    article=article,
                    strategy__in=LinkForm(user=request.user).fields["strategy"].queryset,
                ).select_related("strategy__child")
            ),
        )
    return render(request, "library/article.html", context, status=status)


@login_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_article_for_user(request.user, pk))


@require_POST
@login_required
def share(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.role != Role.THERAPIST:
        raise Http404
    item = get_article_for_user(request.user, pk)
    _refuse_what_is_not_theirs(request.POST.get("family", ""), get_family_for_user, request.user)
    form = ShareForm(request.POST, user=request.user)
    if not form.is_valid():
        return _detail(request, item, share_form=form, status=400)
    services.article_share(article=item, family_id=form.cleaned_data["family"].pk, by=request.user)
    messages.success(request, f"Shared with {form.cleaned_data['family'].name}.")
    return redirect("library:article", pk=item.pk)


@require_POST
@login_required
def link(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.role != Role.THERAPIST:
        raise Http404
    item = get_article_for_user(request.user, pk)
    _refuse_what_is_not_theirs(
        request.POST.get("strategy", ""), get_strategy_for_user, request.user
    )
    form = LinkForm(request.POST, user=request.user)
    if not form.is_valid():
        return _detail(request, item, link_form=form, status=400)
    services.article_link(article=item, strategy=form.cleaned_data["strategy"], by=request.user)
    messages.success(request, "Linked to the strategy: the family sees it there too.")
    return redirect("library:article", pk=item.pk)
