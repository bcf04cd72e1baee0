"""Spreadsheet importers for customers and contacts (data migration), registered with the import engine.

Both work in bulk: rows are validated one by one in memory (the model fields' validation, the credit
code checksum, choices by code or label in either language, dates); the duplicate check
(dedupe.selectors.dedupe_find_matches_bulk) and every other look-up run as a few IN queries per
thousands of rows; the writes are bulk INSERTs (core.imports.bulk) of the records with precomputed
search text, of their duplicate keys, and of one audit row per record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.i18n import Message
from guanxi.core.imports.base import Action, Importer, ImportField, ProgressFn, RowOutcome
from guanxi.core.imports.bulk import audit_bulk, chunks, created_changes, insert_rows, update_rows
from guanxi.core.imports.values import ChoiceLookup, cell_text, parse_bool, parse_date
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.registry import registry
from guanxi.core.services import audit_value, notify
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset

from .models import Contact, Customer, CustomerKey
from .search_text import contact_search_text, customer_search_text
from .validators import credit_code_check_char

BATCH = 2000
KEY_ORDER = ("credit_code", "name", "phone", "email")  # which match decides the record a row updates
MAX_CONFLICTS = 20  # registration conflicts recorded per import (each notifies the managers)

LEVEL_ALIASES = {"重点": "A", "重要": "A", "A级": "A", "普通": "B", "一般": "B", "B级": "B", "潜在": "C", "C级": "C"}
STATUS_ALIASES = {
    "潜在客户": "potential", "跟进中": "following", "跟进": "following", "已成交": "won", "成交": "won",
    "成交客户": "won", "流失": "lost", "已流失": "lost", "休眠": "dormant", "沉睡": "dormant",
}  # fmt: skip
KIND_ALIASES = {"企业": "company", "公司": "company", "单位": "company", "企业客户": "company", "个人": "individual",
                "个人客户": "individual", "person": "individual"}  # fmt: skip
SIZE_ALIASES = {
    "20人以下": "micro", "少于20人": "micro", "1-19人": "micro", "20-99人": "small", "100-499人": "medium",
    "500-999人": "large", "1000人以上": "huge", "1000人及以上": "huge", "1000+": "huge",
}  # fmt: skip
SOURCE_ALIASES = {
    "电话": "phone", "来电": "phone", "电话来访": "phone", "官网": "website", "网站": "website", "网站注册": "website",
    "在线咨询": "consultation", "咨询": "consultation", "展会": "exhibition", "转介绍": "referral", "介绍": "referral",
    "推荐": "referral", "购买名单": "purchased", "名单": "purchased", "导入": "import", "其他": "other",
    "其它": "other",
}  # fmt: skip


def _example_credit_code() -> str:
    first17 = "91110108MA01ABCD1"  # only characters of CREDIT_CODE_CHARS
    return first17 + credit_code_check_char(first17)


def _name(raw: Any) -> str:
    return " ".join(cell_text(raw).split())


def _code(raw: Any) -> str:
    return "".join(cell_text(raw).split()).upper()


def _url(raw: Any) -> str:
    text = cell_text(raw)
    if text and "://" not in text:
        return "http://" + text  # "www.example.com" is how people write it; the URL field wants a scheme
    return text


def _validate(model: type[Any], data: dict[str, Any], labels: dict[str, str], outcome: RowOutcome) -> None:
    """The model fields' own validation (what full_clean runs per field: lengths, choices, e-mail, URL,
    the credit code checksum…) for the fields the row fills; the cleaned values replace the raw ones.

    Plain text within a field's maximum length is what field.clean would return unchanged, so it
    skips the call (100k rows × 15 fields); everything else, and every failure, goes through it.
    """
    fields = _MODEL_FIELDS.get(model)
    if fields is None:
        fields = _MODEL_FIELDS[model] = {f.name: (f, _plain_text_limit(f)) for f in model._meta.concrete_fields}
    for name, value in data.items():
        field, limit = fields[name]
        if limit is not None and type(value) is str and value and len(value) <= limit:
            continue
        try:
            data[name] = field.clean(value, None)
        except ValidationError as exc:
            for message in exc.messages:
                outcome.reject(f"{labels.get(name, name)}: {message}")


def _plain_text_limit(field: Any) -> int | None:
    """The maximum length of a text field whose only validation is that maximum, else None."""
    from django.core.validators import MaxLengthValidator
    from django.db import models

    if type(field) not in (models.CharField, models.TextField) or field.choices or not field.editable:
        return None
    if any(not isinstance(v, MaxLengthValidator) for v in field.validators):
        return None
    return field.max_length or 10**9


_MODEL_FIELDS: dict[type[Any], dict[str, Any]] = {}


def _diff(current: Any, data: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields a row would change on an existing record (empty cells change nothing)."""
    return {k: [getattr(current, k), v] for k, v in data.items() if getattr(current, k) != v}


def _resolve_users(actor: User, texts: set[str]) -> dict[str, User | str]:
    """Owner column values (user name or full name) → an active user the actor may hand records to,
    or the reason it is refused."""
    from .selectors import assignable_users

    found: dict[str, list[User]] = defaultdict(list)
    texts = {t for t in texts if t}
    for chunk in chunks(sorted(texts)):
        for user in assignable_users(user=actor).filter(Q(username__in=chunk) | Q(name__in=chunk)):
            for text in {user.username, user.name} & set(chunk):
                if user not in found[text]:
                    found[text].append(user)
    out: dict[str, User | str] = {}
    for text in texts:
        users = found.get(text, [])
        by_username = [u for u in users if u.username == text]
        if by_username:
            out[text] = by_username[0]
        elif len(users) == 1:
            out[text] = users[0]
        elif users:
            out[text] = _("Owner: several users are called %(name)s; use the user name.") % {"name": text}
        else:
            out[text] = _("Owner: no active user %(name)s.") % {"name": text}
    return out


def _owners_in_scope(actor: User, owners: list[User]) -> set[int]:
    """Owners whose new customers stay within the actor's view scope (customer_create's ensure_in_scope),
    found exactly by inserting one probe customer per owner in a savepoint that is rolled back."""
    others = {u.pk: u for u in owners if u.pk != actor.pk}
    ok = {actor.pk}
    if not others:
        return ok
    try:
        with transaction.atomic():
            probes = Customer.objects.bulk_create(
                [Customer(name="probe", owner=u, department_id=u.department_id) for u in others.values()]
            )
            qs = scope_queryset(actor, Customer.objects.filter(pk__in=[p.pk for p in probes]), "view")
            ok |= set(qs.values_list("owner_id", flat=True))
            transaction.set_rollback(True)
    except PermissionDeniedError:
        pass
    return ok


# --- customers -------------------------------------------------------------------------------
class CustomerImporter(Importer):
    kind = "customers"
    label = gettext_lazy("Customers")
    icon = "ti-users"
    permission = "customers.import"
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
    CHOICES = {
        "kind": (Customer.Kind.choices, KIND_ALIASES),
        "level": (Customer.Level.choices, LEVEL_ALIASES),
        "status": (Customer.Status.choices, STATUS_ALIASES),
        "size": (Customer.Size.choices, SIZE_ALIASES),
        "source": (Customer.Source.choices, SOURCE_ALIASES),
    }

    def field_hint(self, f: ImportField) -> str:
        if f.key in self.CHOICES:
            lookup = ChoiceLookup(*self.CHOICES[f.key])
            return _("One of: %(choices)s") % {"choices": lookup.labels()} + (f" {f.hint}" if f.hint else "")
        return str(f.hint)

    def _converters(self) -> dict[str, Any]:
        conv: dict[str, Any] = {k: ChoiceLookup(choices, aliases) for k, (choices, aliases) in self.CHOICES.items()}
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
        for i, o in enumerate(outcomes, start=1):
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                if key == "owner":
                    continue
                try:
                    value = converters.get(key, cell_text)(raw)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
                    continue
                if value not in ("", None):
                    data[key] = value
            o.label = data.get("name", "")
            if not data.get("name"):
                o.reject(_("%(field)s: this field is required.") % {"field": labels["name"]})
            _validate(Customer, data, labels, o)
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
        from .dedupe.selectors import BLOCK, WARN, dedupe_find_matches_bulk

        rows = [o for o in outcomes if o.ok]
        matches = dedupe_find_matches_bulk([o.data for o in rows], actor=actor)
        ids = {m.customer_id for ms in matches.values() for m in ms if m.customer_id and m.batch_row is None}
        editable = _editable(actor, Customer, ids)
        owners_ok = _owners_in_scope(actor, list({o.extra["owner"].pk: o.extra["owner"] for o in rows}.values()))
        updated_by_row: dict[int, int] = {}
        for index, o in enumerate(rows):
            found = matches.get(index, [])
            existing = [m for m in found if m.batch_row is None and m.customer_id]
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
            if not o.ok:
                continue
            existing.sort(key=lambda m: KEY_ORDER.index(m.kind))
            target = existing[0] if existing else None
            if target is not None and target.customer_id in editable:
                others = [m for m in existing if m.action == BLOCK and m.customer_id != target.customer_id]
                if others:
                    for m in others:
                        o.reject(_("It also matches another customer: %(message)s") % {"message": m.message})
                    continue
                if target.customer_id in updated_by_row:
                    o.reject(
                        _("Row %(row)s of this file already updates this customer.")
                        % {"row": updated_by_row[target.customer_id]}
                    )
                    continue
                updated_by_row[target.customer_id] = o.row
                current = editable[target.customer_id]
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
                continue
            blocking = [m for m in existing if m.action == BLOCK]
            if blocking:
                for m in blocking:
                    o.reject(m.message)
                if any(m.owner_id for m in blocking):
                    o.reasons.append(_("First registrant wins: the customer stays with whoever registered it first."))
                o.extra["conflicts"] = [
                    m for m in blocking if m.owner_id not in (None, actor.pk) and not m.collaborating
                ]
                continue
            for m in existing:
                if m.action == WARN and m.message not in o.reasons:
                    o.reasons.append(m.message)
            if o.extra["owner"].pk not in owners_ok:
                o.reject(
                    _("Owner: %(user)s's customers would be outside what you may see.") % {"user": o.extra["owner"]}
                )
                continue
            o.action = Action.CREATE

    # --- prepare and apply: bulk writes --------------------------------------------------------
    def prepare(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        from .dedupe.normalise import customer_key_pairs

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
        from .dedupe.selectors import BLOCK, dedupe_rules

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
        from .dedupe.normalise import customer_key_pairs
        from .dedupe.services import customer_keys_rebuild
        from .services import customer_reviewers

        creates = [o for o in outcomes if o.action == Action.CREATE]
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
        updated = _apply_updates(
            actor, Customer, [o for o in outcomes if o.action == Action.UPDATE], job, now, customer_search_text
        )
        if updated:
            customer_keys_rebuild(customer_ids=updated)
        for department, count in pending.items():
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
        return {"created": len(ids), "updated": len(updated)}

    def finish(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, committed: bool) -> None:
        """First registrant wins: each rejected row that matched another rep's customer is a registration
        conflict for the managers (recorded in its own transaction, so also when nothing was imported)."""
        from .dedupe.services import registration_conflict_record

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


def _editable(actor: User, model: type[Any], ids: set[int]) -> dict[int, Any]:
    """Of these records, the ones the actor may edit, loaded (one query per 2,000)."""
    found: dict[int, Any] = {}
    try:
        for chunk in chunks(sorted(ids), BATCH):
            found.update((r.pk, r) for r in scope_queryset(actor, model.objects.filter(pk__in=chunk), "edit"))
    except PermissionDeniedError:
        return {}
    return found


def _apply_updates(
    actor: User, model: type[Any], rows: list[RowOutcome], job: ImportJob, now: dt.datetime, search_text: Any
) -> list[int]:
    """Write the changes decided for existing records (re-read under lock): the fields, version + 1,
    the search text, and one audit row each."""
    if not rows:
        return []
    by_id = {o.target_id: o for o in rows}
    changes: list[tuple[int, dict[str, Any]]] = []
    audit: list[tuple[int, str, dict[str, Any], int | None]] = []
    for chunk in chunks(sorted(by_id), BATCH):  # type: ignore[type-var]
        for obj in model.objects.select_for_update(of=("self",)).filter(pk__in=chunk):
            diff = by_id[obj.pk].extra["changes"]
            for name, (_old, new) in diff.items():
                setattr(obj, name, new)
            values = {name: new for name, (_old, new) in diff.items()}
            changes.append((obj.pk, {**values, "updated_at": now, "search_text": search_text(obj)}))
            audit.append(
                (
                    obj.pk,
                    str(obj),
                    {k: [audit_value(old), audit_value(new)] for k, (old, new) in diff.items()},
                    obj.pk if model is Customer else obj.customer_id,
                )
            )
    update_rows(model, changes, bump_version=True)
    audit_bulk(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        model=model,
        message=Message(gettext_noop("Imported from %(file)s"), {"file": job.file_name}),
        items=audit,
    )
    return [pk for pk, _values in changes]


# --- contacts --------------------------------------------------------------------------------
class ContactImporter(Importer):
    """Contacts of existing customers, found by the customer's name or credit code within the
    customers the actor may add contacts to."""

    kind = "contacts"
    label = gettext_lazy("Contacts")
    icon = "ti-address-book"
    permission = "contacts.create"
    list_url_name = "customers:contact_list"
    fields = (
        ImportField(
            "customer", gettext_lazy("Customer"), example="北京华信科技有限公司",
            aliases=("客户名称", "所属客户", "客户", "公司名称", "公司", "单位", "Company", "Company name",
                     "Customer name", "Account"),
            hint=gettext_lazy("The customer's exact name, or give its credit code in the next column."),
        ),
        ImportField(
            "customer_credit_code", gettext_lazy("Customer's credit code"), example=_example_credit_code(),
            aliases=("统一社会信用代码", "社会信用代码", "信用代码", "Credit code", "Unified social credit code"),
        ),
        ImportField("name", gettext_lazy("Name"), required=True, example="王芳",
                    aliases=("姓名", "联系人", "联系人姓名", "Contact", "Contact name", "Full name")),
        ImportField("title", gettext_lazy("Title / role"), aliases=("职务", "职位", "岗位", "Title", "Position",
                                                                    "Job title", "Role"), example="采购经理"),
        ImportField("mobile", gettext_lazy("Mobile"), aliases=("手机", "手机号", "手机号码", "移动电话", "Cell",
                                                             "Mobile phone"), example="13812345678"),
        ImportField("phone", gettext_lazy("Phone"), aliases=("电话", "座机", "办公电话", "固话", "Tel", "Telephone",
                                                           "Office phone"), example="010-62881234"),
        ImportField("email", gettext_lazy("E-mail"), aliases=("邮箱", "电子邮件", "电子邮箱", "Email", "Mail"),
                    example="wangfang@example.com"),
        ImportField("wechat", gettext_lazy("WeChat"), aliases=("微信", "微信号", "Wechat ID")),
        ImportField("birthday", gettext_lazy("Birthday"), aliases=("生日", "出生日期", "Date of birth"),
                    hint=gettext_lazy("A date: yyyy-mm-dd, yyyy/m/d or an Excel date.")),
        ImportField("is_decision_maker", gettext_lazy("Decision maker"),
                    aliases=("决策人", "是否决策人", "关键决策人"), example="是",
                    hint=gettext_lazy("Yes or no (是/否, 1/0).")),
        ImportField("is_primary", gettext_lazy("Primary contact"), aliases=("首要联系人", "主要联系人", "主联系人"),
                    hint=gettext_lazy("Yes or no (是/否, 1/0).")),
        ImportField("remarks", gettext_lazy("Remarks"), aliases=("备注", "说明", "Notes", "Note", "Comments")),
    )  # fmt: skip

    def parse(self, *, actor: User, outcomes: list[RowOutcome], progress: ProgressFn) -> None:
        labels = {f.key: str(f.label) for f in self.fields}
        converters: dict[str, Any] = {
            "customer": _name, "customer_credit_code": _code, "name": _name, "birthday": parse_date,
            "is_decision_maker": parse_bool, "is_primary": parse_bool,
        }  # fmt: skip
        for i, o in enumerate(outcomes, start=1):
            data: dict[str, Any] = {}
            for key, raw in o.values.items():
                try:
                    value = converters.get(key, cell_text)(raw)
                except ValueError as exc:
                    o.reject(f"{labels[key]}: {exc}")
                    continue
                if value not in ("", None):
                    data[key] = value
            o.label = data.get("name", "")
            if not data.get("name"):
                o.reject(_("%(field)s: this field is required.") % {"field": labels["name"]})
            if not data.get("customer") and not data.get("customer_credit_code"):
                o.reject(_("Give the customer's name or credit code."))
            o.extra["customer_name"] = data.pop("customer", "")
            o.extra["customer_code"] = data.pop("customer_credit_code", "")
            _validate(Contact, data, labels, o)
            o.data = data
            progress(i)

    def decide(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        from .dedupe.normalise import phone_key
        from .dedupe.selectors import BLOCK, dedupe_find_matches_bulk

        rows = [o for o in outcomes if o.ok]
        customers = _customers_for_contacts(actor, rows)
        for o in rows:
            found = customers.get((o.extra["customer_code"], o.extra["customer_name"]))
            if isinstance(found, str):
                o.reject(found)
            else:
                o.extra["customer_id"] = found
        rows = [o for o in rows if o.ok]
        existing = _existing_contacts(actor, {o.extra["customer_id"] for o in rows})
        matches = dedupe_find_matches_bulk(
            [{"contacts": [{k: o.data.get(k, "") for k in ("mobile", "phone", "email")}]} for o in rows], actor=actor
        )
        seen: dict[tuple[int, str], int] = {}
        for index, o in enumerate(rows):
            cid = o.extra["customer_id"]
            mobile = phone_key(o.data.get("mobile", ""))
            identity = (cid, f"m:{mobile}" if mobile else f"n:{o.data['name']}")
            if identity in seen:
                o.reject(_("Row %(row)s of this file is the same contact.") % {"row": seen[identity]})
                continue
            seen[identity] = o.row
            for m in matches.get(index, []):
                if m.batch_row is not None or m.customer_id == cid:
                    continue  # a shared switchboard within the file, or the customer's own number
                if m.action == BLOCK:
                    o.reject(m.message)
                elif m.message not in o.reasons:
                    o.reasons.append(m.message)
            if not o.ok:
                continue
            current = existing.get(identity)
            if current is None:
                o.action = Action.CREATE
            elif current == "locked":
                o.reject(_("This contact already exists and you may not edit it."))
            else:
                o.target_id = current.pk
                o.extra["changes"] = _diff(current, o.data)
                o.action = Action.UPDATE if o.extra["changes"] else Action.UNCHANGED

    def prepare(self, *, actor: User, outcomes: list[RowOutcome]) -> None:
        for o in outcomes:
            if o.ok:
                o.extra["search_text"] = contact_search_text(o.data)

    def apply(self, *, actor: User, outcomes: list[RowOutcome], job: ImportJob, now: dt.datetime) -> dict[str, int]:
        from .dedupe.services import customer_keys_rebuild

        creates = [o for o in outcomes if o.action == Action.CREATE]
        rows = [
            {
                **o.data,
                "customer_id": o.extra["customer_id"],
                "search_text": o.extra.get("search_text") or contact_search_text(o.data),
            }
            for o in creates
        ]
        ids = insert_rows(Contact, rows)
        for o, pk in zip(creates, ids, strict=True):
            o.target_id = pk
        audit_bulk(
            actor=actor,
            action=AuditLog.Action.CREATE,
            model=Contact,
            message=Message(gettext_noop("Imported from %(file)s"), {"file": job.file_name}),
            items=(
                (pk, row["name"], created_changes(o.data), row["customer_id"])
                for o, pk, row in zip(creates, ids, rows, strict=True)
            ),
        )
        updates = [o for o in outcomes if o.action == Action.UPDATE]
        updated = _apply_updates(actor, Contact, updates, job, now, contact_search_text)
        # One primary contact per customer: the last row marked primary wins.
        primary: dict[int, int] = {}
        for o in creates + updates:
            if o.data.get("is_primary"):
                primary[o.extra["customer_id"]] = o.target_id  # type: ignore[assignment]
        for chunk in chunks(sorted(primary), BATCH):
            Contact.objects.filter(customer_id__in=chunk, is_primary=True).exclude(
                pk__in=[primary[c] for c in chunk]
            ).update(is_primary=False)
        customer_keys_rebuild(customer_ids={o.extra["customer_id"] for o in creates + updates})
        return {"created": len(ids), "updated": len(updated)}


def _customers_for_contacts(actor: User, rows: list[RowOutcome]) -> dict[tuple[str, str], int | str]:
    """(credit code, name) of each row → the customer id, or why there is none. Only customers the actor
    may add contacts to count (contacts.create scope); a name shared by several needs the credit code."""
    try:
        scoped = scope_queryset(actor, Customer.objects.all(), "create", module="contacts")
    except PermissionDeniedError:
        scoped = Customer.objects.none()
    codes = sorted({o.extra["customer_code"] for o in rows if o.extra["customer_code"]})
    names = sorted(
        {o.extra["customer_name"] for o in rows if o.extra["customer_name"] and not o.extra["customer_code"]}
    )
    by_code: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    for chunk in chunks(codes, BATCH):
        for code, pk in scoped.filter(credit_code__in=chunk).values_list("credit_code", "pk"):
            by_code[code].append(pk)
    for chunk in chunks(names, BATCH):
        for name, pk in scoped.filter(name__in=chunk).values_list("name", "pk"):
            by_name[name].append(pk)
    out: dict[tuple[str, str], int | str] = {}
    for o in rows:
        key = (o.extra["customer_code"], o.extra["customer_name"])
        if key in out:
            continue
        ids = by_code.get(key[0], []) if key[0] else by_name.get(key[1], [])
        if len(ids) == 1:
            out[key] = ids[0]
        elif ids:
            out[key] = _("Several customers are called %(name)s; add the credit code column.") % {"name": key[1]}
        else:
            out[key] = _("Customer %(name)s was not found among the customers you may add contacts to.") % {
                "name": key[0] or key[1]
            }
    return out


def _existing_contacts(actor: User, customer_ids: set[int]) -> dict[tuple[int, str], Any]:
    """Live contacts of these customers by (customer, mobile key) and (customer, name): the contact object
    when the actor may edit it, else "locked"."""
    from .dedupe.normalise import phone_key

    contacts: list[Contact] = []
    for chunk in chunks(sorted(customer_ids), BATCH):
        contacts.extend(Contact.objects.filter(customer_id__in=chunk))
    editable = _editable(actor, Contact, {c.pk for c in contacts})
    out: dict[tuple[int, str], Any] = {}
    for c in contacts:
        value = editable.get(c.pk, "locked")
        mobile = phone_key(c.mobile)
        if mobile:
            out.setdefault((c.customer_id, f"m:{mobile}"), value)
        out.setdefault((c.customer_id, f"n:{c.name}"), value)
    return out


registry.add_importer(CustomerImporter())
registry.add_importer(ContactImporter())
