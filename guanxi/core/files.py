"""Uploaded files (STYLE.md rule 17): stored under names nobody can guess, read only through one view that checks
the reader's scope, streamed (or handed to the front proxy), and recorded in the access log.

Each app registers a `FileKind` per file field with `registry.add_file_kind` (in its providers module): which model
field holds the file and the selector that finds the row for a reader (403 without the module permission, 404 out
of scope). Pages and API responses link to `download_url(row, field)`, never to `FieldFile.url`; the files folder is
never served as /media/. A file field without a kind stops start-up (`file_kinds_check`).

Settings: GUANXI_FILE_SENDFILE ("" streams through Django; "x-accel-redirect" lets nginx send the file from the
internal location GUANXI_FILE_SENDFILE_PREFIX; "x-sendfile" lets Apache/lighttpd send it from its path on disk).
"""

from __future__ import annotations

import mimetypes
import os
import re
import secrets
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .accesslog import access_log_record
from .errors import NotFoundError
from .models import AccessLog
from .registry import FileKind, registry

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

SENDFILE_MODES = ("", "x-accel-redirect", "x-sendfile")
# Shown in the browser instead of saved: types that cannot run script in our origin. Anything else is an attachment.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
TOKEN_BYTES = 16  # 128 random bits: the folder name nobody can guess


# --- storing -----------------------------------------------------------------------------------
def private_upload_path(folder: str, filename: str) -> str:
    """`folder/YYYY/MM/<random token>/<original name>`: the token makes the path unguessable, the original name
    stays readable for the download and for whoever restores a backup."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name or "file"
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(TOKEN_BYTES)}/{name}"


def stored_file_name(name: str | None) -> str:
    """The original file name of a stored file (its last path segment)."""
    return PurePosixPath(name or "").name


# --- linking -----------------------------------------------------------------------------------
def download_url(row: models.Model, field_name: str) -> str:
    """The scoped download link of a row's file ("" when the field is empty)."""
    if not getattr(row, field_name):
        return ""
    kind = registry.file_kind_for(row._meta.label_lower, field_name)
    if kind is None:
        raise LookupError(f"No file kind is registered for {row._meta.label_lower}.{field_name}")
    return reverse("core:file_download", args=[kind.key, row.pk])


def file_display_name(row: models.Model, field_name: str) -> str:
    kind = registry.file_kind_for(row._meta.label_lower, field_name)
    if kind is not None and kind.file_name is not None:
        return kind.file_name(row)
    return stored_file_name(getattr(row, field_name).name)


# --- serving -----------------------------------------------------------------------------------
def _ascii_fallback(name: str) -> str:
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    safe_stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem).strip("_ .") or "file"
    safe_ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10]
    return f"{safe_stem}.{safe_ext}" if dot and safe_ext else safe_stem


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266 with an RFC 5987 `filename*` for non-ASCII names (中文文件名) and a plain-ASCII fallback."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", name) or "file"
    fallback = _ascii_fallback(name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _content_type(name: str) -> str:
    guessed, encoding = mimetypes.guess_type(name)
    return guessed if guessed and not encoding else "application/octet-stream"


def _sendfile_response(fieldfile: FieldFile, mode: str, content_type: str) -> HttpResponseBase | None:
    """An empty response carrying the front proxy's header, or None when this storage cannot be handed over."""
    name = fieldfile.name or ""
    if mode == "x-accel-redirect":
        prefix = settings.GUANXI_FILE_SENDFILE_PREFIX.rstrip("/")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix}/{quote(name, safe='/')}"
        return response
    if mode == "x-sendfile":
        try:
            path = fieldfile.storage.path(name)
        except NotImplementedError:  # object storage (S3…): there is no path the proxy could read
            return None
        if not os.path.isfile(path):  # not on this disk (or lost): stream, which answers 404 for a lost file
            return None
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = path
        return response
    return None


def _streamed(fieldfile: FieldFile, content_type: str) -> HttpResponseBase:
    try:
        handle = fieldfile.storage.open(fieldfile.name or "", "rb")
    except FileNotFoundError:
        raise NotFoundError(_("The file is missing from storage.")) from None
    return FileResponse(handle, content_type=content_type)


def file_response(kind: FileKind, row: models.Model) -> HttpResponseBase:
    fieldfile = getattr(row, kind.field)
    if not fieldfile:
        raise NotFoundError(_("There is no file here."))
    name = kind.file_name(row) if kind.file_name is not None else stored_file_name(fieldfile.name)
    content_type = _content_type(name)
    inline = content_type in INLINE_TYPES
    response = _sendfile_response(fieldfile, settings.GUANXI_FILE_SENDFILE, content_type) or _streamed(
        fieldfile, content_type
    )
    response["Content-Disposition"] = content_disposition(name, inline=inline)
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_download(*, user: Any, kind: str, pk: Any) -> HttpResponseBase:
    """One file for a reader: the kind's selector checks permission (403) and scope (404), the download is noted in
    the access log, and the response streams the file or hands it to the front proxy."""
    file_kind = registry.file_kinds.get(kind)
    if file_kind is None:
        raise NotFoundError(_("Not found, or you may not see it."))
    row = file_kind.get(user=user, pk=pk)
    response = file_response(file_kind, row)
    access_log_record(
        actor=user,
        kind=AccessLog.Kind.DOWNLOAD,
        obj=row,
        detail={"file_kind": file_kind.key, "file": file_display_name(row, file_kind.field)},
    )
    return response


# --- start-up checks -----------------------------------------------------------------------------
def file_fields() -> list[tuple[str, str]]:
    """(model label, field name) of every file field of every installed model."""
    return [
        (model._meta.label_lower, f.name)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


@checks.register()
def file_kinds_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model, field_name in file_fields():
        if registry.file_kind_for(model, field_name) is None:
            errors.append(
                checks.Error(
                    f"{model}.{field_name} is a file field without a registered file kind, so no reader could "
                    "download it through a scope-checked view.",
                    hint="Register a guanxi.core.registry.FileKind for it in the app's providers module.",
                    id="guanxi.E001",
                )
            )
    mode = settings.GUANXI_FILE_SENDFILE
    if mode not in SENDFILE_MODES:
        errors.append(
            checks.Error(
                f"GUANXI_FILE_SENDFILE={mode!r} is not one of {', '.join(repr(m) for m in SENDFILE_MODES)}.",
                id="guanxi.E002",
            )
        )
    elif mode == "x-accel-redirect" and not settings.GUANXI_FILE_SENDFILE_PREFIX.startswith("/"):
        errors.append(
            checks.Error(
                "GUANXI_FILE_SENDFILE=x-accel-redirect needs GUANXI_FILE_SENDFILE_PREFIX, the internal nginx "
                "location of the files folder (e.g. /protected-files/).",
                id="guanxi.E003",
            )
        )
    return errors
