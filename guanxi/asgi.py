import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.local")
application = get_asgi_application()

from guanxi.core.startup import freeze_startup_objects  # noqa: E402 (after the application has loaded)

freeze_startup_objects()
