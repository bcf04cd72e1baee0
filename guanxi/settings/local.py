"""Settings for running on a laptop (`make run`): plain HTTP on loopback."""

from .base import *  # noqa: F403
from .base import env

SESSION_COOKIE_SECURE = env.bool("GUANXI_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
