"""The icons and the web app manifest: every page names them, they exist, and a phone can add Guanxi to its home
screen (name, start page, theme colour, 192 and 512 px icons)."""

from __future__ import annotations

import json

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from PIL import Image


def _static_file(url: str) -> str:
    path = finders.find(url.removeprefix(static("")))
    assert path, f"{url} is not a static file"
    return str(path)


def test_the_manifest_names_the_app_and_icons_of_the_sizes_it_claims(client):
    # when a phone fetches the manifest (it sends no session cookie)
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then it is a manifest, in the reader's language, that opens the app standalone
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Guanxi CRM" and manifest["short_name"] == "关系"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    # and each icon exists with the size it claims, 192 and 512 among them
    sizes = set()
    for icon in manifest["icons"]:
        with Image.open(_static_file(icon["src"])) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes


def test_the_root_icons_browsers_ask_for_lead_to_real_files(client):
    for url in ("/favicon.ico", "/apple-touch-icon.png"):
        response = client.get(url)
        assert response.status_code == 301
        _static_file(response["Location"])


def test_every_page_links_the_icons_and_the_manifest(client):
    html = client.get("/login/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert 'rel="icon"' in html and 'rel="apple-touch-icon"' in html and 'name="theme-color"' in html
