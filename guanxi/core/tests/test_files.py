"""Uploaded files leave the server only through the scoped download view (STYLE.md rule 17): every file field has a
registered kind, names cannot be guessed, the file streams with its original (Chinese) name or is handed to the
front proxy, and each download is in the access log. Shown here with the import engine's own kind (import files)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client

from guanxi.core.files import file_fields, file_kinds_check
from guanxi.core.models import AccessLog, ImportJob
from guanxi.core.registry import FileKind, registry

TOKEN = re.compile(r"/[A-Za-z0-9_-]{22,}/")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def import_job(org: Any) -> ImportJob:
    job = ImportJob(user=org["east_manager"], kind="customers", file_name="华东客户名单 2026.csv")
    job.file.save("upload.csv", ContentFile("公司名称\n北京华信科技有限公司\n".encode()), save=False)
    job.save()
    return job


def url_of(job: ImportJob) -> str:
    return f"/files/import-file/{job.pk}/"


# --- structure -----------------------------------------------------------------------------------
def test_every_file_field_has_a_registered_kind(monkeypatch: Any) -> None:
    # given every installed model's file fields (follow-up attachments, stage documents, signed scans, receipts,
    # import files at least)
    fields = set(file_fields())
    assert {("customers.attachment", "file"), ("core.importjob", "file"), ("billing.expenseline", "receipt")} <= fields
    # then the start-up check finds a kind for each one
    assert file_kinds_check() == []
    # and when one kind is missing, the check names its field
    monkeypatch.setattr(registry, "file_kinds", {k: v for k, v in registry.file_kinds.items() if k != "import-file"})
    assert [e.id for e in file_kinds_check()] == ["guanxi.E001"]
    assert "core.importjob.file" in file_kinds_check()[0].msg


def test_a_file_field_is_registered_once() -> None:
    # given the registered kind of import files
    kind = registry.file_kinds["import-file"]
    # when the same kind registers again nothing changes; a second kind for the field or the key is refused
    registry.add_file_kind(kind)
    with pytest.raises(ImproperlyConfigured):
        registry.add_file_kind(FileKind(key="other", model="core.importjob", field="file", label="x", get=kind.get))
    with pytest.raises(ImproperlyConfigured):
        registry.add_file_kind(FileKind(key="import-file", model="core.x", field="file", label="x", get=kind.get))
    assert registry.file_kinds["import-file"] is kind and "other" not in registry.file_kinds


def test_stored_names_cannot_be_guessed() -> None:
    # given every file field of every model
    for label, name in file_fields():
        field = apps.get_model(label)._meta.get_field(name)
        assert isinstance(field, models.FileField)
        # when the same file is stored twice
        first = field.generate_filename(field.model(), "合同.pdf")
        second = field.generate_filename(field.model(), "合同.pdf")
        # then each lands in its own random folder (128 bits) and keeps its name
        assert first != second, label
        assert TOKEN.search(first) and first.endswith("/合同.pdf"), (label, first)


def test_no_template_links_a_file_field_url() -> None:
    # given every template of the project
    names = "|".join(sorted({name for _label, name in file_fields()}))
    bare = re.compile(rf"\b({names})\.url\b|MEDIA_URL")
    root = Path(__file__).resolve().parents[2]
    offenders = [str(p) for p in root.rglob("templates/**/*.html") if bare.search(p.read_text(encoding="utf-8"))]
    # then none links a stored file directly (files go through {% download_url %})
    assert offenders == []


def test_sendfile_setting_is_checked(settings: Any) -> None:
    # an unknown mode, or nginx mode without its internal location, stops start-up
    settings.GUANXI_FILE_SENDFILE = "x-magic"
    assert [e.id for e in file_kinds_check()] == ["guanxi.E002"]
    settings.GUANXI_FILE_SENDFILE, settings.GUANXI_FILE_SENDFILE_PREFIX = "x-accel-redirect", ""
    assert [e.id for e in file_kinds_check()] == ["guanxi.E003"]
    settings.GUANXI_FILE_SENDFILE_PREFIX = "/protected-files/"
    assert file_kinds_check() == []


# --- downloading -------------------------------------------------------------------------------
def test_owner_downloads_with_the_original_chinese_name(org: Any, import_job: ImportJob) -> None:
    # when the user who uploaded the import downloads it
    response = client_for(org["east_manager"]).get(url_of(import_job))
    # then the file streams with its original name (RFC 5987) and an ASCII fallback
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content).decode() == "公司名称\n北京华信科技有限公司\n"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''%E5%8D%8E%E4%B8%9C%E5%AE%A2%E6%88%B7%E5%90%8D%E5%8D%95%202026.csv" in disposition
    assert re.fullmatch(r'attachment; filename="[ -~]+\.csv"; .*', disposition)
    assert response["Content-Type"].startswith("text/csv") and response["X-Content-Type-Options"] == "nosniff"


def test_download_is_recorded_in_the_access_log(org: Any, import_job: ImportJob) -> None:
    # when the owner downloads the file
    response = client_for(org["east_manager"]).get(url_of(import_job), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    # then the access log names who, which file, from where and in which request
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.kind, entry.object_id) == (org["east_manager"], "download", str(import_job.pk))
    assert entry.detail["file_kind"] == "import-file" and entry.detail["file"] == "华东客户名单 2026.csv"
    assert entry.ip == "10.1.2.3" and entry.request_id == response["X-Request-ID"]


def test_someone_else_gets_404_and_nothing_is_recorded(org: Any, import_job: ImportJob) -> None:
    # when another user, an unknown kind or an unknown id is asked for, then 404 and no access entry
    assert client_for(org["east_rep"]).get(url_of(import_job)).status_code == 404
    assert client_for(org["east_manager"]).get(f"/files/no-such-kind/{import_job.pk}/").status_code == 404
    assert client_for(org["east_manager"]).get(f"/files/import-file/{import_job.pk + 99}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_missing_file_in_storage_is_404_not_500(org: Any, import_job: ImportJob) -> None:
    # given a row whose file was lost from storage
    import_job.file.storage.delete(import_job.file.name)
    # then the reader gets a clear 404
    assert client_for(org["east_manager"]).get(url_of(import_job)).status_code == 404


def test_anonymous_reader_is_sent_to_sign_in_and_a_token_works(
    org: Any, import_job: ImportJob, api_token_for: Any
) -> None:
    # an anonymous browser is sent to the sign-in page
    response = Client().get(url_of(import_job))
    assert response.status_code == 302 and "/login" in response["Location"]
    # an API client follows the link with its token; a wrong token is 401
    secret = api_token_for(org["east_manager"], name="sync", read_only=True)
    assert Client().get(url_of(import_job), HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert Client().get(url_of(import_job), HTTP_AUTHORIZATION="Bearer gx_wrong").status_code == 401
    # and another user's token gets 404
    other = api_token_for(org["east_rep"], name="sync")
    assert Client().get(url_of(import_job), HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_nginx_x_accel_redirect_mode(org: Any, import_job: ImportJob, settings: Any) -> None:
    # given the front proxy sends files from its internal location
    settings.GUANXI_FILE_SENDFILE, settings.GUANXI_FILE_SENDFILE_PREFIX = "x-accel-redirect", "/protected-files/"
    # when the owner downloads
    response = client_for(org["east_manager"]).get(url_of(import_job))
    # then Django checks, records and names the file, and leaves the bytes to nginx
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-files/{import_job.file.name}"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert AccessLog.objects.filter(kind="download").count() == 1
    # and a reader out of scope gets no header at all
    denied = client_for(org["east_rep"]).get(url_of(import_job))
    assert denied.status_code == 404 and "X-Accel-Redirect" not in denied


def test_x_sendfile_mode_names_the_file_on_disk(org: Any, settings: Any, tmp_path: Path) -> None:
    # given files on the local disk and Apache/lighttpd sending them
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = str(tmp_path)
    settings.GUANXI_FILE_SENDFILE = "x-sendfile"
    job = ImportJob(user=org["east_manager"], kind="customers", file_name="客户.csv")
    job.file.save("upload.csv", ContentFile(b"a\n"), save=False)
    job.save()
    # when the owner downloads
    response = client_for(org["east_manager"]).get(url_of(job))
    # then the proxy is told the absolute path of the stored file
    assert response.status_code == 200 and response.content == b""
    assert response["X-Sendfile"] == str(tmp_path / job.file.name) and Path(response["X-Sendfile"]).exists()


def test_x_sendfile_without_a_local_path_streams_instead(org: Any, import_job: ImportJob, settings: Any) -> None:
    # given a storage without local paths (object storage; the tests' in-memory storage)
    settings.GUANXI_FILE_SENDFILE = "x-sendfile"
    # then Django streams the file itself
    response = client_for(org["east_manager"]).get(url_of(import_job))
    assert response.status_code == 200 and "X-Sendfile" not in response
    assert b"".join(response.streaming_content).startswith("公司名称".encode())


def test_rows_stored_before_random_folders_still_download(org: Any) -> None:
    # given an import stored under the old, guessable layout (imports/2025/01/<name>)
    job = ImportJob(user=org["east_manager"], kind="customers", file_name="old.csv")
    job.file.name = job.file.storage.save("imports/2025/01/old.csv", ContentFile(b"old\n"))
    job.save()
    # then its owner still downloads it through the view
    response = client_for(org["east_manager"]).get(url_of(job))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"old\n"
