"""Shared REST API infrastructure: authentication, the one error envelope, If-Match/ETag,
Idempotency-Key, pagination and the offline API docs page.

Every app's `api.py` router uses these so that each concern is implemented once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import ninja
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, field_validator

from .dbvendor.ids import first_in_order
from .errors import (
    ApplicationError,
    ConflictError,
    ErrorCode,
    PermissionDeniedError,
    ValidationFailed,
    validation_error_fields,
)
from .inputs import MAX_ID
from .models import IdempotencyRecord
from .paging import capped_count
from .ports import API_TOKENS
from .registry import registry

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_PAGE_SIZE = 200
# Ids are 64-bit: a bigger number in a request is a validation error, not a database overflow (inputs.MAX_ID).
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="Alternative to the If-Match header.")]
DEFAULT_PAGE_SIZE = 50


# --- authentication --------------------------------------------------------------------------
class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer gx_…`: a personal API token (hashed at rest, revocable, optionally read-only)."""

    openapi_bearerFormat = "gx_…"  # noqa: N815  (OpenAPI spells it so)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = registry.port(API_TOKENS).authenticate(key=token.strip())
        if user is None:
            return None
        if user.api_token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDeniedError(_("This API token is read-only; it may only read (GET)."))
        # Code that reads request.user (filters, language) sees the token's user. A script's own Accept-Language
        # header wins; without one, answers are in the user's language (as the pages are).
        request.user = user
        if user.language and not _asks_for_a_language(request):
            translation.activate(user.language)
        return user


def api_user(request: HttpRequest) -> AbstractBaseUser:
    """The user an API request acts as: what the token or session authentication returned (`request.auth`).

    Apps above org use `guanxi.org.current.current_user`, which narrows it to org's User."""
    user = getattr(request, "auth", None)
    if not isinstance(user, AbstractBaseUser):
        raise TypeError("api_user() needs an endpoint that requires authentication")
    return user


def _asks_for_a_language(request: HttpRequest) -> bool:
    """True when the request's Accept-Language names a language Guanxi speaks."""
    header = request.headers.get("Accept-Language", "")
    if not header:
        return False
    wanted = translation.get_language_from_request(request)
    return any(tag.strip().lower().startswith(wanted.split("-")[0]) for tag in header.split(",") if tag.strip())


class SessionCsrfAuth(SessionAuth):
    """The browser's Django session. Writes must carry the CSRF token (X-CSRFToken header).

    Without a signed-in session it answers "not me" before checking CSRF, so a request with a bad
    token and no session gets 401, not a confusing CSRF error.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


API_AUTH = [ApiTokenAuth(), SessionCsrfAuth(csrf=True)]


# --- the error envelope ----------------------------------------------------------------------
class ErrorBody(Schema):
    code: str = Field(..., description="Stable machine-readable code, e.g. validation_error, not_found.")
    message: str = Field(..., description="Human-readable, translated message.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Per-field messages (`__all__` for errors not tied to one field)."
    )


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*codes: int) -> dict[int, type[Schema]]:
    """The `response=` entries for the error statuses an endpoint can answer."""
    return dict.fromkeys(codes or (400, 401, 403, 404, 422), ErrorOut)


def envelope(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": str(code), "message": str(message), "fields": fields or {}}}


_PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: tuple[Any, ...], param_names: set[str]) -> str:
    parts = list(loc)
    if parts and parts[0] in _PARAM_SOURCES:
        parts = parts[1:]
    # Schema parameters (`payload`, `filters`) wrap the real fields; clients never see those names.
    if len(parts) > 1 and parts[0] in param_names:
        parts = parts[1:]
    if not parts or (len(parts) == 1 and parts[0] in param_names):
        return "body" if loc and loc[0] == "body" else "__all__"
    # The top-level field: an error in `tag_ids[3]` belongs to `tag_ids`, as on a form.
    return str(parts[0])


def _pydantic_message(err: dict[str, Any]) -> str:
    """A translated message for one pydantic error (pydantic's own are English only)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Ensure this value has at most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return _("This field cannot be blank.")
        return _("Ensure this value has at least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}:
        return _("Enter a whole number.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Enter a number.")
    if kind in {"bool_parsing", "bool_type"}:
        return _("Enter true or false.")
    if kind.startswith("date_") and not kind.startswith("datetime"):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("datetime"):
        return _("Enter a valid date/time (ISO 8601 with offset, e.g. 2026-03-01T09:30:00+08:00).")
    if kind == "timezone_aware":
        return _("Give the time with its UTC offset, e.g. 2026-03-01T09:30:00+08:00.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt"))
        }
    if kind in {"less_than_equal", "less_than"}:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt"))
        }
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in {"string_type", "string_unicode"}:
        return _("Enter valid text.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Enter a list.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send a JSON object.")
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    return str(err.get("msg", _("Invalid value.")))


def _validation_fields(request: HttpRequest, errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    param_names = {
        "payload",
        "filters",
        "page",
        "params",
        "export",
    }  # the names every router gives its schema parameters
    fields: dict[str, list[str]] = {}
    for err in errors:
        name = _field_name(tuple(err.get("loc", ())), param_names)
        fields.setdefault(name, []).append(_pydantic_message(err))
    return fields


def register_exception_handlers(api: NinjaAPI) -> None:
    """Every failure leaves the API as `{"error": {"code", "message", "fields"}}` — never a bare 500 page."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, exc.http_status, exc.as_envelope())

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _validation_fields(request, exc.errors)
        return respond(request, 422, envelope(ErrorCode.VALIDATION, _("Please correct the errors below."), fields))

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        body = envelope(ErrorCode.VALIDATION, _("Please correct the errors below."), validation_error_fields(exc))
        return respond(request, 400, body)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request,
            401,
            envelope(
                ErrorCode.NOT_AUTHENTICATED,
                _("Authentication required: send 'Authorization: Bearer <API token>' or sign in."),
            ),
        )
        response["WWW-Authenticate"] = 'Bearer realm="guanxi"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return respond(request, 429, envelope(ErrorCode.THROTTLED, _("Too many requests. Try again shortly.")))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:  # ninja's "Cannot parse request body": malformed JSON
            body = envelope(
                ErrorCode.VALIDATION, _("The request body is not valid JSON."), {"body": [_("Send a JSON object.")]}
            )
        elif status == 403 and "csrf" in str(exc).lower():
            body = envelope(
                ErrorCode.PERMISSION_DENIED,
                _("CSRF check failed: session requests that write must send the X-CSRFToken header."),
            )
        else:
            codes = {401: ErrorCode.NOT_AUTHENTICATED, 403: ErrorCode.PERMISSION_DENIED, 404: ErrorCode.NOT_FOUND}
            body = envelope(codes.get(status, "error"), str(exc))
        return respond(request, status, body)

    @api.exception_handler(MultiPartParserError)
    def unreadable_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # e.g. `Content-Type: multipart/form-data` without a boundary: the client's mistake, not ours
        msg = _("The upload could not be read: send it as multipart/form-data with its boundary.")
        return respond(request, 400, envelope(ErrorCode.VALIDATION, msg, {"body": [msg]}))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, envelope(ErrorCode.NOT_FOUND, _("Not found, or you may not see it.")))

    @api.exception_handler(ObjectDoesNotExist)
    def object_missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return not_found(request, Http404())

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, envelope(ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this.")))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        request_id = getattr(request, "request_id", "")
        message = _("Something went wrong on our side; it was logged (request %(id)s).") % {"id": request_id}
        return respond(request, 500, envelope("server_error", message))


# --- input schemas ---------------------------------------------------------------------------
class InputSchema(Schema):
    """Base of every request body: unknown fields are an error (typos never pass silently), text is
    trimmed of surrounding whitespace before it is checked (as the web forms do: "  " is blank), and
    text may not contain NUL characters (PostgreSQL refuses them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # a list of texts too (role codes, tags…): an item with NUL would reach the database in an IN (…)
        texts = value if isinstance(value, list | tuple | set | frozenset) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError(_("Null characters are not allowed."))
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _time_in_utc(cls, value: Any) -> Any:
        """A time is stored in UTC: its offset is applied here, so any offset the ISO format allows (PostgreSQL
        refuses offsets beyond ±15:59) works, and a time that falls off the calendar is a field error."""
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            try:
                return value.astimezone(dt.UTC)
            except OverflowError:
                raise ValueError(_("Enter a valid date/time (ISO 8601 with offset, e.g. 2026-03-01T09:30:00+08:00)."))
        return value


def clean_query_text(value: str | None, *, max_length: int = 200) -> str:
    """A free-text query parameter: bounded, without NUL characters."""
    text = (value or "").replace("\x00", "")
    return text[:max_length]


# --- optimistic concurrency ------------------------------------------------------------------
IF_MATCH_DESCRIPTION = (
    'Optional. The version you edited, as sent in the ETag header (e.g. "3"). '
    "If the record has changed since, the request fails with 412 precondition_failed."
)

# The error statuses most endpoints answer, for their `response=`; and the If-Match header parameter.
READ_ERRORS = error_responses(401, 403, 404)
LIST_ERRORS = error_responses(400, 401, 403, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 422)
IfMatch = ninja.Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION)
_IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


def expected_version(if_match: str | None, body_version: int | None = None) -> int | None:
    """The version the client based its write on: the If-Match header wins over a `version` body field."""
    if if_match is None or not if_match.strip():
        return body_version
    value = if_match.strip()
    if value == "*":
        return body_version
    match = _IF_MATCH.match(value)
    if not match:
        msg = _('Send the version from the ETag header, e.g. If-Match: "3".')
        raise ValidationFailed(msg, fields={"If-Match": [msg]})
    return int(match.group(1))


def set_etag(response: HttpResponse, obj: Any) -> None:
    version = getattr(obj, "version", None)
    if version is not None:
        response["ETag"] = f'"{version}"'


# --- idempotency -----------------------------------------------------------------------------
def _request_hash(request: HttpRequest) -> str:
    """method + path + body; JSON bodies are canonicalised so key order and spacing don't matter."""
    body = request.body or b""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = JsonResponse(
        record.response_body, status=record.status_code, safe=False, content_type="application/json; charset=utf-8"
    )
    response[REPLAYED_HEADER] = "true"
    if isinstance(record.response_body, dict) and isinstance(record.response_body.get("version"), int):
        response["ETag"] = f'"{record.response_body["version"]}"'
    return response


def _replay_or_conflict(user: Any, key: str, request_hash: str) -> HttpResponse | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        msg = _("This Idempotency-Key was already used for a different request.")
        raise ConflictError(msg, fields={IDEMPOTENCY_HEADER: [msg]})
    return _replay(record)


def _idempotent_run(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Around the whole operation: one transaction, and the answer stored under the key on success."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if IDEMPOTENCY_HEADER not in request.headers:
            return run(request, *args, **kwargs)
        lost_race = False
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            pending = getattr(request, "_guanxi_idempotency", None)
            # Failed requests are not stored; what their services chose to keep (e.g. a logged
            # registration conflict) stays, exactly as without the header.
            if pending is not None and not response.has_header(REPLAYED_HEADER) and 200 <= response.status_code < 300:
                key, request_hash = pending
                try:
                    with transaction.atomic():
                        IdempotencyRecord.objects.create(
                            user_id=api_user(request).pk,
                            key=key,
                            method=request.method or "",
                            path=request.get_full_path()[:300],
                            request_hash=request_hash,
                            status_code=response.status_code,
                            response_body=json.loads(response.content or b"null"),
                        )
                except IntegrityError:
                    # A concurrent request with the same key committed first: undo ours, answer like it.
                    transaction.set_rollback(True)
                    lost_race = True
        if lost_race:
            key, request_hash = request._guanxi_idempotency  # type: ignore[attr-defined]
            try:
                replay = _replay_or_conflict(api_user(request), key, request_hash)
                if replay is None:  # ours was rolled back, so its answer must not be sent
                    raise ConflictError(_("A request with this Idempotency-Key was running at the same time."))
            except ApplicationError as exc:
                return JsonResponse(exc.as_envelope(), status=exc.http_status)
            return replay
        return response

    return wrapped


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a create endpoint honour `Idempotency-Key`: put it under the `@router.post(...)` line.

    The first request's answer (status and body) is stored per user and key; a repeat with the same
    method, path and body gets that answer again with `Idempotent-Replayed: true` and creates
    nothing; the same key with another body is a 409 conflict.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(IDEMPOTENCY_HEADER)
        if raw is None:
            return view(request, *args, **kwargs)
        key = raw.strip()
        if not key or len(key) > 200:
            msg = _("Idempotency-Key must be 1 to 200 characters.")
            raise ValidationFailed(msg, fields={IDEMPOTENCY_HEADER: [msg]})
        request_hash = _request_hash(request)
        replay = _replay_or_conflict(api_user(request), key, request_hash)
        if replay is not None:
            return replay
        request._guanxi_idempotency = (key, request_hash)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    decorate_view(_idempotent_run)(wrapper)
    parameter = {
        "in": "header",
        "name": IDEMPOTENCY_HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": 200},
        "description": "Optional. Repeat a create safely: the same key and body return the first answer.",
    }

    def document(operation: Any) -> None:
        extra = operation.openapi_extra or {}
        extra.setdefault("parameters", []).append(parameter)
        operation.openapi_extra = extra

    wrapper._ninja_contribute_to_operation.append(document)  # type: ignore[attr-defined]
    return wrapper


# --- pagination ------------------------------------------------------------------------------
class PageParams(Schema):
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1–200).")
    offset: int = Field(0, ge=0, le=10**9, description="Rows to skip.")


CountIsExact = Annotated[
    bool,
    Field(
        description=(
            "Whether `count` is the list's total. A list counts at most 10,000 rows: past them `count` is 10,000 and "
            "this is false; page on with `offset` until a page has fewer than `limit` items."
        )
    ),
]


def paginate(qs: QuerySet | list[Any], page: PageParams) -> dict[str, Any]:
    """`{"count", "count_is_exact", "items", "limit", "offset"}`: one capped COUNT (at most `COUNT_CAP + 1` rows read,
    `core.paging`) and one page query, read part by part where the rows are (a rep's: dbvendor.ids.first_in_order)."""
    count, exact = capped_count(qs)
    end = page.offset + page.limit
    if isinstance(qs, QuerySet):
        qs = first_in_order(qs, end)
    items = list(qs[page.offset : end]) if count > page.offset or not exact else []
    return {"count": count, "count_is_exact": exact, "items": items, "limit": page.limit, "offset": page.offset}


# --- API docs that work offline --------------------------------------------------------------
# Swagger UI ships inside the django-ninja package; serving it from there keeps /api/v1/docs
# working without a CDN (and without putting "ninja" into INSTALLED_APPS).
DOCS_ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


class OfflineSwagger(DocsBase):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {"layout": "BaseLayout", "deepLinking": True, "url": self.get_openapi_url(api, kwargs)}
        return render(
            request,
            self.template,
            {
                "api": api,
                "swagger_settings": json.dumps(settings),
                "assets": {
                    name.split(".")[0].replace("-", "_"): reverse(f"{api.urls_namespace}:docs-asset", args=[name])
                    for name in DOCS_ASSETS
                },
            },
        )


def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in DOCS_ASSETS:
        raise Http404(name)
    response = FileResponse((DOCS_ASSET_DIR / name).open("rb"), content_type=DOCS_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


class GuanxiAPI(NinjaAPI):
    """NinjaAPI plus the route that serves the docs page's bundled assets."""

    def _get_urls(self) -> list[Any]:
        urls = super()._get_urls()
        if self.docs_url:
            prefix = self.docs_url.strip("/")
            urls.insert(0, path(f"{prefix}/assets/<str:name>", docs_asset, name="docs-asset"))
        return urls


def keep_operation_ids(router: Router, module: str) -> None:
    """Name the router's operations as if their endpoints still lived in `module`: django-ninja derives an
    operation id from the endpoint's module, and clients generate code from it, so moving an api module must not
    rename its operations. Explicit `operation_id`s are left alone; call this after the last endpoint."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            if operation.operation_id is None:
                operation.operation_id = f"{module}_{operation.view_func.__name__}".replace(".", "_")
