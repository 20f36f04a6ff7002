"""Two baselines for `make bench`, so that every key page can be compared with
what the stack costs before the page does anything of its own.

- `empty_layout`: the site's layout (base.html, navigation, footer) for a
  logged-in user and nothing else: what every page pays for session, user and
  layout.
- `bare`: a logged-in view that answers a few bytes without a template: the
  ceiling of this server, middleware and session.

Both refuse to exist unless BENCH_ENDPOINTS is on, twice over: the URLs are
not routed (portal/urls.py) and the views answer 404.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def _only_when_benchmarking() -> None:
    if not settings.BENCH_ENDPOINTS:
        raise Http404


@login_required
def empty_layout(request: HttpRequest) -> HttpResponse:
    _only_when_benchmarking()
    return render(request, "portal/bench_layout.html")


@login_required
def bare(request: HttpRequest) -> HttpResponse:
    _only_when_benchmarking()
    return HttpResponse(b"ok\n", content_type="text/plain")
