"""The lead importer (spreadsheet import): bought lists, exhibition visitors, old systems' leads.

Imported leads enter the screening queue (status new, no owner), like leads from the web form, and
the assignment rules run on them once the import commits; what no rule takes waits there for a
manager. A row is rejected when it names nobody,
gives no way to reach them, or repeats a lead that is still open (same mobile or e-mail) or an
earlier row of the file; a match with an existing customer is only a warning. The active custom fields of leads are
columns too (core.imports.custom, as in the customer import), checked by the one check of custom values.

Registered from providers.py: `from . import importers as _importers  # noqa: E402,F401`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.custom_fields.definitions import searched_texts
from guanxi.core.dictionaries.defaults import INDUSTRY_ALIASES
from guanxi.core.i18n import Message
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import audit_bulk, chunks, created_changes, insert_rows
from guanxi.core.imports.custom import PREFIX as CUSTOM_PREFIX
from guanxi.core.imports.custom import CustomCells, custom_row_decide
from guanxi.core.imports.values import ChoiceLookup, cell_text
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.core.search import build_search_text
from guanxi.customers.importers import SIZE_ALIASES, SOURCE_ALIASES
from guanxi.org.models import User

from .models import CLOSED_STATUSES, Lead
from .services.lifecycle import CUSTOM_TARGET

NEED_MAX = 5000
CONTACT_WAYS = ("mobile", "phone", "email", "wechat")


class LeadImporter(Importer):
    kind = "leads"
    label = gettext_lazy("Leads")
    icon = "ti-target-arrow"
    permission = "leads.import"
    custom_target = CUSTOM_TARGET
    list_url_name = "sales:lead_list"
    fields = (
        ImportField("company_name", gettext_lazy("Company"), example="杭州云峰软件有限公司",
                    aliases=("公司", "公司名称", "企业名称", "单位", "客户名称", "Company name", "Organisation"),
                    hint=gettext_lazy("The company or the contact person is required.")),
        ImportField("person_name", gettext_lazy("Contact person"), example="陈明",
                    aliases=("联系人", "姓名", "联系人姓名", "Name", "Contact", "Contact name")),
        ImportField("title", gettext_lazy("Job title"), aliases=("职务", "职位", "Title", "Position")),
        ImportField("mobile", gettext_lazy("Mobile"), example="13812345678",
                    aliases=("手机", "手机号", "手机号码", "移动电话", "Cell", "Mobile phone"),
                    hint=gettext_lazy("At least one of mobile, phone, e-mail or WeChat.")),
        ImportField("phone", gettext_lazy("Phone"), aliases=("电话", "座机", "联系电话", "固话", "Tel", "Telephone")),
        ImportField("email", gettext_lazy("E-mail"), aliases=("邮箱", "电子邮件", "电子邮箱", "Email", "Mail")),
        ImportField("wechat", gettext_lazy("WeChat"), aliases=("微信", "微信号", "Wechat ID")),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "线索来源", "Lead source"), example="展会",
                    hint=gettext_lazy("Empty: Import.")),
        ImportField("province", gettext_lazy("Province"), aliases=("省份", "省", "地区", "State"), example="浙江"),
        ImportField("city", gettext_lazy("City"), aliases=("城市", "市"), example="杭州"),
        ImportField("industry", gettext_lazy("Industry"), aliases=("行业", "所属行业"), example="软件"),
        ImportField("size", gettext_lazy("Size"), aliases=("规模", "人员规模", "公司规模", "Company size")),
        ImportField("need", gettext_lazy("Need"), aliases=("需求", "需求描述", "咨询内容", "备注", "Notes",
                                                          "Requirement"), example="想了解CRM报价"),
    )  # fmt: skip
    # Dictionary fields: a code, a Chinese or English label of the entry, or one of the aliases.
    CHOICES = {
        "source": ("customer_source", SOURCE_ALIASES),
        "size": ("company_size", SIZE_ALIASES),
        "industry": ("industry", INDUSTRY_ALIASES),
    }

    def field_hint(self, f: ImportField) -> str:
        if f.key in self.CHOICES:
            lookup = ChoiceLookup.of_dictionary(*self.CHOICES[f.key])
            return _("One of: %(choices)s") % {"choices": lookup.labels()} + (f" {f.hint}" if f.hint else "")
        return str(f.hint)

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        lookups = {k: ChoiceLookup.of_dictionary(key, aliases) for k, (key, aliases) in self.CHOICES.items()}
        model_fields = {f.name: f for f in Lead._meta.concrete_fields}
        custom = CustomCells(target=CUSTOM_TARGET, outcomes=outcomes)
        for i, o in enumerate(outcomes, start=1):
            data: dict[str, Any] = {}
            o.extra["custom"] = custom.sent(o)
            for key, raw in o.values.items():
                if key.startswith(CUSTOM_PREFIX):  # read by CustomCells
                    continue
                try:
                    value = lookups[key](raw) if key in lookups else cell_text(raw)
                    if key != "need":
                        value = " ".join(value.split())
                    if key == "email":
                        value = value.lower()
                    if value:
                        data[key] = model_fields[key].clean(value, None)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
                except ValidationError as exc:
                    for message in exc.messages:
                        o.reject(f"{labels[key]}: {message}")
            o.label = " · ".join(filter(None, [data.get("company_name", ""), data.get("person_name", "")]))
            if not (data.get("company_name") or data.get("person_name")):
                o.reject(_("Enter the company or the contact person."))
            if not any(data.get(k) for k in CONTACT_WAYS):
                o.reject(_("Give at least one way to reach them: mobile, phone, e-mail or WeChat."))
            if len(data.get("need", "")) > NEED_MAX:
                o.reject(_("%(field)s: at most %(max)s characters.") % {"field": labels["need"], "max": NEED_MAX})
            o.data = data
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        from guanxi.customers.dedupe.selectors import dedupe_find_matches_bulk

        labels = {f.key: str(f.label) for f in self.fields}
        rows = [o for o in outcomes if o.ok]
        mobiles = sorted({o.data["mobile"] for o in rows if o.data.get("mobile")})
        emails = sorted({o.data["email"] for o in rows if o.data.get("email")})
        open_leads = Lead.objects.exclude(status__in=CLOSED_STATUSES)
        existing: dict[tuple[str, str], int] = {}
        for chunk in chunks(mobiles, 2000):
            existing.update(
                (("mobile", m), pk) for m, pk in open_leads.filter(mobile__in=chunk).values_list("mobile", "pk")
            )
        for chunk in chunks(emails, 2000):
            existing.update(
                (("email", e), pk) for e, pk in open_leads.filter(email__in=chunk).values_list("email", "pk")
            )
        customers = dedupe_find_matches_bulk(
            [{"name": o.data.get("company_name", ""), "phone": o.data.get("mobile") or o.data.get("phone", ""),
              "email": o.data.get("email", "")} for o in rows],
            actor=actor,
        )  # fmt: skip
        seen: dict[tuple[str, str], int] = {}
        for index, o in enumerate(rows):
            o.data.pop("custom", None)  # decided again (recheck): the custom column follows the new decision
            for kind in ("mobile", "email"):
                value = o.data.get(kind)
                if not value:
                    continue
                if (kind, value) in seen:
                    o.reject(_("Row %(row)s of this file is the same lead.") % {"row": seen[(kind, value)]})
                elif (kind, value) in existing:
                    o.reject(_("Already an open lead (#%(id)s) with this %(what)s.") % {
                        "id": existing[(kind, value)], "what": labels[kind].lower(),
                    })  # fmt: skip
                else:
                    seen[(kind, value)] = o.row
            if not o.ok:
                continue
            for m in customers.get(index, []):
                if m.batch_row is None and m.message not in o.reasons:
                    o.reasons.append(m.message)
            o.action = Action.CREATE
            custom_row_decide(actor=actor, target=CUSTOM_TARGET, outcome=o)

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        creates = [o for o in outcomes if o.action == Action.CREATE]
        rows = []
        for o in creates:
            d = o.data
            rows.append(
                {
                    **d,
                    "source": d.get("source") or Lead.Source.IMPORT,
                    "status": Lead.Status.NEW,
                    "created_by_id": actor.pk,
                    "search_text": build_search_text(
                        names=[
                            d.get("company_name", ""),
                            d.get("person_name", ""),
                            *searched_texts(CUSTOM_TARGET, d.get("custom")),
                        ],  # fmt: skip
                        phones=[d.get("mobile", ""), d.get("phone", "")],
                        others=[d.get("email", ""), d.get("wechat", "")],
                    ),
                }
            )
        ids = insert_rows(Lead, rows)
        for o, pk in zip(creates, ids, strict=True):
            o.target_id = pk
        audit_bulk(
            actor=actor,
            action=AuditLog.Action.CREATE,
            model=Lead,
            message=Message(gettext_noop("Imported from %(file)s"), {"file": job.file_name}),
            items=((pk, o.label, created_changes(r), None) for o, pk, r in zip(creates, ids, rows, strict=True)),
        )
        _assign_after_commit(ids)
        return {"created": len(ids), "updated": 0}


# Leads per assignment job: one job locks its leads and the rules, so a huge import is split up.
ASSIGN_BATCH = 1000


def _assign_after_commit(ids: list[int]) -> None:
    """Run the assignment rules on the new leads like on web leads: after commit (a rolled back import
    queues nothing), as the system."""
    from ..tasks import lead_assign_by_rules_run

    for batch in chunks(list(ids), ASSIGN_BATCH):
        lead_ids = list(batch)
        transaction.on_commit(lambda lead_ids=lead_ids: lead_assign_by_rules_run.enqueue(lead_ids=lead_ids))


registry.add_importer(LeadImporter())
