"""A serving process freezes what start-up built (core.startup.freeze_startup_objects), so the garbage collector's
full collections no longer walk the loaded application on a request."""

from __future__ import annotations

import os
import subprocess
import sys


def test_loading_the_wsgi_application_freezes_the_startup_objects():
    # given a fresh process (freezing is process-wide: the test's own process stays as it is)
    probe = (
        "import gc, guanxi.wsgi\n"
        "from django.urls import resolve\n"
        "print(gc.get_freeze_count(), resolve('/api/v1/me').url_name is not None)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "guanxi.settings.test")}
    # when it loads guanxi.wsgi as gunicorn does
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    # then the loaded application (some hundreds of thousands of objects) is frozen, and the URLs still resolve
    assert done.returncode == 0, done.stderr
    frozen, resolves = done.stdout.split()
    assert int(frozen) > 100_000
    assert resolves == "True"
