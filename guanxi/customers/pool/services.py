"""Every write of the public pool (公海): the reclaim job with its warnings, returning, claiming and assigning
customers, and the pool rules. Permission-checked, transactional, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from guanxi.core.errors import (
    ApplicationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, full_clean_or_raise, model_update, notify, snapshot
from guanxi.org.models import Department, User
from guanxi.org.policies import get_scoped_or_404, has_permission, require_permission, scope_queryset

from ..models import Customer, PoolEvent, PoolRule
from . import policies
from .policies import PoolErrorCode, RuleBook

NAMES_IN_SUMMARY = 5  # a notification lists this many customer names, then "and N more"
REASON_MAX = 300


@dataclass
class PoolActionResult:
    """What a bulk pool action did: ids done, and (id, reason) for each one skipped."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(reason for _pk, reason in self.skipped))


# --- rules -----------------------------------------------------------------------------------
def pool_rules_ensure_default() -> PoolRule:
    """The company-wide rule, created with the requirement documents' defaults (30/60/60) if missing."""
    rule = policies.company_rule_pick(PoolRule.objects.filter(department__isnull=True))
    if rule is not None:
        return rule
    try:
        with transaction.atomic():
            return PoolRule.objects.create(name=_("Company-wide rule"), department=None, **policies.DEFAULTS)
    except IntegrityError:  # a concurrent worker created it first
        rule = policies.company_rule_pick(PoolRule.objects.filter(department__isnull=True))
        assert rule is not None
        return rule


def pool_rulebook() -> RuleBook:
    """All rules and the departments each governs (the company-wide rule is created on first use)."""
    company = pool_rules_ensure_default()
    return policies.rulebook_build(rules=PoolRule.objects.select_related("department"), company=company)


RULE_FIELDS = {
    "name",
    "is_active",
    "first_warning_days",
    "second_warning_days",
    "reclaim_days",
    "levels",
    "statuses",
    "reclaim_with_open_opportunity",
    "reclaim_with_active_contract",
    "daily_claim_cap",
    "reclaim_cooldown_days",
}


def _rule_check(data: dict[str, Any]) -> None:
    """Cross-field checks: the second warning and the reclaim come no earlier than the first warning."""
    errors: dict[str, list[str]] = {}
    first, second, reclaim = data.get("first_warning_days"), data.get("second_warning_days"), data.get("reclaim_days")
    if isinstance(first, int) and isinstance(second, int) and second < first:
        errors["second_warning_days"] = [
            _("The second warning cannot come before the first (%(days)s days).") % {"days": first}
        ]
    if isinstance(first, int) and isinstance(reclaim, int) and reclaim < first:
        errors["reclaim_days"] = [
            _("The return to the pool cannot come before the first warning (%(days)s days).") % {"days": first}
        ]
    for name in (
        "first_warning_days",
        "second_warning_days",
        "reclaim_days",
        "reclaim_cooldown_days",
        "daily_claim_cap",
    ):
        value = data.get(name)
        limit = policies.CLAIM_CAP_MAX if name == "daily_claim_cap" else policies.DAYS_MAX
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit):
            errors[name] = [_("Enter a whole number from 0 to %(max)s.") % {"max": limit}]
    if isinstance(first, int) and first < 1:
        errors["first_warning_days"] = [
            _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": 1}
        ]
    for name, choices in (("levels", Customer.Level.values), ("statuses", Customer.Status.values)):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, list | tuple) or any(v not in choices for v in value):
            errors[name] = [_("Choose from: %(choices)s.") % {"choices": ", ".join(choices)}]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)


def pool_rule_save(
    *, actor: User, data: dict[str, Any], rule: PoolRule | None = None, department: Department | None = None
) -> PoolRule:
    """Create or edit a pool rule. A new rule is for `department`, or the company-wide one if that is missing.

    Needs org.admin, or customers.assign with the ALL data scope.
    """
    if not policies.can_manage_rules(actor):
        raise PermissionDeniedError(_("Only administrators may change the public-pool rules."))
    unknown = set(data) - RULE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            fields={k: [_("This field cannot be set here.")] for k in sorted(unknown)},
        )
    data = dict(data)
    if "name" in data:
        data["name"] = " ".join(str(data["name"] or "").split())
    for name in ("levels", "statuses"):
        if name in data and data[name] is not None:
            data[name] = list(dict.fromkeys(data[name])) if isinstance(data[name], list | tuple) else data[name]
    with transaction.atomic():
        if rule is None:
            if department is None and PoolRule.objects.filter(department__isnull=True).exists():
                raise ValidationFailed(
                    _("There is already a company-wide rule; edit it instead."),
                    fields={"department": [_("There is already a company-wide rule; edit it instead.")]},
                )
            if department is not None and PoolRule.objects.filter(department=department).exists():
                raise ValidationFailed(
                    _("%(department)s already has a rule; edit it instead.") % {"department": department},
                    fields={"department": [_("This department already has a rule.")]},
                )
            merged = {**policies.DEFAULTS, "name": str(department or _("Company-wide rule")), **data}
            _rule_check(merged)
            rule = PoolRule(department=department, **merged)
            full_clean_or_raise(rule)
            rule.save(force_insert=True)
            audit_record(
                actor=actor,
                action=AuditLog.Action.CREATE,
                obj=rule,
                changes={k: [None, v] for k, v in snapshot(rule).items()},
            )
            return rule
        rule = PoolRule.objects.select_for_update(of=("self",)).get(pk=rule.pk)
        current = {name: getattr(rule, name) for name in RULE_FIELDS}
        _rule_check({**current, **data})
        rule, _changes = model_update(instance=rule, data=data, actor=actor)
    return rule


def pool_rule_delete(*, actor: User, rule: PoolRule) -> None:
    """Remove a department's rule: its departments fall back to the parent's rule (the company-wide one stays)."""
    if not policies.can_manage_rules(actor):
        raise PermissionDeniedError(_("Only administrators may change the public-pool rules."))
    if rule.department_id is None:
        raise InvalidStateError(_("The company-wide rule cannot be deleted; switch it off instead."))
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditLog.Action.DELETE, obj=rule, changes={"department": [str(rule.department), None]}
        )
        PoolRule.objects.filter(pk=rule.pk).delete()


# --- the reclaim job -------------------------------------------------------------------------
def _owner_summaries(qs: QuerySet[Customer], owner_field: str) -> dict[int, dict[str, Any]]:
    """{owner id: {"count": n, "names": [first few names]}} for a set of customers, in two queries."""
    out: dict[int, dict[str, Any]] = {}
    for owner_id, n in qs.order_by().values_list(owner_field).annotate(n=Count("id")).values_list(owner_field, "n"):
        if owner_id is not None:
            out[owner_id] = {"count": n, "names": []}
    if not out:
        return out
    ranked = qs.annotate(
        rank=Window(RowNumber(), partition_by=[F(owner_field)], order_by=[F("name").asc(), F("id").asc()])
    ).filter(rank__lte=NAMES_IN_SUMMARY)
    for owner_id, name in ranked.values_list(owner_field, "name"):
        if owner_id in out:
            out[owner_id]["names"].append(name)
    return out


def _merge(into: dict[int, dict[str, Any]], more: dict[int, dict[str, Any]], days: int) -> None:
    for owner_id, s in more.items():
        have = into.setdefault(owner_id, {"count": 0, "names": [], "days": days})
        have["count"] += s["count"]
        have["names"] = (have["names"] + s["names"])[:NAMES_IN_SUMMARY]
        have["days"] = min(have["days"], days)


def _name_list(summary: dict[str, Any]) -> str:
    names = "、".join(summary["names"]) if translation.get_language() == "zh-hans" else ", ".join(summary["names"])
    more = summary["count"] - len(summary["names"])
    if more > 0:
        names += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
    return names


def _sql_json_owner_change(vendor: str) -> str:
    """SQL building the audit `changes` {"owner": [old owner's name, null]} (set-based, per database)."""
    who = "COALESCE(NULLIF(u.name, ''), u.username)"
    if vendor == "postgresql":
        return f"jsonb_build_object('owner', jsonb_build_array({who}, NULL))"
    return f"json_object('owner', json_array({who}, NULL))"


def _reclaimed_insert_trail(*, marker: QuerySet[Customer], now: dt.datetime) -> None:
    """One audit row and one PoolEvent per customer reclaimed in this run, each in one INSERT … SELECT."""
    qn = connection.ops.quote_name
    ids_sql, ids_params = marker.values("pk").query.sql_with_params()
    at = connection.ops.adapt_datetimefield_value(now)
    customer_t, user_t = qn(Customer._meta.db_table), qn(User._meta.db_table)
    content_type = ContentType.objects.get_for_model(Customer).pk
    audit_cols = ", ".join(
        qn(c)
        for c in (
            "at",
            "actor_id",
            "action",
            "content_type_id",
            "object_id",
            "object_repr",
            "changes",
            "message",
            "ip",
            "request_id",
            "customer_id",
        )
    )
    event_cols = ", ".join(qn(c) for c in ("customer_id", "action", "user_id", "actor_id", "at", "reason"))
    changes = _sql_json_owner_change(connection.vendor)
    # Only quoted table/column names and the ORM's own compiled SQL are interpolated; values are parameters.
    audit_sql = " ".join(
        [
            f"INSERT INTO {qn(AuditLog._meta.db_table)} ({audit_cols})",  # noqa: S608
            f"SELECT %s, NULL, %s, %s, CAST(c.id AS TEXT), c.name, {changes}, c.pool_reason, NULL, '', c.id",
            f"FROM {customer_t} c LEFT JOIN {user_t} u ON u.id = c.previous_owner_id WHERE c.id IN ({ids_sql})",
        ]
    )
    event_sql = " ".join(
        [
            f"INSERT INTO {qn(PoolEvent._meta.db_table)} ({event_cols})",  # noqa: S608
            f"SELECT c.id, %s, c.previous_owner_id, NULL, %s, c.pool_reason FROM {customer_t} c",  # noqa: S608
            f"WHERE c.id IN ({ids_sql})",
        ]
    )
    with connection.cursor() as cur:
        cur.execute(audit_sql, [at, AuditLog.Action.TRANSFER.value, content_type, *ids_params])
        cur.execute(event_sql, [PoolEvent.Action.RECLAIMED.value, at, *ids_params])


def pool_reclaim_idle(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Warn owners of neglected customers and return long-neglected ones to the pool (the periodic job).

    Set-based: per rule, one UPDATE reclaims, one sends each warning level, plus a few aggregate reads; the
    audit rows and PoolEvents of reclaimed customers are each one INSERT … SELECT. Idempotent: reclaimed
    customers leave the rule's coverage and `pool_warning` records the warnings sent, so a second run changes
    nothing. Each former owner gets one summary per run; each owner one summary per warning level per day.
    With `dry_run` everything is rolled back at the end: the figures say what a real run would do.
    """
    now = now or timezone.now()
    book = pool_rulebook()
    stats = {"reclaimed": 0, "first_warnings": 0, "second_warnings": 0, "notified": 0, "rules": 0}
    warned: dict[int, dict[int, dict[str, Any]]] = {1: {}, 2: {}}
    # Stored texts (reasons, audit messages) in the company's language; notifications in each recipient's.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for rule, department_ids, no_department in book.groups():
            if not rule.is_active:
                continue
            stats["rules"] += 1
            covered = Customer.objects.filter(
                policies.coverage_q(
                    rule=rule, department_ids=department_ids, include_no_department=no_department, now=now
                )
            )
            reason = _("No follow-up for %(days)s days: returned to the pool automatically.") % {
                "days": rule.reclaim_days
            }
            stats["reclaimed"] += covered.filter(policies.idle_q(now=now, days=rule.reclaim_days)).update(
                owner=None,
                previous_owner=F("owner"),
                pool_entered_at=now,
                pool_reason=reason[:REASON_MAX],
                pool_warning=0,
                updated_at=now,
                version=F("version") + 1,
            )
            # Second level first, so a customer that skipped the first warning (e.g. the job was down) gets one.
            for level, days, key in (
                (2, rule.second_warning_days, "second_warnings"),
                (1, rule.first_warning_days, "first_warnings"),
            ):
                due = covered.filter(policies.idle_q(now=now, days=days), pool_warning__in=list(range(level)))
                summary = _owner_summaries(due, "owner")
                if summary:
                    stats[key] += due.update(pool_warning=level)
                    _merge(warned[level], summary, days)
        # This run's reclaimed customers: entered the pool at `now`, with no pool event at `now` yet (a manual
        # return at the same instant already has one, and a repeated run with the same clock finds none).
        marker = Customer.objects.filter(pool_entered_at=now, owner__isnull=True).exclude(pool_events__at=now)
        reclaimed: dict[int, dict[str, Any]] = {}
        if stats["reclaimed"]:
            reclaimed = _owner_summaries(marker, "previous_owner")
            _reclaimed_insert_trail(marker=marker, now=now)
        stats["notified"] = _notify_summaries(reclaimed=reclaimed, warned=warned, book=book, now=now)
        if dry_run:
            transaction.set_rollback(True)
    return stats


def _notify_summaries(
    *,
    reclaimed: dict[int, dict[str, Any]],
    warned: dict[int, dict[int, dict[str, Any]]],
    book: RuleBook,
    now: dt.datetime,
) -> int:
    ids = set(reclaimed) | set(warned[1]) | set(warned[2])
    if not ids:
        return 0
    users = User.objects.in_bulk(list(ids))
    day = timezone.localtime(now, timezone.get_default_timezone()).date().isoformat()
    pool_url, customers_url = reverse("pool:list"), reverse("customers:list")
    run = now.strftime("%Y%m%dT%H%M%S.%f")
    sent = 0
    for owner_id, summary in reclaimed.items():
        user = users.get(owner_id)
        if user is None:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            note = notify(
                recipient=user,
                kind="pool_reclaimed",
                level="warning",
                dedupe_key=f"pool_reclaimed:{run}",
                url=f"{pool_url}?previous_owner={owner_id}",
                title=ngettext(
                    "%(count)s customer went back to the public pool",
                    "%(count)s customers went back to the public pool",
                    summary["count"],
                )
                % {"count": summary["count"]},
                body=Message(gettext_noop("No follow-up in time: %(names)s."), {"names": _name_list(summary)}),
            )
        sent += note is not None
    for level in (1, 2):
        for owner_id, summary in warned[level].items():
            user = users.get(owner_id)
            if user is None:
                continue
            with translation.override(user.language or settings.LANGUAGE_CODE):
                rule = book.for_department(user.department_id)
                title = ngettext(
                    "%(count)s customer has had no follow-up for %(days)s days",
                    "%(count)s customers have had no follow-up for %(days)s days",
                    summary["count"],
                ) % {"count": summary["count"], "days": summary["days"]}
                if level == 2:
                    title = _("Second warning: %(title)s") % {"title": title}
                note = notify(
                    recipient=user,
                    kind=f"pool_warning_{level}",
                    level="warning" if level == 1 else "danger",
                    dedupe_key=f"pool_warning:{level}:{day}",
                    url=f"{customers_url}?scene=mine&no_contact_days={summary['days']}",
                    title=title,
                    body=Message(
                        gettext_noop(
                            "%(names)s. Log a follow-up, or they return to the public pool after %(days)s days "
                            "without one."
                        ),
                        {"names": _name_list(summary), "days": rule.reclaim_days},
                    ),
                )
            sent += note is not None
    return sent


# --- returning, claiming, assigning ----------------------------------------------------------
def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        msg = _("Give a reason for returning this customer to the pool.")
        raise ValidationFailed(msg, fields={"reason": [msg]})
    if len(text) > REASON_MAX:
        msg = _("Ensure this value has at most %(max)s characters.") % {"max": REASON_MAX}
        raise ValidationFailed(msg, fields={"reason": [msg]})
    return text


def customer_return_to_pool(
    *, actor: User, customer: Customer, reason: str, now: dt.datetime | None = None
) -> Customer:
    """Put a customer in the public pool: its owner gives it up with a reason, or a manager holding
    customers.assign releases a customer within that scope. The former owner is told when it was not them."""
    reason = _clean_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        customer = get_scoped_or_404(
            actor, Customer.objects.select_related("owner").select_for_update(of=("self",)), customer.pk, "view"
        )
        old_owner = customer.owner
        if old_owner is None:
            raise InvalidStateError(_("This customer is already in the public pool."), code=PoolErrorCode.NOT_OWNED)
        by_owner = old_owner.pk == actor.pk
        if not by_owner and not (
            has_permission(actor, "customers.assign")
            and scope_queryset(actor, Customer.objects.filter(pk=customer.pk), "assign").exists()
        ):
            raise PermissionDeniedError(
                _("Only the owner, or a manager who may assign this customer, can put it in the public pool.")
            )
        model_update(
            instance=customer,
            data={
                "owner": None,
                "previous_owner": old_owner,
                "pool_entered_at": now,
                "pool_reason": reason,
                "pool_warning": 0,
            },
            actor=actor,
            audit=False,
        )
        audit_record(
            actor=actor,
            action=AuditLog.Action.TRANSFER,
            obj=customer,
            changes={"owner": [str(old_owner), None]},
            message=Message(gettext_noop("Returned to the public pool: %(reason)s"), {"reason": reason}),
        )
        PoolEvent.objects.create(
            customer=customer,
            action=PoolEvent.Action.RETURNED if by_owner else PoolEvent.Action.RELEASED,
            user=old_owner,
            actor=actor,
            at=now,
            reason=reason,
        )
        if not by_owner:
            notify(
                recipient=old_owner,
                kind="pool_released",
                url=reverse("pool:list") + f"?previous_owner={old_owner.pk}",
                title=Message(
                    gettext_noop("%(customer)s was put in the public pool by %(user)s"),
                    {"customer": customer, "user": actor},
                ),
                body=reason,
            )
    return customer


def _ids(customer_ids: Any) -> list[int]:
    try:
        ids = list(dict.fromkeys(int(i) for i in customer_ids))
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(_("Invalid selection."), fields={"ids": [_("Invalid selection.")]})
    if not ids:
        raise ValidationFailed(_("Select at least one customer."), fields={"ids": [_("Select at least one customer.")]})
    if len(ids) > 1000:
        raise ValidationFailed(
            _("Select at most 1000 customers at a time."),
            fields={"ids": [_("Select at most 1000 customers at a time.")]},
        )
    return ids


def _missing_error(actor: User, pk: int) -> ApplicationError:
    """Why a selected customer is not claimable: someone took it meanwhile, or the actor cannot see it."""
    reach = policies.pool_visibility_q(actor)
    qs = Customer.objects.filter(pk=pk, owner__isnull=False)
    if (qs if reach is None else qs.filter(reach)).exists():
        return InvalidStateError(
            _("This customer is no longer in the public pool: someone else has claimed it."),
            code=PoolErrorCode.ALREADY_CLAIMED,
        )
    return NotFoundError(_("Not found, or you may not see it."))


def _take(*, customer: Customer, owner: User, now: dt.datetime) -> bool:
    """Give a pool customer an owner, if it is still in the pool (a conditional UPDATE: one winner per race)."""
    return bool(
        Customer.objects.filter(policies.in_pool_q(), pk=customer.pk).update(
            owner=owner,
            department_id=owner.department_id,
            pool_entered_at=None,
            pool_reason="",
            pool_warning=0,
            updated_at=now,
            version=F("version") + 1,
        )
    )


def _finish(result: PoolActionResult, errors: list[ApplicationError]) -> PoolActionResult:
    """A bulk action that did nothing is an error saying why; a partial one reports what it skipped."""
    if not result.done and errors:
        raise errors[0]
    return result


def pool_claim(*, actor: User, customer_ids: Any, now: dt.datetime | None = None) -> PoolActionResult:
    """A rep claims pool customers: at most the rule's daily cap per rep (Shanghai calendar days), and not a
    customer they gave up within the cool-down. Of concurrent claims on one customer exactly one wins.

    Claiming needs customers.create (taking a customer into one's own book, like registering it).
    """
    require_permission(actor, "customers.create")
    if actor.partner_org_id and not actor.is_superuser:
        raise PermissionDeniedError(
            _("Partner organisation users cannot claim from the company pool."), code=PoolErrorCode.PARTNER
        )
    ids = _ids(customer_ids)
    now = now or timezone.now()
    book = pool_rulebook()
    cap = book.for_department(actor.department_id).daily_claim_cap
    start, end = policies.day_bounds(now)
    result, errors = PoolActionResult(), []
    with transaction.atomic():
        # One rep's claims run one at a time, so two simultaneous requests cannot both pass the cap.
        User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).exists()
        used = PoolEvent.objects.filter(user=actor, action=PoolEvent.Action.CLAIMED, at__gte=start, at__lt=end).count()
        visible = policies.pool_customers(actor).filter(pk__in=ids).in_bulk()
        for pk in ids:
            customer = visible.get(pk)
            if customer is None:
                error = _missing_error(actor, pk)
            elif cap and used >= cap:
                error = InvalidStateError(
                    _("You have reached today's limit of %(cap)s claims from the public pool; try again tomorrow.")
                    % {"cap": cap},
                    code=PoolErrorCode.CLAIM_CAP,
                )
            elif (
                customer.previous_owner_id == actor.pk
                and (until := policies.cooldown_until(customer=customer, rule=book.for_customer(customer)))
                and now < until
            ):
                error = InvalidStateError(
                    _(
                        "You gave up %(customer)s on %(date)s; you may claim it again after %(days)s days, from "
                        "%(until)s."
                    )
                    % {
                        "customer": customer,
                        "date": timezone.localtime(customer.pool_entered_at).strftime("%Y-%m-%d"),
                        "days": book.for_customer(customer).reclaim_cooldown_days,
                        "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
                    },
                    code=PoolErrorCode.COOLDOWN,
                )
            elif not _take(customer=customer, owner=actor, now=now):
                error = _missing_error(actor, pk)
            else:
                error = None
            if error is not None:
                errors.append(error)
                result.skipped.append((pk, error.message))
                continue
            assert customer is not None
            PoolEvent.objects.create(
                customer=customer, action=PoolEvent.Action.CLAIMED, user=actor, actor=actor, at=now
            )
            audit_record(
                actor=actor,
                action=AuditLog.Action.TRANSFER,
                obj=customer,
                changes={"owner": [None, str(actor)]},
                message=Message(gettext_noop("Claimed from the public pool")),
            )
            used += 1
            result.done.append(pk)
    return _finish(result, errors)


def pool_assign(*, actor: User, customer_ids: Any, owner: User, now: dt.datetime | None = None) -> PoolActionResult:
    """A manager holding customers.assign gives pool customers to a user (no cap or cool-down: a decision)."""
    require_permission(actor, "customers.assign")
    if not owner.is_active:
        msg = _("The new owner's account is closed.")
        raise ValidationFailed(msg, fields={"owner": [_("Choose an active user.")]})
    if not has_permission(owner, "customers.view"):
        msg = _("%(user)s may not see customers, so cannot own them.") % {"user": owner}
        raise ValidationFailed(msg, fields={"owner": [msg]})
    ids = _ids(customer_ids)
    now = now or timezone.now()
    result, errors = PoolActionResult(), []
    with transaction.atomic():
        visible = policies.pool_customers(actor).filter(pk__in=ids).in_bulk()
        for pk in ids:
            customer = visible.get(pk)
            if customer is None or not _take(customer=customer, owner=owner, now=now):
                error = _missing_error(actor, pk)
                errors.append(error)
                result.skipped.append((pk, error.message))
                continue
            PoolEvent.objects.create(
                customer=customer, action=PoolEvent.Action.ASSIGNED, user=owner, actor=actor, at=now
            )
            audit_record(
                actor=actor,
                action=AuditLog.Action.TRANSFER,
                obj=customer,
                changes={"owner": [None, str(owner)]},
                message=Message(gettext_noop("Assigned from the public pool")),
            )
            result.done.append(pk)
        if result.done and owner.pk != actor.pk:
            notify(
                recipient=owner,
                kind="pool_assigned",
                url=reverse("customers:list") + "?scene=mine",
                title=ngettext(
                    "%(count)s customer from the public pool was assigned to you",
                    "%(count)s customers from the public pool were assigned to you",
                    len(result.done),
                )
                % {"count": len(result.done)},
                body=Message(gettext_noop("Assigned by %(user)s."), {"user": actor}),
            )
    return _finish(result, errors)
