"""Spreadsheet import of opportunities (a CRM's open deals brought over), on the record importer
(customers.importers.records): one row is one deal of an existing customer, opened through `opportunity_create`
in the default pipeline's first open stage, its custom fields as columns.

Registered from providers.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from guanxi.core.imports.base import ImportField
from guanxi.core.registry import registry
from guanxi.customers.importers.records import (
    CONTACT,
    CUSTOMER,
    CUSTOMER_CODE,
    OWNER,
    RecordImporter,
    date,
    dictionary,
    long_text,
    number,
)
from guanxi.org.models import User

from .services import opportunity_create
from .services.lifecycle import CUSTOM_TARGET


class OpportunityImporter(RecordImporter):
    kind = "opportunities"
    label = gettext_lazy("Opportunities")
    icon = "ti-briefcase"
    permission = "opportunities.import"
    create_permission = "opportunities.create"
    customer_module = "opportunities"
    custom_target = CUSTOM_TARGET
    list_url_name = "sales:opportunity_list"
    fields = (
        CUSTOMER, CUSTOMER_CODE,
        ImportField("name", gettext_lazy("Opportunity"), required=True, example="ERP 二期项目",
                    aliases=("商机名称", "机会名称", "项目名称", "名称", "Opportunity name", "Deal", "Name")),
        CONTACT,
        ImportField("amount", gettext_lazy("Amount"), example="120000",
                    aliases=("金额", "预计金额", "商机金额", "Expected amount", "Value")),
        ImportField("expected_close_date", gettext_lazy("Expected close date"), example="2026-12-31",
                    aliases=("预计成交日期", "预计签单日期", "成交日期", "Close date", "Closing date")),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "商机来源", "Lead source")),
        ImportField("next_step", gettext_lazy("Next step"), aliases=("下一步", "下一步计划", "Next")),
        ImportField("description", gettext_lazy("Description"), aliases=("描述", "备注", "说明", "Notes")),
        OWNER,
    )  # fmt: skip
    readers = {
        "amount": number,
        "expected_close_date": date,
        "source": dictionary("opportunity_source"),
        "description": long_text,
    }

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        customer, owner = data.pop("customer"), data.pop("owner")
        return opportunity_create(actor=actor, customer=customer, owner=owner, data=data)


registry.add_importer(OpportunityImporter())
