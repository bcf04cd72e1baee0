from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context
from .accesslog import access_log_batch


def client_ip(request: HttpRequest) -> str | None:
    # Only REMOTE_ADDR: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Binds request id and client IP for the audit trail, echoes the id in X-Request-ID, and writes the request's
    access-log entries in one INSERT once the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with (
            context.bind(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")) as ctx,
            access_log_batch(),
        ):
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class ApplicationErrorMiddleware:
    """Renders a domain error that escaped a web view: 403/404 pages, or a 4xx page with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.http import JsonResponse
        from django.shortcuts import render

        from .errors import ApplicationError

        if not isinstance(exception, ApplicationError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(exception.as_envelope(), status=exception.http_status)
        template = {403: "errors/403.html", 404: "errors/404.html"}.get(exception.http_status, "errors/400.html")
        return render(request, template, {"error_message": exception.message}, status=exception.http_status)
