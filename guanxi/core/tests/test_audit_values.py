"""The audit trail's rendering of field values (guanxi.core.services.audit_value)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from guanxi.core.models import ImportJob
from guanxi.core.services import audit_value


def test_a_file_field_is_audited_by_its_name_even_when_empty():
    # given an import job row without a file, and one with a file name
    empty = ImportJob(kind="customers").file
    named = ImportJob(kind="customers", file=SimpleUploadedFile("合同扫描件.pdf", b"%PDF")).file
    # then the empty one is audited as "" (it has no url to ask for) and the other by its name
    assert audit_value(empty) == ""
    assert audit_value(named) == "合同扫描件.pdf"
