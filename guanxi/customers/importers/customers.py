"""Spreadsheet import of customers (data migration): new customers in bulk, existing ones (found by their match
keys) updated, duplicates refused with the registration conflicts first registrant wins records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.dictionaries.defaults import INDUSTRY_ALIASES
from guanxi.core.i18n import Message
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import audit_bulk, chunks, created_changes, insert_rows
from guanxi.core.imports.custom import CustomCells, custom_row_decide
from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_date
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.search import name_sort_key
from guanxi.core.services import audit_value, notify
from guanxi.org.models import User
from guanxi.org.policies import has_permission

from ..dedupe.normalise import customer_key_pairs
from ..dedupe.selectors import BLOCK, WARN, dedupe_find_matches_bulk, dedupe_rules
from ..dedupe.services import customer_keys_rebuild, registration_conflict_record
from ..models import Customer, CustomerKey
from ..search_text import customer_search_text
from ..services import customer_reviewers
from ..services.customers import CUSTOM_TARGET
from ._common import (
    BATCH,
    KIND_ALIASES,
    LEVEL_ALIASES,
    SIZE_ALIASES,
    SOURCE_ALIASES,
    STATUS_ALIASES,
    _apply_updates,
    _code,
    _diff,
    _editable,
    _example_credit_code,
    _name,
    _named_row,
    _owners_in_scope,
    _resolve_users,
    _url,
    _validate,
)

KEY_ORDER = ("credit_code", "name", "phone", "email")  # which match decides the record a row updates
MAX_CONFLICTS = 20  # registration conflicts recorded per import (each notifies the managers)


# --- customers -------------------------------------------------------------------------------
class CustomerImporter(Importer):
    kind = "customers"
    label = gettext_lazy("Customers")
    icon = "ti-users"
    permission = "customers.import"
    custom_target = CUSTOM_TARGET
    list_url_name = "customers:list"
    fields = (
        ImportField(
            "name", gettext_lazy("Name"), required=True, example="北京华信科技有限公司",
            aliases=("客户名称", "公司名称", "企业名称", "单位名称", "客户全称", "名称", "客户", "公司", "Company",
                     "Company name", "Customer", "Customer name", "Account", "Account name"),
            hint=gettext_lazy("For a company: its registered business name."),
        ),
        ImportField("kind", gettext_lazy("Type"), aliases=("客户类型", "类型", "Customer type"), example="企业"),
        ImportField(
            "credit_code", gettext_lazy("Unified social credit code"), example=_example_credit_code(),
            aliases=("统一社会信用代码", "社会信用代码", "信用代码", "税号", "纳税人识别号", "USCC", "Credit code"),
            hint=gettext_lazy("18 characters; the checksum is verified. Matches an existing customer first."),
        ),
        ImportField("level", gettext_lazy("Level"), aliases=("客户级别", "级别", "等级", "Customer level"),
                    example="B"),
        ImportField("status", gettext_lazy("Status"), aliases=("客户状态", "状态", "成交状态"), example="跟进中"),
        ImportField("industry", gettext_lazy("Industry"), aliases=("行业", "所属行业", "客户行业"), example="制造业"),
        ImportField("size", gettext_lazy("Size"), aliases=("规模", "人员规模", "公司规模", "员工人数", "Company size",
                                                         "Employees"), example="100-499人"),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "客户来源", "Lead source"), example="展会",
                    hint=gettext_lazy("Empty: Import.")),
        ImportField("province", gettext_lazy("Province"), aliases=("省份", "省", "所在省份", "State"), example="北京"),
        ImportField("city", gettext_lazy("City"), aliases=("城市", "市", "所在城市"), example="北京"),
        ImportField("address", gettext_lazy("Address"), aliases=("地址", "详细地址", "公司地址", "办公地址"),
                    example="海淀区中关村大街1号"),
        ImportField(
            "phone", gettext_lazy("Phone"), example="010-62881234",
            aliases=("电话", "手机", "手机号", "手机号码", "联系电话", "座机", "公司电话", "Mobile", "Tel", "Telephone",
                     "Phone number"),
        ),
        ImportField("email", gettext_lazy("E-mail"), aliases=("邮箱", "电子邮件", "电子邮箱", "Email", "Mail"),
                    example="info@example.com"),
        ImportField("website", gettext_lazy("Website"), aliases=("网址", "官网", "网站", "公司网址", "URL", "Web"),
                    example="www.example.com"),
        ImportField("next_follow_up_on", gettext_lazy("Next follow-up"),
                    aliases=("下次跟进", "下次跟进时间", "下次跟进日期", "下次联系时间", "下次联系"),
                    example="2026-03-01", hint=gettext_lazy("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")),
        ImportField("remarks", gettext_lazy("Remarks"), aliases=("备注", "说明", "Notes", "Note", "Comments",
                                                              "Description")),
        ImportField(
            "owner", gettext_lazy("Owner"),
            aliases=("负责人", "客户负责人", "所属销售", "销售", "销售代表", "业务员", "Sales rep", "Account owner"),
            hint=gettext_lazy("User name or full name; giving customers to others needs the assign permission. "
                              "Empty: you. Ignored when a row updates an existing customer (use Transfer)."),
        ),
    )  # fmt: skip
    CHOICES = {"kind": (Customer.Kind.choices, KIND_ALIASES)}
    # Dictionary fields: a code, a Chinese or English label of the entry, or one of the aliases.
    DICTIONARIES = {
        "level": ("customer_level", LEVEL_ALIASES),
        "status": ("customer_status", STATUS_ALIASES),
        "size": ("company_size", SIZE_ALIASES),
        "source": ("customer_source", SOURCE_ALIASES),
        "industry": ("industry", INDUSTRY_ALIASES),
    }

    def _lookup(self, key: str) -> ChoiceLookup:
        if key in self.DICTIONARIES:
            return ChoiceLookup.of_dictionary(*self.DICTIONARIES[key])
        return ChoiceLookup(*self.CHOICES[key])

    def field_hint(self, f: ImportField) -> str:
        if f.key in self.CHOICES or f.key in self.DICTIONARIES:
            lookup = self._lookup(f.key)
            return _("One of: %(choices)s") % {"choices": lookup.labels()} + (f" {f.hint}" if f.hint else "")
        return str(f.hint)

    def _converters(self) -> dict[str, Any]:
        conv: dict[str, Any] = {k: self._lookup(k) for k in [*self.CHOICES, *self.DICTIONARIES]}
        conv.update(
            name=_name, credit_code=_code, website=_url, next_follow_up_on=parse_date, email=lambda v: cell_text(v)
        )
        return conv

    # --- parse: each row on its own -------------------------------------------------------------
    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        converters = self._converters()
        labels = {f.key: str(f.label) for f in self.fields}
        owners = _resolve_users(actor, {cell_text(o.values.get("owner")) for o in outcomes})
        may_assign = has_permission(actor, "customers.assign")
        custom = CustomCells(target=CUSTOM_TARGET, outcomes=outcomes)
        for i, o in enumerate(outcomes, start=1):
            data = _named_row(o, converters, labels, skip="owner")
            _validate(Customer, data, labels, o)
            o.extra["custom"] = custom.sent(o)
            owner_text = cell_text(o.values.get("owner"))
            owner = owners.get(owner_text, actor) if owner_text else actor
            if isinstance(owner, str):
                o.reject(owner)
            elif owner.pk != actor.pk and not may_assign:
                o.reject(_("Owner: registering customers for someone else needs the assign permission."))
            else:
                o.extra["owner"] = owner
            o.data = data
            progress(i)

    # --- decide: duplicates and existing customers, in bulk ---------------------------------------
    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        rows = [o for o in outcomes if o.ok]
        matches = dedupe_find_matches_bulk([o.data for o in rows], actor=actor)
        ids = {m.customer_id for ms in matches.values() for m in ms if m.customer_id and m.batch_row is None}
        editable = _editable(actor, Customer, ids)
        owners_ok = _owners_in_scope(actor, list({o.extra["owner"].pk: o.extra["owner"] for o in rows}.values()))
        updated_by_row: dict[int, int] = {}
        for index, o in enumerate(rows):
            o.data.pop("custom", None)  # decided again (recheck): the custom column follows the new decision
            found = matches.get(index, [])
            _same_as_other_rows(o, found, rows)
            if not o.ok:
                continue
            existing = sorted(
                (m for m in found if m.batch_row is None and m.customer_id), key=lambda m: KEY_ORDER.index(m.kind)
            )
            target = existing[0] if existing else None
            current = editable.get(target.customer_id) if target is not None else None
            if current is not None:
                _decide_update(o, target, existing, current, updated_by_row)
            else:
                _decide_create(o, existing, owners_ok, actor)
            custom_row_decide(actor=actor, target=CUSTOM_TARGET, outcome=o, current=current)

    # --- prepare and apply: bulk writes --------------------------------------------------------
    def prepare(self, *, actor: User, outcomes: list[RowOutcome]) -> None:

        for o in outcomes:
            if o.action == Action.CREATE:
                d = o.data
                o.extra["search_text"] = customer_search_text(d)
                o.extra["keys"] = customer_key_pairs(
                    kind=d.get("kind"), name=d.get("name"), credit_code=d.get("credit_code"), phone=d.get("phone"),
                    email=d.get("email"),
                )  # fmt: skip

    def recheck(self, *, actor: User, outcomes: list[RowOutcome], since: dt.datetime) -> None:
        """What changed since the decision, cheaply (the full check ran outside this transaction): a
        customer registered meanwhile with a blocking key refuses the row that would duplicate it; a
        customer to update that left the actor's reach is not updated."""

        blocking = {kind for kind, rule in dedupe_rules().items() if rule.action == BLOCK}
        fresh = list(Customer.objects.filter(created_at__gte=since).values_list("pk", flat=True))
        taken: set[tuple[str, str]] = set()
        for chunk in chunks(fresh, BATCH):
            taken.update(CustomerKey.objects.filter(customer_id__in=chunk).values_list("kind", "value"))
        for o in outcomes:
            if o.action == Action.CREATE and any(k in blocking and (k, v) in taken for k, v in o.extra["keys"]):
                o.reject(_("A customer with the same name or credit code was registered while this import ran."))
        updates = [o for o in outcomes if o.action in (Action.UPDATE, Action.UNCHANGED)]
        editable = _editable(actor, Customer, {o.target_id for o in updates})  # type: ignore[misc]
        for o in updates:
            if o.target_id not in editable:
                o.reject(_("This customer was deleted or handed to someone else while this import ran."))

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        creates = [o for o in outcomes if o.action == Action.CREATE]
        ids, pending = _insert_created(actor, creates, job)
        updated = _apply_updates(
            actor, Customer, [o for o in outcomes if o.action == Action.UPDATE], job, now, customer_search_text
        )
        if updated:
            customer_keys_rebuild(customer_ids=updated)
        for department, count in pending.items():
            _notify_reviewers(actor, department, count, job)
        return {"created": len(ids), "updated": len(updated)}

    def finish(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, committed: bool) -> None:
        """First registrant wins: each rejected row that matched another rep's customer is a registration
        conflict for the managers (recorded in its own transaction, so also when nothing was imported)."""

        recorded = 0
        for o in outcomes:
            for m in o.extra.get("conflicts", ()):
                if recorded >= MAX_CONFLICTS:
                    return
                attempted = {k: audit_value(v) for k, v in o.data.items()}
                if registration_conflict_record(
                    claimant_id=actor.pk,
                    customer_id=m.customer_id,
                    first_owner_id=m.owner_id,
                    matched_on=m.kind,
                    matched_value=m.value,
                    attempted=attempted,
                    entry_path="import",
                ):
                    recorded += 1
                break  # one conflict per row


def _same_as_other_rows(o: RowOutcome, found: list[Any], rows: list[RowOutcome]) -> None:
    """A row matching an earlier row of the same file: refused on a blocking key, else told."""
    for m in found:
        if m.batch_row is None:
            continue
        reason = _("Same %(key)s as row %(row)s of this file.") % {
            "key": str(CustomerKey.Kind(m.kind).label).lower(),
            "row": rows[m.batch_row].row,
        }
        if m.action == BLOCK:
            o.reject(reason)
        elif reason not in o.reasons:
            o.reasons.append(reason)


def _decide_update(
    o: RowOutcome, target: Any, existing: list[Any], current: Customer, updated_by_row: dict[int, int]
) -> None:
    """The row matches a customer the actor may edit: it updates that one (once per file), unless it also
    blocks on another customer."""
    others = [m for m in existing if m.action == BLOCK and m.customer_id != target.customer_id]
    if others:
        for m in others:
            o.reject(_("It also matches another customer: %(message)s") % {"message": m.message})
        return
    if target.customer_id in updated_by_row:
        o.reject(
            _("Row %(row)s of this file already updates this customer.") % {"row": updated_by_row[target.customer_id]}
        )
        return
    updated_by_row[target.customer_id] = o.row
    o.target_id = current.pk
    o.extra["changes"] = _diff(current, o.data)
    o.action = Action.UPDATE if o.extra["changes"] else Action.UNCHANGED
    o.reasons.append(
        _("Matches %(customer)s (%(key)s).")
        % {"customer": current.name, "key": str(CustomerKey.Kind(target.kind).label).lower()}
    )
    owner = o.extra.get("owner")
    if o.values.get("owner") and owner is not None and owner.pk != current.owner_id:
        o.reasons.append(_("The owner is not changed by an import; use Transfer."))


def _decide_create(o: RowOutcome, existing: list[Any], owners_ok: set[int], actor: User) -> None:
    """A new customer, unless a blocking match refuses it (a conflict when someone else registered it first) or
    its owner's customers would be outside the actor's view."""
    blocking = [m for m in existing if m.action == BLOCK]
    if blocking:
        for m in blocking:
            o.reject(m.message)
        if any(m.owner_id for m in blocking):
            o.reasons.append(_("First registrant wins: the customer stays with whoever registered it first."))
        o.extra["conflicts"] = [m for m in blocking if m.owner_id not in (None, actor.pk) and not m.collaborating]
        return
    for m in existing:
        if m.action == WARN and m.message not in o.reasons:
            o.reasons.append(m.message)
    if o.extra["owner"].pk not in owners_ok:
        o.reject(_("Owner: %(user)s's customers would be outside what you may see.") % {"user": o.extra["owner"]})
        return
    o.action = Action.CREATE


def _insert_created(actor: User, creates: list[RowOutcome], job: ImportJob) -> tuple[list[int], dict[Any, int]]:
    """Insert the new customers with their match keys and audit rows. A department that reviews new customers
    gets them pending unless the actor may approve. Returns the new ids and, per department, how many wait."""
    approve = has_permission(actor, "customers.approve")
    pending: dict[Any, int] = defaultdict(int)
    rows = []
    for o in creates:
        owner = o.extra["owner"]
        row = {
            **o.data,
            "owner_id": owner.pk,
            "department_id": owner.department_id,
            "created_by_id": actor.pk,
            "source": o.data.get("source") or Customer.Source.IMPORT,
            "search_text": o.extra.get("search_text") or customer_search_text(o.data),
            "name_sort": name_sort_key(o.data.get("name") or ""),
        }
        if owner.department_id and owner.department.requires_customer_review and not approve:
            row["review_status"] = Customer.Review.PENDING
            pending[owner.department] += 1
        rows.append(row)
    ids = insert_rows(Customer, rows)
    keys: list[dict[str, Any]] = []
    for o, pk, row in zip(creates, ids, rows, strict=True):
        o.target_id = pk
        pairs = o.extra.get("keys")
        if pairs is None:
            pairs = customer_key_pairs(
                kind=row.get("kind"), name=row.get("name"), credit_code=row.get("credit_code"),
                phone=row.get("phone"), email=row.get("email"),
            )  # fmt: skip
        keys.extend({"customer_id": pk, "contact_id": None, "kind": k, "value": v} for k, v in pairs)
    insert_rows(CustomerKey, keys)
    audit_bulk(
        actor=actor,
        action=AuditLog.Action.CREATE,
        model=Customer,
        message=Message(gettext_noop("Imported from %(file)s"), {"file": job.file_name}),
        items=(
            (
                pk,
                row["name"],
                created_changes({**o.data, "source": row["source"], "owner": str(o.extra["owner"])}),
                pk,
            )
            for o, pk, row in zip(creates, ids, rows, strict=True)
        ),
    )
    return ids, pending


def _notify_reviewers(actor: User, department: Any, count: int, job: ImportJob) -> None:
    for reviewer in customer_reviewers(department):
        notify(
            recipient=reviewer,
            kind="customer_review",
            url=reverse("customers:list"),
            title=Message(gettext_noop("%(count)s imported customers to review"), {"count": count}),
            body=Message(
                gettext_noop("%(user)s imported them from %(file)s; approve or reject them."),
                {"user": actor, "file": job.file_name},
            ),
        )
