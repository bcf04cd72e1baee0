"""Cross-module pages: global search, notification centre, file downloads, error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from .errors import ErrorCode
from .ports import API_TOKENS
from .registry import registry
from .services import NOTIFICATION_CHANGES, notification_mark_read
from .views_util import announce_changes


@login_required
def search(request: HttpRequest) -> HttpResponse:
    from .selectors import global_search

    query = request.GET.get("q", "")[:100]
    groups = global_search(user=request.user, query=query)
    return render(request, "core/search.html", {"query": query, "groups": groups})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    qs = request.user.notifications.all()
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page, "unread_only": bool(request.GET.get("unread"))})


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notification_mark_read(actor=request.user, notification_ids=ids)
    if request.headers.get("HX-Request"):  # the bell's "mark all read": the count and the list follow
        return announce_changes(HttpResponse(status=204), NOTIFICATION_CHANGES)
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("core:notifications")


@login_required
@require_safe
def notification_menu(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown: the latest ten, repeated ones about the same record grouped (loaded when it opens)."""
    from .notifications import notification_groups

    return render(request, "core/_notification_menu.html", {"groups": notification_groups(user=request.user)})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    note = request.user.notifications.filter(pk=pk).first()
    if note is None:
        return redirect("core:notifications")
    # opening one reads the others of its group too (same kind about the same record: the bell shows them as one)
    same = request.user.notifications.filter(kind=note.kind, url=note.url, read_at__isnull=True) if note.url else None
    ids = [note.pk, *(same.values_list("pk", flat=True) if same is not None else [])]
    notification_mark_read(actor=request.user, notification_ids=ids)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("core:notifications")


@require_safe
def file_download(request: HttpRequest, kind: str, pk: int) -> HttpResponseBase:
    """Every uploaded file leaves through here (STYLE.md rule 17): the signed-in session, or an API token in
    `Authorization: Bearer`, for API clients following a `…_url` of an API response."""
    from .files import file_download as download

    user = request.user
    if not user.is_authenticated:
        bearer = request.headers.get("Authorization", "")
        if not bearer.lower().startswith("bearer "):
            return redirect_to_login(request.get_full_path())
        user = registry.port(API_TOKENS).authenticate(key=bearer[7:].strip())
        if user is None:
            message = _("Authentication required: send 'Authorization: Bearer <API token>' or sign in.")
            body = {"error": {"code": ErrorCode.NOT_AUTHENTICATED.value, "message": message, "fields": {}}}
            return JsonResponse(body, status=401)
    return download(user=user, kind=kind, pk=pk)


THEME_COLOUR = "#206bc4"  # the logo's blue (guanxi.css .gx-logo), also <meta name="theme-color">


@require_safe
def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: a phone adds Guanxi to its home screen with this name and these icons."""
    icons = [
        {"src": static("guanxi/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("guanxi/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("guanxi/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    manifest = {
        "name": _("Guanxi CRM"),
        "short_name": _("Guanxi"),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, asked for by browsers and tools that do not read the page's <link rel="icon">."""
    return redirect(static("guanxi/icons/favicon.ico"), permanent=True)


@require_safe
def apple_touch_icon(request: HttpRequest) -> HttpResponse:
    """/apple-touch-icon.png, asked for by iPhones adding the site to the home screen."""
    return redirect(static("guanxi/icons/apple-touch-icon.png"), permanent=True)


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        codes = {400: "bad_request", 403: "permission_denied", 404: "not_found", 500: "server_error"}
        return JsonResponse(
            {"error": {"code": codes[status], "message": codes[status].replace("_", " "), "fields": {}}}, status=status
        )
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "errors/400.html")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "errors/403.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "errors/404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "errors/500.html")
