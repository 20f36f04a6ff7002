"""Structured logs: a request id on every line, one access line per request
with the user's id (never a name), the route (never the raw path, which can
carry an invitation or calendar token), status and duration; Celery task
outcomes with their task id; optional Sentry with personal data scrubbed."""

import contextvars
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

access_log = logging.getLogger("portal.access")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            match = getattr(request, "resolver_match", None)
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": match.route if match else "-",
                    "view": match.view_name if match else "-",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def connect_celery_logging() -> None:
    from celery import signals

    task_log = logging.getLogger("portal.tasks")

    @signals.task_postrun.connect(weak=False)
    def _task_done(task_id=None, task=None, state=None, **kwargs):
        task_log.info(
            "task", extra={"task_id": task_id, "task": getattr(task, "name", "-"), "outcome": state}
        )

    @signals.task_failure.connect(weak=False)
    def _task_failed(task_id=None, sender=None, exception=None, **kwargs):
        task_log.warning(
            "task failed",
            extra={
                "task_id": task_id,
                "task": getattr(sender, "name", "-"),
                "error": type(exception).__name__,
            },
        )


_SCRUB_KEYS = {
    "email",
    "full_name",
    "name",
    "phone",
    "address",
    "postcode",
    "ip_address",
    "username",
}


def _scrub(event: dict, hint: dict) -> dict:
    """Sentry sees ids and stack traces, never who the family is."""
    user = event.get("user")
    if user:
        event["user"] = {"id": user.get("id")}
    request = event.get("request") or {}
    for key in ("cookies", "data", "query_string"):
        request.pop(key, None)
    headers = request.get("headers") or {}
    for key in list(headers):
        if key.lower() in ("cookie", "authorization", "x-forwarded-for"):
            headers.pop(key)
    for frame_holder in (event.get("exception") or {}).get("values", []):
        for frame in (frame_holder.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for key in list(event.get("extra") or {}):
        if key in _SCRUB_KEYS:
            event["extra"].pop(key)
    return event


def init_sentry(dsn: str, environment: str) -> None:
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        before_send=_scrub,
        traces_sample_rate=0.0,
    )
