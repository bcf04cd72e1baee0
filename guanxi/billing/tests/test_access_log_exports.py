"""Every export path writes one access-log entry (who exported what), linked to the export's audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.models import AccessLog, AuditLog

EXPORTS = [
    "/lists/customers/export/?fmt=csv",
    "/api/v1/customers/export?format=csv",
    "/lists/opportunities/export/?fmt=csv",
    "/api/v1/opportunities/export?format=csv",
    "/sales/opportunities/funnel/?export=csv",
    "/billing/export/?group=customer&fmt=csv",
    "/billing/ageing/export/?fmt=xlsx",
    "/billing/statement/export/?month=2026-11&fmt=csv",
    "/billing/expenses/export/?fmt=csv",
    "/commerce/products/export/?fmt=csv",
    "/org/audit/export/?format=csv",
]


@pytest.mark.parametrize("path", EXPORTS)
def test_every_export_is_in_the_access_log(people: Any, contract: Any, path: str) -> None:
    # given an administrator, who may export everything
    client = Client()
    client.force_login(people["admin"])
    # when it exports
    response = client.get(path, REMOTE_ADDR="10.9.8.7")
    # then the file comes, and one access entry names who exported, from where, with the export's audit entry
    assert response.status_code == 200, response.content[:300]
    entry = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert (entry.actor, entry.ip, entry.request_id) == (people["admin"], "10.9.8.7", response["X-Request-ID"])
    audit = AuditLog.objects.get(pk=entry.detail["audit_id"])
    assert audit.action == AuditLog.Action.EXPORT and audit.actor == people["admin"]


def test_a_refused_export_is_not_logged(people: Any) -> None:
    # given a rep without billing export permission
    client = Client()
    client.force_login(people["east_rep"])
    # when the rep tries, then 403 and no access entry
    assert client.get("/billing/export/?fmt=csv").status_code == 403
    assert not AccessLog.objects.exists()
