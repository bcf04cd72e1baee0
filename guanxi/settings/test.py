"""Test settings: fast hasher, in-memory caches, jobs run immediately, e-mail to a real local SMTP server."""

from .base import *  # noqa: F403
from .base import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
GUANXI_EMAIL_ENABLED = False  # the smtp_server fixture turns it on
GUANXI_BACKUP_DAILY = False  # the backup job's own tests turn it on
EMAIL_PORT = env.int("GUANXI_EMAIL_PORT", default=8025)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
# The live server serves static files itself; WhiteNoise would only warn that STATIC_ROOT was never collected.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# test data is dated back with QuerySet.update (no signal): the figures cache is off but in its own tests
GUANXI_ANALYTICS_FIGURES_CACHE_SECONDS = 0
GUANXI_ANALYTICS_CACHE_SECONDS = 0  # test data is dated back into closed months; the cache's own test turns it on
GUANXI_ANALYTICS_CLOSED_SECONDS = 0
GUANXI_ANALYTICS_REPORT_SECONDS = 0
