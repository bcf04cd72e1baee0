"""The member import (customers.importers.records): a row enrols a customer, or its contact, through member_enrol
with the members' custom fields; a bad row is named by row and field, and only who may import members may."""

from __future__ import annotations

from typing import Any

import pytest

import guanxi.marketing.loyalty.importers  # noqa: F401  (registers the importer even before providers.py does)
from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob
from guanxi.core.registry import EventListener, registry
from guanxi.marketing.loyalty.models import Member

pytestmark = pytest.mark.django_db


def test_rows_enrol_members_with_custom_values_and_a_bad_row_names_its_field(
    people: Any, book: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    heard: list[Any] = []
    monkeypatch.setattr(registry, "event_listeners", [EventListener(key="test", handle=heard.extend)])
    field_services.custom_field_create(
        actor=people["admin"],
        data={"target": "marketing.member", "code": "shoe_size", "type": "number", "label_zh": "鞋码",
              "label_en": "Shoe size", "required": True},
    )  # fmt: skip
    data = csv_bytes(
        [
            ["客户名称", "入会日期", "鞋码"],
            ["北京恒信物流有限公司", "2026-01-05", "42"],
            ["上海远航贸易有限公司", "2026-01-05", ""],
            ["北京恒信物流有限公司", "2026-01-06", "40"],
        ]
    )
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import(actor=people["marketer"], kind="members", data=data, name="m.csv", mode=skip)
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    member = Member.objects.get()
    assert (member.customer, str(member.joined_on), member.custom) == (book["a1"], "2026-01-05", {"shoe_size": 42})
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Shoe size" in reasons[3]  # required, left empty
    assert "Customer" in reasons[4] or "member" in reasons[4].lower()  # already a member (an earlier row)
    # and webhooks hear one member.enrolled: the dry run and the refused rows emit nothing
    assert [(e.type, e.object_id) for e in heard] == [("member.enrolled", str(member.pk))]


def test_only_who_may_import_members_may(people: Any) -> None:
    importer = registry.importers["members"]
    assert importer.permitted(people["marketer"]) and not importer.permitted(people["east_rep"])
