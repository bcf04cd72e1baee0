"""The ticket import (customers.importers.records): a row is a ticket of an existing customer, opened through the
ticket service (numbered, assigned, audited) with its custom fields; a bad row is named by row and field, and only
who may import tickets may."""

from __future__ import annotations

from typing import Any

import pytest

import guanxi.service.importers  # noqa: F401  (registers the importers even before providers.py does)
from guanxi.core.custom_fields import services as field_services
from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob
from guanxi.core.registry import registry
from guanxi.service.models import Ticket

pytestmark = pytest.mark.django_db


def test_rows_become_tickets_with_their_custom_values_and_a_bad_row_names_its_field(people: Any, customer: Any):
    field_services.custom_field_create(
        actor=people["admin"],
        data={"target": "service.ticket", "code": "fault_code", "type": "number", "label_zh": "故障码",
              "label_en": "Fault code"},
    )  # fmt: skip
    data = csv_bytes(
        [
            ["客户名称", "标题", "联系人", "优先级", "故障码", "负责人"],
            ["北京恒信物流有限公司", "打印机无法联网", "李明", "紧急", "42", "agent"],
            ["北京恒信物流有限公司", "扫码枪坏了", "", "普通", "abc", ""],
            ["北京恒信物流有限公司", "", "", "天大", "", ""],
        ]
    )
    # when the service manager imports the file, skipping bad rows
    skip = ImportJob.Mode.SKIP_BAD_ROWS
    job = run_import(actor=people["service_manager"], kind="tickets", data=data, name="t.csv", mode=skip)
    # then the good row is a numbered ticket of the customer with its custom value, contact and owner
    assert job.status == ImportJob.Status.DONE, (job.error, job.report)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.priority, ticket.custom) == ("打印机无法联网", "urgent", {"fault_code": 42})
    assert ticket.contact.name == "李明" and ticket.owner == people["agent"] and ticket.number
    # and each bad row is named by its field
    reasons = {r[0]: r[3] for r in job.report["rows"] if r[1] == "reject"}
    assert "Fault code" in reasons[3]
    assert "Subject" in reasons[4] and "Priority" in reasons[4]


def test_only_who_may_import_tickets_may(people: Any, customer: Any) -> None:
    importer = registry.importers["tickets"]
    assert importer.permitted(people["service_manager"])
    assert not importer.permitted(people["agent"])  # creates tickets, may not import them
