"""Settings of the panel, read from the environment only (see README, "Configuration").

Every variable has a safe local default so that a fresh clone runs with no configuration; a bad
value stops start-up with an error naming the variable (panel.env).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from kombu import Queue

from accounts.encryption import encryption_keys_from_environment
from panel.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_ports,
    env_secret,
    env_str,
    env_url,
    local_secret,
    private_file,
    private_folder,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Git-ignored folder for everything a local run creates: SQLite file, generated secrets.
DATA_DIR = Path(env_str("PANEL_DATA_DIR", str(BASE_DIR / "data")))
private_folder(DATA_DIR)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or local_secret(
    DATA_DIR / "secret_key", get_random_secret_key
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    # The project (checks, local run), then one app per domain (README, "Layout").
    "panel",
    "panel.audit",
    "panel.budget",
    "panel.operations",
    "panel.servers",
    # Only for its system checks (settings of django-csp 3 that version 4 no longer reads).
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response (errors included) carries the request id.
    "panel.middleware.RequestIdMiddleware",
    # Lets audit entries written without a request at hand (accounts) find who, whence, which id.
    "panel.audit.middleware.AuditRequestMiddleware",
    # Early too: every response, error pages included, gets the Content-Security-Policy.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: what a signed-in user is shown is never kept by a cache.
    "panel.middleware.NoStoreWhenSignedInMiddleware",
    # After authentication: adds request.user.is_verified() (two-factor passed this session).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves collected static files in production (gunicorn has no static file server);
    # in DEBUG, runserver's staticfiles handler does it from the source folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "panel.urls"
WSGI_APPLICATION = "panel.wsgi.application"

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
                "accounts.context_processors.teams",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'panel.sqlite3'}"),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for a writer instead of failing with "database is locked" (web + worker).
    # IMMEDIATE: a transaction takes the write lock when it begins, so that the timeout above
    # applies; a transaction that had read first and then wanted to write while another held
    # the lock failed at once with "database is locked" (two owners leaving at once).
    # WAL with synchronous=NORMAL: readers never wait for the writer, and a commit appends to
    # the log instead of syncing the database file several times (SQLite's "WAL mode" page).
    # Under 100 creates on two workers, commits in the default rollback journal took most of
    # the workers' time (bench/creates.py --api v2: all_ready 29-43 s, with WAL 16 s).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The file holds password hashes and TOTP seeds: created 0600 before SQLite makes it 0644.
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        private_file(Path(DATABASES["default"]["NAME"]))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix"))

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "panel",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed file names (panel.3f2a9c.css): WhiteNoise serves them with a year's cache lifetime,
    # and a new release's files never meet a browser's cached old ones. collectstatic writes the
    # manifest (the Dockerfile runs it); pages name files through it.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers; cookies are marked secure whenever we are not in local DEBUG mode.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=60)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles and everything else only from this
# site, never inline. htmx comes from django-htmx's static file and our own JavaScript from
# static/js; templates use classes from static/css/panel.css instead of style attributes, and
# base.html turns off htmx's inline indicator styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The panel is meant to be reached over HTTPS: a plain HTTP request is sent there, and
    # browsers are told (HSTS) to use nothing else for this host, a year by default.
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("PANEL_HSTS_SECONDS", 365 * 24 * 60 * 60, minimum=0)
    # Health checks (docker-compose's, a load balancer's) speak plain HTTP to the process.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: broker and result backend on Redis (panel/celery.py).
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A task is acknowledged only when it has finished, so a worker that dies mid-task leaves it
# for another worker; one task at a time per process keeps that promise cheap.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Each worker writes a heartbeat to Redis this often; /healthz counts a worker as down when
# three in a row are missing (panel/heartbeat.py).
PANEL_WORKER_HEARTBEAT_SECONDS = env_int("PANEL_WORKER_HEARTBEAT_SECONDS", 2, minimum=1)

# The Vultr API the panel talks to; the README's run command points it at the bundled simulator.
VULTR_API_URL = env_url("VULTR_API_URL", "https://api.vultr.com", schemes=("http", "https"))
# The only API addresses a team's key may point at. The panel sends requests (with the key) to
# a key's address, so an arbitrary one would let any team owner make this server call any host
# on its network (SSRF).
VULTR_API_URLS = list(
    dict.fromkeys(
        url.rstrip("/")
        for url in [
            VULTR_API_URL,
            *env_list("VULTR_API_URLS", ["https://api.vultr.com"]),
        ]
    )
)
for _url in VULTR_API_URLS:
    if not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"VULTR_API_URLS: {_url!r} is not an http(s) URL")

# Email (password resets, invitations): printed to the console unless EMAIL_HOST names an
# SMTP server.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "panel@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20

# Accounts (accounts/): users, teams, sign-in.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
CSRF_FAILURE_VIEW = "accounts.views.errors.csrf_failure"
PANEL_ALLOW_SIGNUP = env_bool("PANEL_ALLOW_SIGNUP", True)
PANEL_INVITATION_DAYS = env_int("PANEL_INVITATION_DAYS", 7, minimum=1)
# How long a typed password counts as recent for turning on two-factor, new backup codes and a
# password change (accounts/reauth.py).
PANEL_REAUTH_MINUTES = env_int("PANEL_REAUTH_MINUTES", 10, minimum=1)
# Vultr API keys are encrypted with these Fernet keys, newest first (accounts/encryption.py).
PANEL_ENCRYPTION_KEYS = encryption_keys_from_environment(DATA_DIR)
# Failed logins (django-axes): counted per username and address together, so a stranger
# cannot lock a user out from everywhere; the lockout ends after the cool-off.
AXES_FAILURE_LIMIT = env_int("PANEL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PANEL_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.locked_out"
# Failed sign-ins for one username from any address (accounts/lockout.py): past this many,
# browsers that never signed in as that user wait 1, 2, 4 ... seconds between tries.
PANEL_ACCOUNT_FAILURE_LIMIT = env_int("PANEL_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# The client's address for lockouts, the audit log and the action layer (panel/middleware.py):
# behind a TLS proxy it comes from X-Forwarded-For, counting PANEL_PROXY_COUNT proxies from the
# right, so that the proxy's own address does not lock everyone out together.
AXES_CLIENT_IP_CALLABLE = "panel.middleware.client_ip"
PANEL_PROXY_COUNT = (
    env_int("PANEL_PROXY_COUNT", 1, minimum=1) if env_bool("BEHIND_TLS_PROXY", False) else 0
)
# A request's X-Request-ID is taken as its id only from a proxy that sets it, overwriting any a
# client sent (nginx: proxy_set_header X-Request-ID $request_id); otherwise each request gets a
# new one, so that nobody can file their actions under another person's request.
PANEL_PROXY_REQUEST_ID = env_bool("PANEL_PROXY_REQUEST_ID", False)
if PANEL_PROXY_REQUEST_ID and not PANEL_PROXY_COUNT:
    raise ImproperlyConfigured(
        "PANEL_PROXY_REQUEST_ID=true needs BEHIND_TLS_PROXY=true: without a proxy in front, "
        "X-Request-ID comes from the client."
    )
OTP_TOTP_ISSUER = env_str("PANEL_OTP_ISSUER", "Vultr panel")

# The panel's Vultr pages (panel/servers/actions, panel/servers/cache.py). Lists are cached per
# API key for this many seconds, which is also the fastest the status badges refresh.
PANEL_CACHE_SECONDS = env_int("PANEL_CACHE_SECONDS", 5, minimum=1)
# Pages wait this long for Vultr; a read is retried this many times on a 503, 500 or timeout.
PANEL_VULTR_TIMEOUT = env_int("PANEL_VULTR_TIMEOUT", 20, minimum=1)
PANEL_VULTR_RETRIES = env_int("PANEL_VULTR_RETRIES", 1, minimum=0)
# Badges poll every PANEL_CACHE_SECONDS at first and slow down to this while nothing changes.
PANEL_BADGE_MAX_SECONDS = env_int("PANEL_BADGE_MAX_SECONDS", 60, minimum=1)

# Long operations (panel/operations/, its tasks.py). Every request made with a key takes a
# token from the key's bucket in Redis first: this many requests per second (Vultr v1 allows an
# average of 2, reference §3) with this burst; a page waits at most PANEL_VULTR_BUDGET_WAIT
# seconds for one. A key can have its own rate and poll interval (KeyBudget, budget page).
PANEL_VULTR_RATE_LIMIT = env_float("PANEL_VULTR_RATE_LIMIT", 2, minimum=0.01)
# A burst of 1: at the full rate, Vultr's own bucket then keeps a spare token for requests that
# arrive closer together than they were sent (network jitter); a bigger burst drew 503s.
PANEL_VULTR_RATE_BURST = env_int("PANEL_VULTR_RATE_BURST", 1, minimum=1)
PANEL_VULTR_BUDGET_WAIT = env_int("PANEL_VULTR_BUDGET_WAIT", 10, minimum=0)
# Vultr v2 limits requests per source IP (30 a second, v2 reference §1.4), not per key: every v2
# key of this installation shares one bucket per API address, at this rate and burst. A 429's
# Retry-After pauses that bucket for every process. Lower it if other software on this host
# (or behind the same address) also uses the Vultr API.
PANEL_VULTR_V2_RATE_LIMIT = env_float("PANEL_VULTR_V2_RATE_LIMIT", 30, minimum=0.01)
PANEL_VULTR_V2_RATE_BURST = env_int("PANEL_VULTR_V2_RATE_BURST", 10, minimum=1)
# Running operations of a key are checked with one server_list every this many seconds.
PANEL_OPERATION_POLL_SECONDS = env_float("PANEL_OPERATION_POLL_SECONDS", 5, minimum=0.2)
# The same for a v2 key. A v2 poll is one request a page (500 servers) out of 30/s per source
# IP, where a v1 poll is one of the key's own 2/s: checking every 2 s costs a v2 key about a
# sixtieth of the shared budget and finds a ready server up to 3 s sooner.
PANEL_OPERATION_V2_POLL_SECONDS = env_float("PANEL_OPERATION_V2_POLL_SECONDS", 2, minimum=0.2)
# An operation step nobody has run for this long is resumed by the beat job (its worker died).
PANEL_OPERATION_STALE_SECONDS = env_int("PANEL_OPERATION_STALE_SECONDS", 60, minimum=1)
# How long a worker holds an operation for one step (longer than a request can take).
PANEL_OPERATION_LEASE_SECONDS = env_int("PANEL_OPERATION_LEASE_SECONDS", 90, minimum=1)
# After a lost answer, how long to watch for the request's effect before saying it failed.
PANEL_OPERATION_RECONCILE_SECONDS = env_int("PANEL_OPERATION_RECONCILE_SECONDS", 120, minimum=0)
# A reinstall or restore never seen busy counts as done once this long after Vultr's answer.
PANEL_OPERATION_SETTLE_SECONDS = env_int("PANEL_OPERATION_SETTLE_SECONDS", 30, minimum=0)
# A create with "wait for SSH" fails if port 22 does not answer this long after "ready".
PANEL_OPERATION_SSH_PROBE_SECONDS = env_int("PANEL_OPERATION_SSH_PROBE_SECONDS", 300, minimum=1)
# A copy of the audit chains' heads outside the database, written on every daily verification:
# a file path (one JSON line appended each time) or an http(s) URL (POSTed). Empty: none.
PANEL_AUDIT_WITNESS = env_str("PANEL_AUDIT_WITNESS", "")
# Webhooks may reach loopback and private addresses only if this is true (SSRF otherwise).
PANEL_WEBHOOK_ALLOW_PRIVATE = env_bool("PANEL_WEBHOOK_ALLOW_PRIVATE", False)
# The only ports a webhook URL may name: a web server's, not a database or mail port inside.
PANEL_WEBHOOK_PORTS = env_ports("PANEL_WEBHOOK_PORTS", [80, 443])
# The poll chains and the resumer have a queue of their own, which workers consume beside the
# default one: a key's poll must not wait behind a hundred queued creates.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("operations.polls"))
CELERY_TASK_ROUTES = {
    "panel.tasks.poll_operations": {"queue": "operations.polls"},
    "panel.tasks.resume_operations": {"queue": "operations.polls"},
}
CELERY_BEAT_SCHEDULE = {
    "resume-operations": {
        "task": "panel.tasks.resume_operations",
        "schedule": float(env_int("PANEL_OPERATION_RESUME_SECONDS", 30, minimum=1)),
    },
    # The audit log: prune by each team's retention, then verify every chain (panel/audit/).
    "audit-daily": {"task": "panel.audit.tasks.audit_daily", "schedule": timedelta(days=1)},
    # Repeated refusals are counted, then written as one entry per actor and minute.
    "audit-flush-denials": {
        "task": "panel.audit.tasks.audit_flush_denials",
        "schedule": 60.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "refusal_without_traceback": {"()": "panel.logfilters.RefusalWithoutTraceback"},
        "not_logged_twice": {"()": "panel.logfilters.NotLoggedTwice"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give "django" a console handler of its own (with DEBUG) besides
        # the root's, which printed every record twice: the root's handler is the only one.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["refusal_without_traceback"]},
        "django.server": {
            "handlers": ["console"],
            "propagate": False,
            "filters": ["not_logged_twice"],
        },
    },
}
