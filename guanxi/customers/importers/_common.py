"""What the customer and contact importers share: the choice aliases people write in spreadsheets, cell
cleaning, the model fields' validation per row, owners, and the bulk update of existing records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.i18n import Message
from guanxi.core.imports.base import RowOutcome
from guanxi.core.imports.bulk import audit_bulk, chunks, update_rows
from guanxi.core.imports.custom import PREFIX as CUSTOM_PREFIX
from guanxi.core.imports.values import cell_text
from guanxi.core.models import AuditLog, ImportJob
from guanxi.core.search import name_sort_key
from guanxi.core.services import audit_value, custom_changes
from guanxi.org.models import User
from guanxi.org.policies import scope_queryset

from ..models import Customer
from ..selectors import assignable_users
from ..validators import credit_code_check_char

BATCH = 2000

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


def _named_row(o: RowOutcome, converters: dict[str, Any], labels: dict[str, str], *, skip: str = "") -> dict[str, Any]:
    """The row's cells converted (a cell that does not convert rejects the row with the reason), empty ones left
    out; the name is the row's label and is required."""
    data: dict[str, Any] = {}
    for key, raw in o.values.items():
        if key == skip or key.startswith(CUSTOM_PREFIX):  # custom cells: core.imports.custom
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
    return data


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
            indexed = {"search_text": search_text(obj), "name_sort": name_sort_key(obj.name)}
            changes.append((obj.pk, {**values, "updated_at": now, **indexed}))
            audit.append(
                (
                    obj.pk,
                    str(obj),
                    {k: [audit_value(old), audit_value(new)] for k, (old, new) in diff.items() if k != "custom"}
                    | custom_changes(*diff.get("custom", (None, None))),
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
