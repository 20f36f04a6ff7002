"""Settings for the Family OT Portal, read from the environment.

Production settings are the default: DEBUG is on only when DEBUG=true says so
(`make run`, the tests), so a forgotten variable can never show a debug page
with the database URL and the password just typed. Production sets SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL and REDIS_URL: see .env.example and the README.
Without DATABASE_URL and REDIS_URL the portal runs on a SQLite file with
Celery tasks run inline (the embedded set-up `make run` uses).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else None)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "phonenumber_field",
    "core",
    "accounts",
    "notifications",
    "families",
    "intake",
    "goals",
    "sessions_app",
    "bookings",
    "messaging",
    "reports",
    "library",
    "portal",
]

MIDDLEWARE = [
    "portal.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on the way out (static files come compressed from
    # whitenoise, above, and never reach it): a family's home is a fifth of
    # its size on a phone's slow network. Django's GZipMiddleware pads each
    # response by a random length against BREACH, and CSRF tokens are masked
    # afresh on every response.
    "django.middleware.gzip.GZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: a strategy card's tap answers with the card, not a page.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RejectNulBytesMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "accounts.middleware.NoStoreForSignedInMiddleware",
    "accounts.middleware.SessionExpiryMiddleware",
    "accounts.middleware.MFARequiredMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.practice",
                "messaging.context_processors.unread_messages",
                "sessions_app.context_processors.notes_to_sign",
            ],
            # `date` that names GMT or BST even in the hour that happens twice.
            "builtins": ["core.templatetags.zoned_dates"],
        },
    },
    # A few long read-only parts of busy pages, drawn inside Django's pages by
    # `{% jinja %}` (core/jinja.py says why and how they match Django's output).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja_templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "core.jinja.environment"},
    },
]

# --- Database ---------------------------------------------------------------
# One database for every app. No DATABASE_URL: a SQLite file beside the code.
DATABASE_URL = env_str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / env_str("SQLITE_PATH", "db.sqlite3"),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Production connects as the application role, which owns no table and may
# not TRUNCATE (manage.py db_roles, README "Two database roles");
# check_deployment says so when it does not. Development runs as the owner.
DATABASE_APP_ROLE_REQUIRED = env_bool("DATABASE_APP_ROLE_REQUIRED", default=not DEBUG)

# --- Accounts and log-in ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account or address is refused before any
    # password is checked.
    "accounts.throttling.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# allauth's e-mails through the outbox, in the practice's voice (notifications).
ACCOUNT_ADAPTER = "notifications.account_adapter.OutboxAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Families join by invitation, staff are added by the practice: e-mail is
# proven by the invitation link, so no separate verification step.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
# Families choose "remember me"; staff sessions are short whatever they tick
# (accounts.middleware.SessionExpiryMiddleware).
ACCOUNT_SESSION_REMEMBER = None
# A password change ends every other session: allauth logs this one out and
# Django's session hash check ends the others at their next request.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Security keys and passkeys (WebAuthn) beside the authenticator app; allauth's
# scripts for them are static files, so the CSP stays strict.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Family OT Portal"
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
# E-mail addresses are proven by the invitation link (see above).
MFA_ALLOW_UNVERIFIED_EMAIL = True

# Inactivity limits: a staff session ends after 30 minutes without a request,
# a family's after 14 days when they asked to be remembered (otherwise when
# the browser closes). accounts.middleware.SessionExpiryMiddleware renews the
# session at most once a minute, so ordinary pages do not write to it.
SESSION_COOKIE_AGE = env_int("FAMILY_SESSION_SECONDS", 14 * 24 * 60 * 60)
STAFF_SESSION_SECONDS = env_int("STAFF_SESSION_SECONDS", 30 * 60)

# How many proxies of our own (load balancer, TLS terminator) stand in front
# of the portal. Only the X-Forwarded-For entries they added are believed
# (accounts.audit.client_ip); 0, the default, ignores the header altogether.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# allauth's rate limits read the address with the same rule.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Log-in throttling (django-axes, accounts.throttling.LockoutHandler): ten
# failures for one account from one address within an hour lock that account
# at that address; AXES_ADDRESS_FAILURE_LIMIT failures from one address, for
# any accounts, lock the address. A stranger can therefore lock only
# themselves out, never a member of staff working from elsewhere. Locks end
# after the hour or when an admin lifts them (Security → Locked log-ins, or
# `manage.py axes_reset`).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttling.LockoutHandler"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_identifier"
# The one address rule (accounts.audit.client_ip), so django-ipware's own
# reading of X-Forwarded-For never applies.
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Our own audit trail records log-ins; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-gb")
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files (served by whitenoise; front-end packages from npm) --------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # uploads are served only through permission-checked views
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups")))

# Uploads (family photos and videos): local disk under MEDIA_ROOT by default;
# MEDIA_STORAGE=s3 keeps them in an S3-compatible bucket (django-storages),
# private, reached only through the permission-checked view.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("MEDIA_S3_BUCKET", ""),
            "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("MEDIA_S3_REGION", "") or None,
            "access_key": env_str("MEDIA_S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("MEDIA_S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}")

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production: whitenoise serves the collected files under hashed names with a
# year's immutable max-age, compressed with gzip and brotli (the Brotli
# package) at collectstatic. Source maps, fetched only by developer tools, are
# three quarters of Bootstrap's bytes: compressing them would double the time
# collectstatic adds to every start (bin/up) and save no one a byte.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# For the file-based backend (a folder of sent messages, e.g. on a test server).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Family OT Portal <hello@family-ot.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Shown to families where they need to reach a person.
PRACTICE_NAME = env_str("PRACTICE_NAME", "Family OT Portal")
PRACTICE_PHONE = env_str("PRACTICE_PHONE", "01632 960 123")
PRACTICE_EMAIL = env_str("PRACTICE_EMAIL", "hello@family-ot.example")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Shown above every conversation, so families know when to expect an answer.
MESSAGING_OFFICE_HOURS = env_str(
    "MESSAGING_OFFICE_HOURS",
    "We read messages Monday to Friday, 9am to 5pm, and usually answer within one "
    "working day. Messages are not watched in the evenings, at weekends or on bank holidays.",
)

# Video consultations (bookings/video.py): a room of our own Jitsi Meet per
# appointment (with a signed token when the app secret is set), or each
# therapist's standing address (Zoom, Teams) with `fixed`.
VIDEO_PROVIDER = env_str("VIDEO_PROVIDER", "jitsi")
if VIDEO_PROVIDER not in ("jitsi", "fixed"):
    raise ImproperlyConfigured(f"VIDEO_PROVIDER must be jitsi or fixed, not {VIDEO_PROVIDER!r}.")
JITSI_BASE_URL = env_str("JITSI_BASE_URL", "").rstrip("/")
JITSI_APP_ID = env_str("JITSI_APP_ID", "")
JITSI_APP_SECRET = env_str("JITSI_APP_SECRET", "")
if JITSI_APP_SECRET and not JITSI_APP_ID:
    raise ImproperlyConfigured("JITSI_APP_SECRET needs JITSI_APP_ID (the app id Jitsi expects).")
if JITSI_APP_SECRET and len(JITSI_APP_SECRET) < 32:
    # HS256 with a short key can be guessed offline from any one token.
    raise ImproperlyConfigured("JITSI_APP_SECRET must be at least 32 characters long.")

# Two baseline pages for `make bench` (bench/run.py): off everywhere else.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", default=False)

# --- Celery -------------------------------------------------------------------
# No REDIS_URL: tasks run inline in the request, so `make run` needs no broker.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A lost broker must not hang a request: give up quickly, the sweeps catch up.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2}
# The default cache holds what must be shared by every web process: allauth's
# log-in, password-reset and two-factor rate limits (and anything else that
# counts). In each process's memory, gunicorn's N workers would each allow the
# limit: with Redis, it holds across all of them and every machine (and
# while Redis is down, core.cache lets people log in uncounted). Nothing
# with a person's data is cached: pages are rendered afresh from the database.
CACHES = {
    "default": (
        {
            # Django's Redis cache, open (and counting nothing) while Redis is down.
            "BACKEND": "core.cache.SharedCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "shared",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}
# How long a claimed e-mail may stay "sending" before the sweep takes it as
# the claimer's death and tries again: longer than the task time limit.
OUTBOX_CLAIM_LEASE_SECONDS = env_int("OUTBOX_CLAIM_LEASE_SECONDS", 600)

# Text messages (notifications.text): offered to families only when a provider
# is configured. "twilio" is the one provider; empty means none.
PHONENUMBER_DEFAULT_REGION = env_str("PHONENUMBER_DEFAULT_REGION", "GB")
PHONENUMBER_DB_FORMAT = "E164"
TEXT_PROVIDER = env_str("TEXT_PROVIDER", "")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
# The practice's Twilio number (E.164) or a Messaging Service id (MG…).
TWILIO_FROM = env_str("TWILIO_FROM", "")
# Twilio's REST API; changed only to reach a local stand-in in the tests.
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "https://api.twilio.com")
if TEXT_PROVIDER not in ("", "twilio"):
    raise ImproperlyConfigured('TEXT_PROVIDER must be "twilio" or empty.')
if TEXT_PROVIDER and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM):
    raise ImproperlyConfigured(
        "TEXT_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
    )

# Web push (notifications.push): offered only when both VAPID keys are set
# (`python manage.py vapid_keys` makes a pair).
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_PUBLIC_KEY = env_str("WEBPUSH_VAPID_PUBLIC_KEY", "")
# Who the push services may contact about our messages (RFC 8292 "sub").
WEBPUSH_CONTACT = env_str("WEBPUSH_CONTACT", f"mailto:{PRACTICE_EMAIL}")
# A browser's subscription names the address we post to: only the push
# services of the browsers people use are accepted, so a made-up subscription
# cannot turn the portal into a way of posting to any address.
# Each is a scheme and host; a host starting with "." takes its subdomains.
WEBPUSH_ENDPOINT_ORIGINS = env_list(
    "WEBPUSH_ENDPOINT_ORIGINS",
    default=[
        "https://fcm.googleapis.com",  # Chrome, Edge on Android, Samsung Internet
        "https://updates.push.services.mozilla.com",  # Firefox
        "https://web.push.apple.com",  # Safari, and web apps on iPhone and iPad
        "https://.notify.windows.com",  # Edge on Windows
    ],
)
if bool(WEBPUSH_VAPID_PRIVATE_KEY) != bool(WEBPUSH_VAPID_PUBLIC_KEY):
    raise ImproperlyConfigured(
        "Set both WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_VAPID_PUBLIC_KEY, or neither."
    )
# A static schedule, kept in code and reviewed like code: every periodic task is
# harmless when two beats run, so no database-backed scheduler is needed.
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {"task": "portal.tasks.beat_heartbeat", "schedule": 60.0},
    # Queued or retry-due e-mails, including any whose hand-over to the broker failed.
    "sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": 60.0},
    "send-due-reminders": {"task": "bookings.tasks.send_due_reminders", "schedule": 300.0},
    "sweep-waitlists": {"task": "bookings.tasks.sweep_waitlists", "schedule": 900.0},
    # Hourly in the daytime: a period's summary goes in the first run after it
    # ends, and a missed run is caught up by the next (each is keyed by period).
    "send-progress-summaries": {
        "task": "portal.tasks.send_progress_summaries",
        "schedule": crontab(minute=30, hour="7-20"),
    },
    # Families' downloads: expired files deleted, lost tasks started again.
    "sweep-family-exports": {"task": "portal.tasks.sweep_family_exports", "schedule": 900.0},
    "messaging-unread-nudges": {
        "task": "messaging.tasks.sweep_unread_nudges",
        "schedule": 300.0,
    },
}

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# No page of ours uses the camera, microphone, location or payment; say so, so
# that nothing embedded or injected can ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload: browsers never try plain HTTP, not even the first visit.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Everything the pages load comes from the portal itself: no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logs and errors ---------------------------------------------------------
# JSON lines in production (one object per line, with the request id);
# readable text while developing.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "portal.observability.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The access line carries what Django's own request log says, and more.
        "django.server": {"level": "WARNING"},
        "portal.access": {"level": env_str("ACCESS_LOG_LEVEL", "INFO" if not DEBUG else "WARNING")},
        # Twilio's client logs every request's headers at INFO; the outbox
        # logs what matters (failures) itself.
        "twilio.http_client": {"level": "WARNING"},
    },
}

SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production" if not DEBUG else "development")
if SENTRY_DSN:
    from portal.observability import init_sentry

    init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT)
