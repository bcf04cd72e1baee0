"""The public-pool reclaim job: warnings, automatic return to the pool, rules, protections, idempotency."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from guanxi.core.models import AuditLog, Notification
from guanxi.core.registry import PoolProtection, registry
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer, PoolEvent, PoolRule
from guanxi.customers.pool import services
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)


def idle(owner, days: float | dt.timedelta, **kwargs) -> Customer:
    """A customer whose last follow-up was `days` before NOW (created long before)."""
    delta = days if isinstance(days, dt.timedelta) else dt.timedelta(days=days)
    return CustomerFactory(owner=owner, last_contact_at=NOW - delta, created_at=NOW - 400 * DAY, **kwargs)


def reload(c: Customer) -> Customer:
    return Customer.all_objects.get(pk=c.pk)


def counts() -> tuple[int, int, int]:
    return AuditLog.objects.count(), PoolEvent.objects.count(), Notification.objects.count()


# --- warnings --------------------------------------------------------------------------------
def test_first_warning_at_exactly_30_days_and_not_before(org):
    # given one customer untouched for exactly 30 days and one for a minute less
    due = idle(org["east_rep"], 30)
    early = idle(org["east_rep"], dt.timedelta(days=30) - MINUTE)
    # when the job runs
    stats = services.pool_reclaim_idle(now=NOW)
    # then only the first is warned, once, and the owner gets one summary naming it
    assert reload(due).pool_warning == 1 and reload(early).pool_warning == 0
    assert stats["first_warnings"] == 1 and stats["reclaimed"] == 0
    note = Notification.objects.get(recipient=org["east_rep"], kind="pool_warning_1")
    assert due.name in note.body and early.name not in note.body and "30 days" in note.title


def test_second_warning_at_exactly_60_days_when_reclaim_comes_later(org):
    # given a company-wide rule that reclaims only after 90 days
    rule = services.pool_rules_ensure_default()
    PoolRule.objects.filter(pk=rule.pk).update(reclaim_days=90)
    second = idle(org["east_rep"], 60)
    first = idle(org["east_rep"], dt.timedelta(days=60) - MINUTE)
    # when the job runs
    stats = services.pool_reclaim_idle(now=NOW)
    # then 60 days gives the second warning, a minute less only the first; nobody is reclaimed
    assert reload(second).pool_warning == 2 and reload(first).pool_warning == 1
    assert stats == {**stats, "second_warnings": 1, "first_warnings": 1, "reclaimed": 0}
    assert Notification.objects.filter(recipient=org["east_rep"], kind="pool_warning_2").count() == 1
    assert reload(second).owner == org["east_rep"]


def test_customer_never_contacted_counts_from_creation(org):
    # given a customer created 31 days ago and never contacted
    c = CustomerFactory(owner=org["east_rep"], last_contact_at=None, created_at=NOW - 31 * DAY)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then it got the first warning
    assert reload(c).pool_warning == 1


def test_warnings_are_sent_once_per_level(org):
    # given a warned customer
    c = idle(org["east_rep"], 35)
    services.pool_reclaim_idle(now=NOW)
    before = counts()
    # when the job runs again an hour and a day later
    again = services.pool_reclaim_idle(now=NOW + dt.timedelta(hours=1))
    later = services.pool_reclaim_idle(now=NOW + DAY)
    # then nothing new: the warning level is remembered on the customer
    assert again["first_warnings"] == later["first_warnings"] == 0
    assert counts() == before and reload(c).pool_warning == 1


def test_a_follow_up_resets_the_warning_and_restarts_the_clock(org):
    # given a customer warned for 35 days without contact (real clock: the follow-up is "now")
    now = timezone.now()
    c = CustomerFactory(owner=org["east_rep"], last_contact_at=now - 35 * DAY, created_at=now - 400 * DAY)
    services.pool_reclaim_idle(now=now)
    assert reload(c).pool_warning == 1
    # when the owner logs a follow-up
    customer_services.follow_up_create(actor=org["east_rep"], customer=c, data={"content": "回访"})
    # then the warning is cleared and the next run does not warn again
    assert reload(c).pool_warning == 0
    assert services.pool_reclaim_idle(now=now + MINUTE)["first_warnings"] == 0
    # and 30 days later the first warning comes again
    assert services.pool_reclaim_idle(now=now + 31 * DAY)["first_warnings"] == 1


# --- reclaim ---------------------------------------------------------------------------------
def test_reclaim_at_exactly_60_days_with_audit_event_and_reason(org):
    # given customers untouched for exactly 60 days, and for a minute less
    gone = idle(org["east_rep"], 60)
    kept = idle(org["east_rep"], dt.timedelta(days=60) - MINUTE)
    # when the job runs
    stats = services.pool_reclaim_idle(now=NOW)
    # then the first is in the pool: no owner, previous owner kept, pool time and reason set, version bumped
    g = reload(gone)
    assert stats["reclaimed"] == 1
    assert g.owner is None and g.previous_owner == org["east_rep"] and g.pool_entered_at == NOW
    assert "60 days" in g.pool_reason and g.version == gone.version + 1 and g.department == org.east
    assert reload(kept).owner == org["east_rep"] and reload(kept).pool_warning == 1
    # and it is audited (owner old → new) with one pool event, both naming the former owner
    entry = AuditLog.objects.get(customer_id=gone.pk, action=AuditLog.Action.TRANSFER)
    assert entry.changes == {"owner": [str(org["east_rep"]), None]} and entry.object_id == str(gone.pk)
    assert entry.object_repr == gone.name and "60 days" in entry.message
    event = PoolEvent.objects.get(customer=gone)
    assert event.action == PoolEvent.Action.RECLAIMED and event.user == org["east_rep"] and event.at == NOW


def test_department_rule_with_reclaim_at_45_differs_from_second_warning_at_60(org):
    # given east reclaims after 45 days (second warning still at 60); west follows the company-wide 60
    services.pool_rule_save(
        actor=org["admin"], department=org.east, data={"reclaim_days": 45, "second_warning_days": 60}
    )
    east = idle(org["east_rep"], 45)
    team = idle(org["team_rep"], 45)  # east's sub-team has no rule: it inherits east's
    east_early = idle(org["east_rep2"], dt.timedelta(days=45) - MINUTE)
    west = idle(org["west_rep"], 45)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then east and its team lose the 45-day customers, west keeps its own (warned only)
    assert reload(east).owner is None and reload(team).owner is None
    assert reload(east_early).owner == org["east_rep2"]
    assert reload(west).owner == org["west_rep"] and reload(west).pool_warning == 1


def test_second_run_changes_nothing(org):
    # given a run that reclaimed and warned
    idle(org["east_rep"], 70)
    idle(org["east_rep"], 40)
    first = services.pool_reclaim_idle(now=NOW)
    assert first["reclaimed"] == 1 and first["first_warnings"] == 1
    snapshot = list(Customer.all_objects.order_by("pk").values())
    before = counts()
    # when it runs again with the same clock, and an hour later
    same = services.pool_reclaim_idle(now=NOW)
    later = services.pool_reclaim_idle(now=NOW + dt.timedelta(hours=1))
    # then nothing changes: no row, audit entry, event or notification
    for stats in (same, later):
        assert stats["reclaimed"] == stats["first_warnings"] == stats["second_warnings"] == stats["notified"] == 0
    assert list(Customer.all_objects.order_by("pk").values()) == snapshot and counts() == before


def test_former_owner_is_notified_once_with_a_summary(org):
    # given three of a rep's customers past the limit, and one of another rep's
    names = sorted(idle(org["east_rep"], 61 + i).name for i in range(3))
    idle(org["east_rep2"], 65)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then each former owner gets exactly one notification, listing their customers
    notes = Notification.objects.filter(kind="pool_reclaimed")
    assert sorted(n.recipient.username for n in notes) == ["east_rep", "east_rep2"]
    mine = notes.get(recipient=org["east_rep"])
    assert mine.title == "3 customers went back to the public pool"
    assert all(name in mine.body for name in names)
    assert mine.dedupe_key.startswith("pool_reclaimed:")


def test_won_customers_are_not_covered_unless_the_rule_says_so(org):
    # given a won customer untouched for 90 days
    won = idle(org["east_rep"], 90, status=Customer.Status.WON)
    # when the job runs under the default rule
    services.pool_reclaim_idle(now=NOW)
    # then it is neither warned nor reclaimed
    assert reload(won).owner == org["east_rep"] and reload(won).pool_warning == 0
    # when the rule explicitly covers won customers
    rule = services.pool_rules_ensure_default()
    services.pool_rule_save(actor=org["admin"], rule=rule, data={"statuses": ["won", "following"]})
    services.pool_reclaim_idle(now=NOW + MINUTE)
    # then it goes back to the pool
    assert reload(won).owner is None


def test_rule_levels_limit_coverage(org):
    # given a rule covering only level C customers
    rule = services.pool_rules_ensure_default()
    services.pool_rule_save(actor=org["admin"], rule=rule, data={"levels": ["C"]})
    a = idle(org["east_rep"], 90, level=Customer.Level.KEY)
    c = idle(org["east_rep"], 90, level=Customer.Level.POTENTIAL)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then only the level C customer is reclaimed
    assert reload(a).owner == org["east_rep"] and reload(c).owner is None


def test_protected_customers_stay_unless_the_rule_says_so(org, monkeypatch):
    # given a provider (as commerce would register) protecting customers with an active contract
    protected = idle(org["east_rep"], 90)
    other = idle(org["east_rep"], 90)
    contract = PoolProtection(
        key="active_contract",
        label="Active contract",
        protected=lambda *, now: Q(pk=protected.pk),
        override="reclaim_with_active_contract",
    )
    # and one returning a queryset of ids (as sales would for open opportunities)
    opportunity = PoolProtection(
        key="open_opportunity",
        label="Open opportunity",
        protected=lambda *, now: Customer.objects.filter(pk=other.pk).values_list("pk", flat=True),
        override="reclaim_with_open_opportunity",
    )
    monkeypatch.setattr(registry, "pool_protections", [contract, opportunity])
    unprotected = idle(org["east_rep"], 90)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then the protected customers stay (and are not even warned); the unprotected one goes
    assert reload(protected).owner == org["east_rep"] and reload(protected).pool_warning == 0
    assert reload(other).owner == org["east_rep"]
    assert reload(unprotected).owner is None
    # when the rule says "reclaim customers with an active contract too"
    rule = services.pool_rules_ensure_default()
    services.pool_rule_save(actor=org["admin"], rule=rule, data={"reclaim_with_active_contract": True})
    services.pool_reclaim_idle(now=NOW + MINUTE)
    # then that one goes, the one with an open opportunity still stays
    assert reload(protected).owner is None and reload(other).owner == org["east_rep"]


def test_an_inactive_department_rule_exempts_its_departments(org):
    # given east's rule is switched off
    services.pool_rule_save(actor=org["admin"], department=org.east, data={"is_active": False})
    east = idle(org["east_rep"], 90)
    west = idle(org["west_rep"], 90)
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then east keeps its customer, west (company-wide rule) does not
    assert reload(east).owner == org["east_rep"] and reload(west).owner is None


def test_claimed_customer_gets_a_fresh_clock(org):
    # given a pool customer whose last contact is 100 days old, claimed now
    c = CustomerFactory(
        owner=None,
        department=org.east,
        pool_entered_at=NOW - 5 * DAY,
        created_at=NOW - 400 * DAY,
        last_contact_at=NOW - 100 * DAY,
    )
    services.pool_claim(actor=org["east_rep2"], customer_ids=[c.pk], now=NOW)
    # when the job runs the next day
    stats = services.pool_reclaim_idle(now=NOW + DAY)
    # then the new owner keeps it (no warning either); 60 days after the claim it returns
    assert stats["reclaimed"] == 0 and reload(c).owner == org["east_rep2"] and reload(c).pool_warning == 0
    assert services.pool_reclaim_idle(now=NOW + 60 * DAY)["reclaimed"] == 1


def test_no_rule_yet_means_company_defaults_30_60_60(org):
    # given no pool rule at all
    assert not PoolRule.objects.exists()
    # when the job runs
    services.pool_reclaim_idle(now=NOW)
    # then a company-wide rule with the documented defaults exists
    rule = PoolRule.objects.get()
    assert rule.department is None and rule.is_active
    assert (rule.first_warning_days, rule.second_warning_days, rule.reclaim_days) == (30, 60, 60)


def test_dry_run_changes_nothing(org):
    # given a customer past the limit
    c = idle(org["east_rep"], 70)
    services.pool_rules_ensure_default()
    before = counts()
    # when a dry run happens
    stats = services.pool_reclaim_idle(now=NOW, dry_run=True)
    # then it reports the reclaim but nothing was written
    assert stats["reclaimed"] == 1 and reload(c).owner == org["east_rep"] and counts() == before


def test_guanxi_reclaim_command(org):
    # given a customer past the limit
    c = CustomerFactory(owner=org["east_rep"], last_contact_at=timezone.now() - 70 * DAY)
    out = StringIO()
    # when `guanxi reclaim --dry-run` and then `guanxi reclaim` run
    call_command("guanxi_reclaim", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "1 customer(s) returned" in out.getvalue()
    assert reload(c).owner == org["east_rep"]
    call_command("guanxi_reclaim", stdout=out)
    # then the real run reclaimed it
    assert reload(c).owner is None


def test_reclaim_is_registered_as_an_hourly_periodic_job():
    # then the worker runs the reclaim every 60 minutes, and the pool is in the navigation
    job = next(j for j in registry.periodic if j.key == "pool_reclaim")
    assert job.every_minutes == 60
    nav = next(n for n in registry.nav if n.key == "pool")
    assert (nav.url_name, nav.icon, nav.permission) == ("pool:list", "ti-lifebuoy", "customers.view")
    # right below the customers
    keys = [n.key for n in registry.nav]
    assert keys.index("pool") == keys.index("customers") + 1
