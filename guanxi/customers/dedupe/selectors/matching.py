"""Reads for duplicate protection (查重): the rules and "would this be a duplicate?", for one entry (the form,
the API, a field as it is typed) and in bulk (imports).

Matches against customers the reader may not see never reveal them: such a match says "already
registered by another rep" with no name, owner or id (see Match.visible).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.org.models import User
from guanxi.org.policies import require_permission, scope_queryset

from ...models import Customer, CustomerKey, DedupeRule
from ..normalise import (
    customer_key_pairs,
    email_key,
    fuzzy_prefixes,
    name_similarity,
    phone_keys,
)

BLOCK = DedupeRule.Action.BLOCK
WARN = DedupeRule.Action.WARN
OFF = DedupeRule.Action.OFF
# The requirement documents' defaults: a credit code or a company name identifies a customer (block);
# a shared phone or e-mail may be a group's switchboard or a shared mailbox (warn).
DEFAULT_RULES = {"credit_code": BLOCK, "name": BLOCK, "phone": WARN, "email": WARN}
DEFAULT_SIMILARITY = 90
# The customer form/API field each key comes from.
FIELD_OF_KIND = {"name": "name", "credit_code": "credit_code", "phone": "phone", "email": "email"}
CHECK_FIELDS = ("name", "credit_code", "phone", "email")
# Fuzzy check: at most this many candidate names per prefix, and this many results.
FUZZY_CANDIDATES = 200
FUZZY_RESULTS = 5
BULK_CHUNK = 5000


# --- results ---------------------------------------------------------------------------------
@dataclass
class Match:
    """One existing customer (or earlier import row) that an entered value matches."""

    kind: str  # name / credit_code / phone / email
    field: str  # the form or API field the entered value came from
    value: str  # the normalised key
    action: str  # block / warn
    customer_id: int | None = None
    customer_name: str = ""
    owner_id: int | None = None
    owner_name: str = ""
    visible: bool = False  # the reader may see this customer: name and owner may be shown
    in_pool: bool = False
    collaborating: bool = False  # the reader already works on it as a collaborator
    similarity: int | None = None  # set for fuzzy "possible duplicates"
    batch_row: int | None = None  # bulk check: an earlier row of the same batch
    message: str = ""

    @property
    def fuzzy(self) -> bool:
        return self.similarity is not None

    @property
    def blocks(self) -> bool:
        return self.action == BLOCK

    def public(self) -> dict[str, Any]:
        """What the reader may be told: identities only of customers they may see (or pool ones)."""
        shown = self.visible or self.in_pool
        return {
            "kind": self.kind,
            "field": self.field,
            "value": self.value,
            "action": self.action,
            "customer_id": self.customer_id if shown else None,
            "customer_name": self.customer_name if shown else None,
            "owner_name": (self.owner_name or None) if self.visible else None,
            "in_pool": self.in_pool,
            "visible": self.visible,
            "similarity": self.similarity,
            "batch_row": self.batch_row,
            "message": self.message,
        }


@dataclass
class DedupeResult:
    matches: list[Match] = field(default_factory=list)

    @property
    def blocks(self) -> list[Match]:
        return [m for m in self.matches if m.action == BLOCK]

    @property
    def warnings(self) -> list[Match]:
        return [m for m in self.matches if m.action == WARN]

    @property
    def exact(self) -> list[Match]:
        return [m for m in self.matches if not m.fuzzy]

    @property
    def possible(self) -> list[Match]:
        return [m for m in self.matches if m.fuzzy]

    def field_errors(self, matches: Iterable[Match]) -> dict[str, list[str]]:
        fields: dict[str, list[str]] = {}
        for m in matches:
            msgs = fields.setdefault(m.field, [])
            if m.message not in msgs:
                msgs.append(m.message)
        return fields

    def __bool__(self) -> bool:
        return bool(self.matches)


# --- rules -----------------------------------------------------------------------------------
def dedupe_rules() -> dict[str, DedupeRule]:
    """The rule per key kind; the defaults are created the first time they are needed."""
    rules = {r.kind: r for r in DedupeRule.objects.all()}
    missing = [kind for kind in DEFAULT_RULES if kind not in rules]
    if missing:
        DedupeRule.objects.bulk_create(
            [DedupeRule(kind=k, action=DEFAULT_RULES[k], similarity=DEFAULT_SIMILARITY) for k in missing],
            ignore_conflicts=True,
        )
        rules = {r.kind: r for r in DedupeRule.objects.all()}
    return rules


def dedupe_rule_list(*, user: User) -> list[DedupeRule]:
    require_permission(user, "customers.view")
    rules = dedupe_rules()
    return [rules[k] for k in DEFAULT_RULES]


# --- messages --------------------------------------------------------------------------------
def _kind_label(kind: str) -> str:
    return str(CustomerKey.Kind(kind).label)


def _message(m: Match, actor: User | None) -> str:
    key = _kind_label(m.kind)
    if m.batch_row is not None:
        return _("Same %(key)s as row %(row)s of this batch.") % {"key": key.lower(), "row": m.batch_row + 1}
    if m.fuzzy:
        if m.visible or m.in_pool:
            return _("Possibly the same company as %(customer)s (%(score)s%% alike).") % {
                "customer": m.customer_name,
                "score": m.similarity,
            }
        return _("Possibly the same company as a customer of another rep (%(score)s%% alike).") % {
            "score": m.similarity
        }
    if m.in_pool:
        return _("%(key)s matches %(customer)s in the public pool; claim it there instead.") % {
            "key": key,
            "customer": m.customer_name,
        }
    if not m.visible:
        return _("%(key)s matches a customer already registered by another rep.") % {"key": key}
    if actor is not None and m.owner_id == actor.pk:
        return _("%(key)s matches your customer %(customer)s.") % {"key": key, "customer": m.customer_name}
    if m.owner_id:
        return _("%(key)s matches %(customer)s, owned by %(owner)s.") % {
            "key": key,
            "customer": m.customer_name,
            "owner": m.owner_name,
        }
    return _("%(key)s matches %(customer)s.") % {"key": key, "customer": m.customer_name}


# --- "would this be a duplicate?" ------------------------------------------------------------
@dataclass(frozen=True)
class _Probe:
    kind: str
    value: str
    field: str


def _probes(data: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]]) -> list[_Probe]:
    probes = [
        _Probe(kind, value, FIELD_OF_KIND[kind])
        for kind, value in customer_key_pairs(
            kind=data.get("kind"),
            name=_text(data.get("name")),
            credit_code=_text(data.get("credit_code")),
            phone=_text(data.get("phone")),
            email=_text(data.get("email")),
        )
    ]
    for i, contact in enumerate(contacts):
        for attr in ("mobile", "phone"):
            probes += [_Probe("phone", k, f"contacts.{i}.{attr}") for k in phone_keys(_text(contact.get(attr)))]
        mail = email_key(_text(contact.get("email")))
        if mail:
            probes.append(_Probe("email", mail, f"contacts.{i}.email"))
    return list(dict.fromkeys(probes))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _owner_name(first: str, last: str, name: str, username: str) -> str:
    # str(User): the full name, else first + last, else the user name.
    return name or f"{first} {last}".strip() or username


_CUSTOMER_COLUMNS = (
    "customer_id",
    "customer__name",
    "customer__owner_id",
    "customer__owner__name",
    "customer__owner__first_name",
    "customer__owner__last_name",
    "customer__owner__username",
    "customer__pool_entered_at",
)


def _visible_ids(actor: User | None, ids: Iterable[int]) -> set[int]:
    """Which of these customers the actor may see (all of them for the system, actor None)."""
    ids = list(ids)
    if actor is None:
        return set(ids)
    found: set[int] = set()
    try:
        for start in range(0, len(ids), BULK_CHUNK):
            chunk = ids[start : start + BULK_CHUNK]
            found |= set(
                scope_queryset(actor, Customer.objects.filter(pk__in=chunk), "view").values_list("pk", flat=True)
            )
    except PermissionDeniedError:
        return set()
    return found


def _collaborating_ids(actor: User | None, ids: Iterable[int]) -> set[int]:
    """Which of these customers the actor already works on as a collaborator."""
    ids = list(ids)
    if actor is None or not ids:
        return set()
    through = Customer.collaborators.through
    found: set[int] = set()
    for start in range(0, len(ids), BULK_CHUNK):
        chunk = ids[start : start + BULK_CHUNK]
        found |= set(
            through.objects.filter(user_id=actor.pk, customer_id__in=chunk).values_list("customer_id", flat=True)
        )
    return found


def _pool_visible(actor: User | None) -> bool:
    # Pool customers are public inside the company; partners' users see only their own organisation.
    return actor is None or not actor.partner_org_id or actor.is_superuser


def _match_from_row(
    probe: _Probe, row: tuple[Any, ...], action: str, actor: User | None, visible: set[int], collab: set[int]
) -> Match:
    cid, cname, owner_id, oname, ofirst, olast, ouser, pool_at = row
    in_pool = owner_id is None and pool_at is not None and _pool_visible(actor)
    m = Match(
        kind=probe.kind,
        field=probe.field,
        value=probe.value,
        action=action,
        customer_id=cid,
        customer_name=cname,
        owner_id=owner_id,
        owner_name=_owner_name(ofirst or "", olast or "", oname or "", ouser or "") if owner_id else "",
        visible=cid in visible,
        in_pool=in_pool,
        collaborating=cid in collab,
    )
    m.message = _message(m, actor)
    return m


def dedupe_check(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    contacts: Iterable[Mapping[str, Any]] = (),
    exclude_customer_id: int | None = None,
    fuzzy: bool = True,
) -> DedupeResult:
    """Exact key matches of the entered customer (and its contacts) against live customers — pool
    customers included, deleted ones not — each with its rule's action, plus fuzzy "possible
    duplicates" by name (warn only). A handful of queries whatever the data size."""
    rules = dedupe_rules()
    active = {kind for kind, rule in rules.items() if rule.action != OFF}
    probes = [p for p in _probes(data, contacts) if p.kind in active]
    if not probes:
        return DedupeResult()
    by_kind: dict[str, set[str]] = defaultdict(set)
    for p in probes:
        by_kind[p.kind].add(p.value)
    q = Q(pk__in=[])
    for kind, values in by_kind.items():
        q |= Q(kind=kind, value__in=sorted(values))
    keys = CustomerKey.objects.filter(q, customer__deleted_at__isnull=True)
    if exclude_customer_id is not None:
        keys = keys.exclude(customer_id=exclude_customer_id)
    rows: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for kind, value, *cols in keys.values_list("kind", "value", *_CUSTOMER_COLUMNS).distinct():
        rows[(kind, value)].append(tuple(cols))
    exact_ids = {cols[0] for found in rows.values() for cols in found}

    name_probe = next((p for p in probes if p.kind == "name"), None)
    candidates: list[tuple[int, tuple[Any, ...]]] = []
    if fuzzy and name_probe is not None:
        candidates = _fuzzy_candidates(name_probe.value, rules["name"], exact_ids, exclude_customer_id)

    ids = exact_ids | {cols[0] for _score, cols in candidates}
    visible = _visible_ids(actor, ids)
    collab = _collaborating_ids(actor, ids)
    matches: list[Match] = []
    seen: set[tuple[str, str, int]] = set()
    for p in probes:
        for cols in rows.get((p.kind, p.value), []):
            if (p.kind, p.field, cols[0]) in seen:
                continue
            seen.add((p.kind, p.field, cols[0]))
            matches.append(_match_from_row(p, cols, rules[p.kind].action, actor, visible, collab))
    for score, cols in candidates:
        m = _match_from_row(name_probe, cols, WARN, actor, visible, collab)  # type: ignore[arg-type]
        m.similarity = score
        m.message = _message(m, actor)
        matches.append(m)
    matches.sort(key=lambda m: (m.action != BLOCK, m.fuzzy, list(FIELD_OF_KIND).index(m.kind)))
    return DedupeResult(matches=matches)


def _fuzzy_candidates(
    key: str, rule: DedupeRule, exclude_ids: set[int], exclude_customer_id: int | None
) -> list[tuple[int, tuple[Any, ...]]]:
    """Names alike enough to the entered one: candidates share a prefix (an index range scan), then
    rapidfuzz scores them. Returns [(score, customer columns)], best first, one per customer."""
    best: dict[int, tuple[int, tuple[Any, ...]]] = {}
    threshold = max(1, min(100, rule.similarity or DEFAULT_SIMILARITY))
    for prefix in fuzzy_prefixes(key):
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        qs = (
            CustomerKey.objects.filter(
                kind="name", value__gte=prefix, value__lt=upper, customer__deleted_at__isnull=True
            )
            .exclude(value=key)
            .exclude(customer_id__in=exclude_ids)
        )
        if exclude_customer_id is not None:
            qs = qs.exclude(customer_id=exclude_customer_id)
        for value, *cols in qs.order_by("value").values_list("value", *_CUSTOMER_COLUMNS)[:FUZZY_CANDIDATES]:
            score = name_similarity(key, value)
            if score >= threshold and score > best.get(cols[0], (-1,))[0]:
                best[cols[0]] = (score, tuple(cols))
    return sorted(best.values(), key=lambda item: (-item[0], item[1][1]))[:FUZZY_RESULTS]


def dedupe_check_field(
    *, user: User, field: str, value: str, kind: str = "company", exclude_customer_id: Any = None
) -> DedupeResult:
    """The as-you-type check of one customer form field (name, credit_code, phone or email)."""
    require_entry_right(user)
    if field not in CHECK_FIELDS:
        raise ValidationFailed(_("Unknown field."), fields={"field": [_("Choose name, credit_code, phone or email.")]})
    exclude = int(exclude_customer_id) if str(exclude_customer_id or "").isdigit() else None
    data = {"kind": kind if kind in Customer.Kind.values else "company", field: (value or "")[:300]}
    return dedupe_check(actor=user, data=data, exclude_customer_id=exclude)


def require_entry_right(user: User) -> None:
    """Checking for duplicates is part of entering a customer: 403 for a user who may neither create nor edit
    one (the answer says whether a customer exists, even one out of the user's reach)."""
    if not _can_enter(user):
        require_permission(user, "customers.create")


def _can_enter(user: User) -> bool:
    from guanxi.org.policies import has_permission

    return has_permission(user, "customers.create") or has_permission(user, "customers.edit")


# --- the bulk check (imports) ----------------------------------------------------------------
def dedupe_find_matches_bulk(
    rows: Sequence[Mapping[str, Any]], *, actor: User | None = None, chunk_size: int = BULK_CHUNK
) -> dict[int, list[Match]]:
    """Exact key matches for many rows at once: {row index: [Match]} for rows with a match.

    Each row is a mapping of customer fields (kind, name, credit_code, phone, email) and optionally
    "contacts": [{mobile, phone, email}]. Rows are checked against live customers with one IN query
    per key kind and chunk of `chunk_size` values, and against earlier rows of the same batch
    (Match.batch_row). With an actor, customers they may not see are reported without identity; with
    actor None (the system) everything is visible. No fuzzy matching here: it is per-row work.
    """
    rules = dedupe_rules()
    active = {kind for kind, rule in rules.items() if rule.action != OFF}
    row_probes: list[list[_Probe]] = []
    first_row: dict[tuple[str, str], int] = {}
    by_kind: dict[str, set[str]] = defaultdict(set)
    result: dict[int, list[Match]] = defaultdict(list)
    for index, row in enumerate(rows):
        probes = [p for p in _probes(row, row.get("contacts") or ()) if p.kind in active]
        row_probes.append(probes)
        for p in probes:
            by_kind[p.kind].add(p.value)
            earlier = first_row.setdefault((p.kind, p.value), index)
            if earlier != index:
                m = Match(kind=p.kind, field=p.field, value=p.value, action=rules[p.kind].action, batch_row=earlier)
                m.message = _message(m, actor)
                result[index].append(m)

    found: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for kind, values in by_kind.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), chunk_size):
            chunk = ordered[start : start + chunk_size]
            qs = CustomerKey.objects.filter(kind=kind, value__in=chunk, customer__deleted_at__isnull=True)
            for value, *cols in qs.values_list("value", *_CUSTOMER_COLUMNS).distinct():
                found[(kind, value)].append(tuple(cols))
    ids = {cols[0] for hits in found.values() for cols in hits}
    visible = _visible_ids(actor, ids)
    collab = _collaborating_ids(actor, ids)
    for index, probes in enumerate(row_probes):
        seen: set[tuple[str, int]] = set()
        for p in probes:
            for cols in found.get((p.kind, p.value), ()):
                if (p.kind, cols[0]) in seen:
                    continue
                seen.add((p.kind, cols[0]))
                result[index].append(_match_from_row(p, cols, rules[p.kind].action, actor, visible, collab))
    return {i: sorted(ms, key=lambda m: m.action != BLOCK) for i, ms in result.items() if ms}
