"""Settings shared by every environment. Everything a deployment changes comes from the environment."""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "guanxi"

env = environ.Env()
VAR_DIR = Path(env.str("GUANXI_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use GUANXI_SECRET_KEY, or generate one on first run and keep it under var/ (mode 600)."""
    from_env = env.str("GUANXI_SECRET_KEY", default="")
    if from_env:
        return from_env
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("GUANXI_DEBUG", default=False)
ALLOWED_HOSTS = env.list("GUANXI_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("GUANXI_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "guanxi.core",
    "guanxi.org",
    "guanxi.approvals",
    "guanxi.customers",
    "guanxi.sales",
    "guanxi.commerce",
    "guanxi.billing",
    "guanxi.analytics",
    "guanxi.service",
    "guanxi.realestate",
    "guanxi.marketing",
]

# Real-estate sales (guanxi.realestate, docs/realestate.md): a vertical an installation switches on.
REALESTATE_ENABLED = env.bool("GUANXI_REALESTATE", default=False)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.org.middleware.ResolvedUserMiddleware",
    "guanxi.org.middleware.UserLanguageMiddleware",
    "guanxi.core.middleware.RequestContextMiddleware",
    "guanxi.org.middleware.IdleSessionTimeoutMiddleware",
    "guanxi.core.middleware.ApplicationErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
WSGI_APPLICATION = "guanxi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "guanxi.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# Default: an embedded SQLite file under var/ in WAL mode, so one command runs everything.
DATABASE_URL = env.str("GUANXI_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'guanxi.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
# Connections are kept between requests on both databases: opening one per request cost 5-6 ms of CPU on SQLite
# (the pragmas, then reading a schema of ~1,000 tables, indexes and triggers before the first statement): more than
# the rest of a small request. A restore writes into the live file (backup API), which open connections then see.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("GUANXI_DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = ["guanxi.org.auth.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "customers:my_day"
LOGOUT_REDIRECT_URL = "org:login"
# Failed logins before an account+IP pair is locked, and for how long (minutes).
GUANXI_LOGIN_MAX_FAILURES = env.int("GUANXI_LOGIN_MAX_FAILURES", default=5)
GUANXI_LOGIN_LOCKOUT_MINUTES = env.int("GUANXI_LOGIN_LOCKOUT_MINUTES", default=15)
# Idle sessions end after this many minutes without a request.
GUANXI_IDLE_TIMEOUT_MINUTES = env.int("GUANXI_IDLE_TIMEOUT_MINUTES", default=30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("GUANXI_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env.bool("GUANXI_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("GUANXI_HSTS_SECONDS", default=0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("GUANXI_BEHIND_PROXY", default=False) else None
)

# --- i18n / time -----------------------------------------------------------------------------
LANGUAGE_CODE = env.str("GUANXI_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["guanxi.formats"]
TIME_ZONE = env.str("GUANXI_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static / media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("GUANXI_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Days a deleted record stays restorable in the recycle bin before the worker purges it.
GUANXI_RECYCLE_BIN_DAYS = env.int("GUANXI_RECYCLE_BIN_DAYS", default=90)
GUANXI_IDEMPOTENCY_HOURS = env.int("GUANXI_IDEMPOTENCY_HOURS", default=24)
# The usage league of a month not published (the month running included) is ranked at most once in this long (0: on
# every call); the league page and the dashboard widget show when it was ranked. A published month is never ranked
# again: its stored rows are shown.
GUANXI_ANALYTICS_CACHE_SECONDS = env.int("GUANXI_ANALYTICS_CACHE_SECONDS", default=600)
# The figures of the period running (dashboard, figures page): kept this long at most; any committed write to
# business records refreshes them at once (guanxi/analytics/figure_cache.py). 0: never cached.
GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = env.int("GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS", default=300)
# The figures of a period that has ended: kept this long, through everyday writes; a delete, a bulk change or an org
# change (who sees what) refreshes them, and so does the Refresh button beside their age. 0: as the period running.
GUANXI_ANALYTICS_CLOSED_SECONDS = env.int("GUANXI_ANALYTICS_CLOSED_SECONDS", default=86400)
# The monthly management report's month running: kept this long whatever is written (its age shown, Refresh).
GUANXI_ANALYTICS_REPORT_SECONDS = env.int("GUANXI_ANALYTICS_REPORT_SECONDS", default=900)
# The worker computes the month running's figures of the managers' and executives' dashboards, the league and their
# monthly reports once a day from this hour on (local time), so the first visit of the day reads them cached.
GUANXI_ANALYTICS_WARM_HOUR = env.int("GUANXI_ANALYTICS_WARM_HOUR", default=6)
# Backups (docs/admin-guide.md "Backup and restore"): whether the worker backs up daily and from which hour (local
# time), where it writes its archives, and how many it keeps: the newest of each of the last KEEP_DAILY days and of
# each of the last KEEP_MONTHLY months.
GUANXI_BACKUP_DAILY = env.bool("GUANXI_BACKUP_DAILY", default=True)
GUANXI_BACKUP_HOUR = env.int("GUANXI_BACKUP_HOUR", default=2)
GUANXI_BACKUP_DIR = Path(env.str("GUANXI_BACKUP_DIR", default=str(VAR_DIR / "backups")))
GUANXI_BACKUP_KEEP_DAILY = env.int("GUANXI_BACKUP_KEEP_DAILY", default=7)
GUANXI_BACKUP_KEEP_MONTHLY = env.int("GUANXI_BACKUP_KEEP_MONTHLY", default=12)
# Web-to-lead submissions accepted per IP per minute (use a shared cache when running several web processes).
GUANXI_WEB_LEAD_RATE = env.int("GUANXI_WEB_LEAD_RATE", default=5)
# Spreadsheet import limits: rows, characters per cell, upload size, and unpacked size (against zip bombs).
GUANXI_IMPORT_MAX_ROWS = env.int("GUANXI_IMPORT_MAX_ROWS", default=200_000)
GUANXI_IMPORT_MAX_CELL_CHARS = env.int("GUANXI_IMPORT_MAX_CELL_CHARS", default=10_000)
GUANXI_IMPORT_MAX_BYTES = env.int("GUANXI_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
GUANXI_IMPORT_MAX_UNPACKED_BYTES = env.int("GUANXI_IMPORT_MAX_UNPACKED_BYTES", default=800 * 1024 * 1024)
# A dry run or import that has not moved for this long was left by a crashed worker: marked failed.
GUANXI_IMPORT_STALE_MINUTES = env.int("GUANXI_IMPORT_STALE_MINUTES", default=60)
GUANXI_ATTACHMENT_MAX_BYTES = env.int("GUANXI_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
# Uploaded files leave only through the scoped download view (guanxi.core.files). "" streams them through Django;
# "x-accel-redirect" (nginx, internal location GUANXI_FILE_SENDFILE_PREFIX) or "x-sendfile" (Apache/lighttpd) lets
# the front proxy send the file after the view has checked the reader.
GUANXI_FILE_SENDFILE = env.str("GUANXI_FILE_SENDFILE", default="").strip().lower()
GUANXI_FILE_SENDFILE_PREFIX = env.str("GUANXI_FILE_SENDFILE_PREFIX", default="")
# Days the access log (who read, exported or downloaded what) is kept; 0 keeps it forever.
GUANXI_ACCESS_LOG_RETENTION_DAYS = env.int("GUANXI_ACCESS_LOG_RETENTION_DAYS", default=365)

# --- e-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("GUANXI_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("GUANXI_EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("GUANXI_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("GUANXI_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("GUANXI_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("GUANXI_EMAIL_TLS", default=False)
EMAIL_USE_SSL = env.bool("GUANXI_EMAIL_SSL", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("GUANXI_EMAIL_FROM", default="Guanxi CRM <crm@localhost>")
# When false, notifications stay in-app only (the laptop default has no mail server).
GUANXI_EMAIL_ENABLED = env.bool("GUANXI_EMAIL_ENABLED", default=False)
# Unset: where `guanxi run` serves (GUANXI_HOST / GUANXI_PORT), so links in e-mails follow a changed port; a
# wildcard bind address is no address to link to, so it reads as loopback.
_RUN_HOST = env.str("GUANXI_HOST", default="127.0.0.1")
_RUN_HOST = "127.0.0.1" if _RUN_HOST in ("", "0.0.0.0", "::") else _RUN_HOST  # noqa: S104 (compared, not bound)
GUANXI_BASE_URL = env.str("GUANXI_BASE_URL", default=f"http://{_RUN_HOST}:{env.str('GUANXI_PORT', default='8000')}")
# Secrets kept in the database (mailbox passwords, webhook secrets) are encrypted with these keys (comma-separated;
# the first encrypts, all decrypt: put a new key first to rotate). Unset: a key derived from SECRET_KEY.
GUANXI_ENCRYPTION_KEYS = env.str("GUANXI_ENCRYPTION_KEYS", default="")
# The service desk's mailbox (guanxi/service/mailbox.py): mail to it becomes tickets, replies thread onto them.
# Unset host: no polling. Replies go out through the EMAIL_* server above, from GUANXI_SERVICE_MAIL_ADDRESS.
GUANXI_SERVICE_MAIL_ADDRESS = env.str("GUANXI_SERVICE_MAIL_ADDRESS", default="")
GUANXI_SERVICE_IMAP_HOST = env.str("GUANXI_SERVICE_IMAP_HOST", default="")
GUANXI_SERVICE_IMAP_PORT = env.int("GUANXI_SERVICE_IMAP_PORT", default=993)
GUANXI_SERVICE_IMAP_SECURITY = env.str("GUANXI_SERVICE_IMAP_SECURITY", default="ssl")  # ssl, starttls or none
GUANXI_SERVICE_IMAP_USER = env.str("GUANXI_SERVICE_IMAP_USER", default="")
GUANXI_SERVICE_IMAP_PASSWORD = env.str("GUANXI_SERVICE_IMAP_PASSWORD", default="")
GUANXI_SERVICE_IMAP_FOLDER = env.str("GUANXI_SERVICE_IMAP_FOLDER", default="INBOX")
# The user the mailbox files tickets as (needs tickets.create over the whole company); unset: the first superuser.
GUANXI_SERVICE_MAIL_ACTOR = env.str("GUANXI_SERVICE_MAIL_ACTOR", default="")

# --- background jobs -------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Each `guanxi worker` renews its lease every CHECK seconds and looks for workers whose lease ran out
# (not renewed for LEASE seconds: killed, power lost); their unfinished jobs are marked failed at once.
# A job whose worker dies is noticed within LEASE + CHECK seconds (40 by default).
GUANXI_WORKER_LEASE_SECONDS = env.int("GUANXI_WORKER_LEASE_SECONDS", default=30)
GUANXI_WORKER_CHECK_SECONDS = env.float("GUANXI_WORKER_CHECK_SECONDS", default=10.0)

# --- outbound HTTP and webhooks (guanxi/core/outbound.py, guanxi/org/webhooks) -----------------------------
# Outbound requests never reach loopback, private, link-local or reserved addresses, except in these networks
# (comma-separated CIDR, e.g. "10.20.0.0/16,127.0.0.1/32" for a receiver inside the company network).
GUANXI_OUTBOUND_ALLOWED_NETWORKS = env.str("GUANXI_OUTBOUND_ALLOWED_NETWORKS", default="")
# A webhook whose deliveries fail this many times in a row is switched off and the administrators are told.
GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES = env.int("GUANXI_WEBHOOK_DISABLE_AFTER_FAILURES", default=15)
GUANXI_WEBHOOK_TIMEOUT_SECONDS = env.float("GUANXI_WEBHOOK_TIMEOUT_SECONDS", default=10.0)

# --- marketing channels (guanxi/marketing/channels/) -----------------------------------------------------
# SMS through Tencent Cloud SMS when its secret id is set, WeChat through a 服务号's template messages when its app
# id is set; otherwise messages are only written to the log (development). Their endpoints are public addresses:
# GUANXI_OUTBOUND_ALLOWED_NETWORKS applies to them as to webhooks.
GUANXI_SMS_TENCENT_SECRET_ID = env.str("GUANXI_SMS_TENCENT_SECRET_ID", default="")
GUANXI_SMS_TENCENT_SECRET_KEY = env.str("GUANXI_SMS_TENCENT_SECRET_KEY", default="")
GUANXI_SMS_TENCENT_APP_ID = env.str("GUANXI_SMS_TENCENT_APP_ID", default="")
GUANXI_SMS_TENCENT_SIGN_NAME = env.str("GUANXI_SMS_TENCENT_SIGN_NAME", default="")
GUANXI_SMS_TENCENT_TEMPLATE_ID = env.str("GUANXI_SMS_TENCENT_TEMPLATE_ID", default="")
GUANXI_SMS_TENCENT_REGION = env.str("GUANXI_SMS_TENCENT_REGION", default="ap-guangzhou")
GUANXI_SMS_TENCENT_ENDPOINT = env.str("GUANXI_SMS_TENCENT_ENDPOINT", default="https://sms.tencentcloudapi.com/")
GUANXI_WECHAT_MP_APP_ID = env.str("GUANXI_WECHAT_MP_APP_ID", default="")
GUANXI_WECHAT_MP_APP_SECRET = env.str("GUANXI_WECHAT_MP_APP_SECRET", default="")
GUANXI_WECHAT_MP_TEMPLATE_ID = env.str("GUANXI_WECHAT_MP_TEMPLATE_ID", default="")
GUANXI_WECHAT_MP_FIELD = env.str("GUANXI_WECHAT_MP_FIELD", default="content")
GUANXI_WECHAT_MP_ENDPOINT = env.str("GUANXI_WECHAT_MP_ENDPOINT", default="https://api.weixin.qq.com")
GUANXI_MARKETING_PROVIDER_TIMEOUT_SECONDS = env.float("GUANXI_MARKETING_PROVIDER_TIMEOUT_SECONDS", default=10.0)
GUANXI_MARKETING_PROVIDERS = {
    **({"sms": "guanxi.marketing.channels.tencent_sms.TencentSmsProvider"} if GUANXI_SMS_TENCENT_SECRET_ID else {}),
    **({"wechat": "guanxi.marketing.channels.wechat_mp.WechatTemplateProvider"} if GUANXI_WECHAT_MP_APP_ID else {}),
}
# Bounce messages (DSN) are read from this mailbox when its host is set (the address campaigns' Return-Path names).
GUANXI_BOUNCE_IMAP_HOST = env.str("GUANXI_BOUNCE_IMAP_HOST", default="")
GUANXI_BOUNCE_IMAP_PORT = env.int("GUANXI_BOUNCE_IMAP_PORT", default=993)
GUANXI_BOUNCE_IMAP_SECURITY = env.str("GUANXI_BOUNCE_IMAP_SECURITY", default="ssl")  # ssl, starttls or none
GUANXI_BOUNCE_IMAP_USER = env.str("GUANXI_BOUNCE_IMAP_USER", default="")
GUANXI_BOUNCE_IMAP_PASSWORD = env.str("GUANXI_BOUNCE_IMAP_PASSWORD", default="")
GUANXI_BOUNCE_IMAP_FOLDER = env.str("GUANXI_BOUNCE_IMAP_FOLDER", default="INBOX")
# The bounce mailbox's address, e.g. bounce@mail.example.com: campaign e-mail goes out with the envelope sender
# bounce+<delivery>-<signature>@mail.example.com (VERP), so each bounce names its recipient; the mail server delivers
# bounce+anything@ to the bounce mailbox (Postfix: recipient_delimiter = +). Empty: the From address, no VERP.
GUANXI_BOUNCE_ADDRESS = env.str("GUANXI_BOUNCE_ADDRESS", default="")

# --- caches ----------------------------------------------------------------------------------
# Files under var/ by default, so the web processes `guanxi run` starts share the login throttle, the public forms'
# rate limits and the analytics figures' generation (a write seen by one process refreshes the figures in all);
# Redis (`redis://…`) when the processes run on several machines.
# The file cache's default of 300 entries would cull the analytics figures the nightly warming job stores (dozens per
# reader) before anyone reads them: room for 20,000.
CACHES = {"default": env.cache_url("GUANXI_CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}?max_entries=20000")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("GUANXI_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
