"""Spreadsheet import into static lists (issue 17: "static lists — add from any list's bulk bar or import"), on the
record importer (customers.importers.records): a row names a list and a contact (its customer, then the contact by
full name or mobile) and adds that contact to the static list of that name, made on first use, through
`segment_add_contacts` (the reader's contact scope, audited). Registered from providers.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.imports.base import ImportField
from guanxi.core.inputs import field_error
from guanxi.core.registry import registry
from guanxi.customers.importers.records import CONTACT, CUSTOMER, CUSTOMER_CODE, RecordImporter
from guanxi.org.models import User

from . import services
from .models import Segment, SegmentMember

LIST = ImportField(
    "list", gettext_lazy("Static list"), required=True, example="2027 春季展会邀请",
    aliases=("名单", "静态名单", "名单名称", "列表", "List", "List name"),
    hint=gettext_lazy("The static list's name: an existing one, or a new list of that name."),
)  # fmt: skip


class StaticListImporter(RecordImporter):
    kind = "static_list_members"
    label = gettext_lazy("Static list members")
    icon = "ti-list-check"
    permission = "marketing.edit"  # as the lists' bulk bar "Add to a static list"
    create_permission = "marketing.edit"
    customer_module = "marketing"  # the customers whose contacts the marketer may list
    list_url_name = "marketing:segment_list"
    fields = (
        LIST, CUSTOMER, CUSTOMER_CODE,
        ImportField(CONTACT.key, CONTACT.label, required=True, aliases=CONTACT.aliases, example="王芳",
                    hint=gettext_lazy("A contact of the customer, by full name or mobile.")),
    )  # fmt: skip

    def describe(self, data: dict[str, Any]) -> str:
        return str(data.get("list") or "")

    def create(self, *, actor: User, data: dict[str, Any]) -> Any:
        contact = data["contact"]
        name = data["list"]
        segment = Segment.objects.filter(kind=Segment.Kind.STATIC, name=name).order_by("pk").first()
        if segment is None:
            segment = services.segment_create(actor=actor, data={"name": name, "kind": Segment.Kind.STATIC})
        if segment.members.filter(contact=contact).exists():
            raise field_error("contact", _("%(name)s is already in the list.") % {"name": contact.name})
        added, _skipped = services.segment_add_contacts(actor=actor, segment=segment, contact_ids=[contact.pk])
        if not added:  # a contact the reader may not see
            raise field_error("contact", _("%(name)s is not among the contacts you may see.") % {"name": contact.name})
        return SegmentMember.objects.get(segment=segment, contact=contact)


registry.add_importer(StaticListImporter())
