"""Spreadsheet import of members (a loyalty programme brought over), on the record importer
(customers.importers.records): a row enrols a customer, or one of its contacts, through `member_enrol` (a new
card number, the join date, the members' custom fields). Registered from providers.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from guanxi.core.imports.base import ImportField
from guanxi.core.registry import registry
from guanxi.customers.importers.records import CONTACT, CUSTOMER, CUSTOMER_CODE, RecordImporter, date
from guanxi.org.models import User

from .services import MEMBER_TARGET, member_enrol


class MemberImporter(RecordImporter):
    kind = "members"
    label = gettext_lazy("Members")
    icon = "ti-id-badge-2"
    permission = "loyalty.import"
    create_permission = "loyalty.create"
    customer_module = "loyalty"
    custom_target = MEMBER_TARGET
    list_url_name = "marketing:member_list"
    fields = (
        CUSTOMER, CUSTOMER_CODE,
        ImportField(CONTACT.key, CONTACT.label, aliases=CONTACT.aliases,
                    hint=gettext_lazy("Empty: the customer is the member; else its contact, by full name or mobile.")),
        ImportField("joined_on", gettext_lazy("Joined on"), aliases=("入会日期", "加入日期", "注册日期", "Join date")),
    )  # fmt: skip
    readers = {"joined_on": date}

    def describe(self, data: dict[str, Any]) -> str:
        return ""

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        contact = data.pop("contact", None)
        data = {**data, "customer": data["customer"].pk, "contact": contact.pk if contact else None}
        data.pop("owner")
        return member_enrol(actor=actor, data=data)


registry.add_importer(MemberImporter())
