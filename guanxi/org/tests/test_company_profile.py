"""The company's own details (the seller on quotes, invoices and statements): one row an administrator edits on the
company settings page, every change audited; blank until set, when documents print a placeholder."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.models import AuditLog
from guanxi.org import services
from guanxi.org.selectors import company_profile

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "华信科技集团有限公司",
    "address": "上海市浦东新区张江路 1000 号",
    "phone": "021-5080 8000",
    "tax_id": "91310115MA1H8X2026",
    "bank_name": "招商银行上海分行",
    "bank_account": "1219 0888 8888",
}


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_admin_sets_the_company_details_on_the_settings_page(org: Any) -> None:
    # given nothing set yet: a blank profile
    assert not company_profile().is_set
    web = client_for(org["admin"])
    assert web.get("/org/company/").status_code == 200
    # when the administrator saves the details
    response = web.post("/org/company/", DETAILS)
    # then they are stored and the change is audited
    assert response.status_code == 302
    profile = company_profile()
    assert profile.is_set and (profile.tax_id, profile.bank_account) == ("91310115MA1H8X2026", "1219 0888 8888")
    web.post("/org/company/", {**DETAILS, "phone": "021-5080 9000"})
    change = AuditLog.objects.filter(action="update", object_id="1").latest("at")
    assert change.changes["phone"] == ["021-5080 8000", "021-5080 9000"]


def test_the_name_is_required_and_named(org: Any) -> None:
    response = client_for(org["admin"]).post("/org/company/", {**DETAILS, "name": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not company_profile().is_set


def test_a_rep_may_not_change_them(org: Any) -> None:
    # a rep gets 403 on the page and its post, and nothing is written
    web = client_for(org["east_rep"])
    assert web.get("/org/company/").status_code == 403
    assert web.post("/org/company/", DETAILS).status_code == 403
    assert not company_profile().is_set and not AuditLog.objects.filter(object_repr=DETAILS["name"]).exists()
    with pytest.raises(PermissionDeniedError):
        services.company_profile_update(actor=org["east_rep"], data=DETAILS)
