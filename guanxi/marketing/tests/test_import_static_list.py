"""Contacts into static lists from a spreadsheet (marketing/importers.py): a row names the list and a customer's
contact (by full name or mobile); the list is made on first use; a bad row is named by row and field, and only who
may fill lists may import."""

from __future__ import annotations

from typing import Any

import pytest

import guanxi.marketing.importers  # noqa: F401  (registers the importer even before providers.py does)
from guanxi.core.errors import PermissionDeniedError
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.marketing.models import Segment

pytestmark = pytest.mark.django_db


def _members(name: str) -> set[int]:
    return set(Segment.objects.get(name=name, kind="static").members.values_list("contact_id", flat=True))


def test_rows_fill_static_lists_by_contact_name_or_mobile_and_bad_rows_name_their_field(people: Any, book: Any):
    existing = Segment.objects.create(name="老客户回访", kind="static", owner=people["marketer"])
    data = csv_bytes(
        [
            ["名单", "客户名称", "联系人"],
            ["2027 春季展会邀请", "北京恒信物流有限公司", "李明"],
            ["2027 春季展会邀请", "上海远航贸易有限公司", "139 0013 9000"],  # 赵强 by mobile
            ["老客户回访", "北京恒信物流有限公司", "王芳"],
            ["2027 春季展会邀请", "北京恒信物流有限公司", "李明"],  # already in (an earlier row)
            ["2027 春季展会邀请", "北京恒信物流有限公司", "张三"],  # no such contact
            ["", "北京恒信物流有限公司", "王芳"],  # no list named
        ]
    )
    job = run_import(
        actor=people["marketer"], kind="static_list_members", data=data, name="l.csv",
        mode=ImportJob.Mode.SKIP_BAD_ROWS,
    )  # fmt: skip
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    assert _members("2027 春季展会邀请") == {book["li"].pk, book["zhao"].pk}
    assert _members("老客户回访") == {book["wang"].pk} and Segment.objects.filter(name="老客户回访").count() == 1
    assert existing.members.count() == 1
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert set(reasons) == {5, 6, 7}
    assert "Contact" in reasons[5] and "Contact" in reasons[6] and "Static list" in reasons[7]
    assert AuditLog.objects.filter(object_id=str(existing.pk)).exists()


def test_only_who_may_fill_lists_may_import_and_a_refused_import_adds_nobody(people: Any, book: Any):
    importer = registry.importers["static_list_members"]
    assert importer.permitted(people["marketer"]) and not importer.permitted(people["east_rep"])
    data = csv_bytes([["名单", "客户名称", "联系人"], ["展会", "北京恒信物流有限公司", "李明"]])
    with pytest.raises(PermissionDeniedError):
        run_import(actor=people["east_rep"], kind="static_list_members", data=data, name="l.csv")
    assert not Segment.objects.exists()
