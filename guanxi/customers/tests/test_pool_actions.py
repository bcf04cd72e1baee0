"""Public-pool actions: return, claim (cap, cool-down, races), assign, who sees the pool, rules, pool status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from guanxi.core.errors import InvalidStateError, NotFoundError, PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.models import Customer, PoolEvent, PoolRule
from guanxi.customers.pool import selectors, services
from guanxi.customers.pool.policies import PoolErrorCode
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# 10:00 in Shanghai: claims "today" run until 24:00 Shanghai time.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)


def pooled(department, *, days_ago: int = 1, previous_owner=None, **kwargs) -> Customer:
    """A customer lying in the pool since `days_ago` days before NOW."""
    return CustomerFactory(
        owner=None,
        department=department,
        previous_owner=previous_owner,
        pool_entered_at=NOW - days_ago * DAY,
        pool_reason="没有跟进",
        created_at=NOW - 200 * DAY,
        **kwargs,
    )


def reload(c: Customer) -> Customer:
    return Customer.all_objects.get(pk=c.pk)


def writes() -> tuple[int, int, int]:
    return AuditLog.objects.count(), PoolEvent.objects.count(), Notification.objects.count()


def set_rule(**fields) -> PoolRule:
    rule = services.pool_rules_ensure_default()
    PoolRule.objects.filter(pk=rule.pk).update(**fields)
    return rule


# --- return to the pool ----------------------------------------------------------------------
def test_owner_returns_a_customer_with_a_reason(org):
    # given a rep's customer
    c = CustomerFactory(owner=org["east_rep"], pool_warning=1)
    # when the rep returns it without a reason
    before = writes()
    with pytest.raises(ValidationFailed) as exc:
        services.customer_return_to_pool(actor=org["east_rep"], customer=c, reason="   ", now=NOW)
    # then it is refused naming the field, and nothing changed
    assert "reason" in exc.value.fields and reload(c).owner == org["east_rep"] and writes() == before
    # when the rep gives a reason
    services.customer_return_to_pool(actor=org["east_rep"], customer=c, reason="客户已转行", now=NOW)
    # then it is in the pool with the reason, the rep as previous owner, audited and recorded
    r = reload(c)
    assert r.owner is None and r.previous_owner == org["east_rep"] and r.pool_entered_at == NOW
    assert r.pool_reason == "客户已转行" and r.pool_warning == 0 and r.department == org.east
    event = PoolEvent.objects.get(customer=c)
    assert event.action == PoolEvent.Action.RETURNED and event.user == org["east_rep"]
    entry = AuditLog.objects.get(customer_id=c.pk, action=AuditLog.Action.TRANSFER)
    assert entry.changes == {"owner": [str(org["east_rep"]), None]} and "客户已转行" in entry.message
    assert not Notification.objects.filter(kind="pool_released").exists()  # nobody else is affected


def test_rep_cannot_return_a_colleagues_customer(org):
    # given another rep's customer
    c = CustomerFactory(owner=org["east_rep2"])
    before = writes()
    # when a rep tries to return it, then it is not even visible to them
    with pytest.raises(NotFoundError):
        services.customer_return_to_pool(actor=org["east_rep"], customer=c, reason="想要")
    assert reload(c).owner == org["east_rep2"] and writes() == before


def test_collaborator_without_assign_cannot_return(org):
    # given a rep collaborating on a colleague's customer (so may see it)
    c = CustomerFactory(owner=org["east_rep2"])
    c.collaborators.add(org["east_rep"])
    before = writes()
    # when the collaborator tries to return it, then it is refused and nothing changed
    with pytest.raises(PermissionDeniedError):
        services.customer_return_to_pool(actor=org["east_rep"], customer=c, reason="想要")
    assert reload(c).owner == org["east_rep2"] and writes() == before


def test_manager_releases_a_reps_customer_and_the_rep_is_told(org):
    # given a rep's customer
    c = CustomerFactory(owner=org["east_rep"])
    # when the department manager releases it
    services.customer_return_to_pool(actor=org["east_manager"], customer=c, reason="长期无进展", now=NOW)
    # then it is in the pool, recorded as released, and the rep is notified
    assert reload(c).owner is None
    assert PoolEvent.objects.get(customer=c).action == PoolEvent.Action.RELEASED
    note = Notification.objects.get(recipient=org["east_rep"], kind="pool_released")
    assert c.name in note.title and note.body == "长期无进展"


def test_returning_a_customer_already_in_the_pool_is_refused(org):
    # given a pool customer an ALL-scope manager can see
    c = pooled(org.east)
    # when the admin tries to return it
    with pytest.raises(InvalidStateError):
        services.customer_return_to_pool(actor=org["admin"], customer=c, reason="x")


# --- claim -----------------------------------------------------------------------------------
def test_rep_claims_a_pool_customer(org):
    # given a pool customer of the west department that used to be the west rep's
    c = pooled(org.east, previous_owner=org["west_rep"], pool_warning=2)
    # when an east rep claims it
    result = services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW)
    # then it is theirs, in their department, out of the pool, previous owner kept, audited and recorded
    r = reload(c)
    assert result.done == [c.pk] and result.skipped == []
    assert r.owner == org["east_rep"] and r.department == org.east and r.previous_owner == org["west_rep"]
    assert r.pool_entered_at is None and r.pool_reason == "" and r.pool_warning == 0
    assert r.version == c.version + 1
    assert PoolEvent.objects.get(customer=c).action == PoolEvent.Action.CLAIMED
    assert AuditLog.objects.get(customer_id=c.pk).changes == {"owner": [None, str(org["east_rep"])]}


def test_daily_claim_cap_refuses_the_next_claim_until_tomorrow(org):
    # given a cap of 2 claims per day
    set_rule(daily_claim_cap=2)
    customers = [pooled(org.east) for _ in range(4)]
    # when the rep claims two today
    services.pool_claim(actor=org["east_rep"], customer_ids=[customers[0].pk], now=NOW)
    services.pool_claim(actor=org["east_rep"], customer_ids=[customers[1].pk], now=NOW + dt.timedelta(hours=13))
    # then a third claim the same Shanghai day (23:30) is refused, naming the limit, and changes nothing
    before = writes()
    with pytest.raises(InvalidStateError) as exc:
        services.pool_claim(actor=org["east_rep"], customer_ids=[customers[2].pk], now=NOW + dt.timedelta(hours=13.5))
    assert exc.value.code == PoolErrorCode.CLAIM_CAP and "limit of 2 claims" in exc.value.message
    assert reload(customers[2]).owner is None and writes() == before
    # when the next Shanghai day begins (00:10), the rep may claim again
    result = services.pool_claim(
        actor=org["east_rep"], customer_ids=[customers[2].pk], now=NOW + dt.timedelta(hours=14, minutes=10)
    )
    assert result.done == [customers[2].pk]


def test_bulk_claim_beyond_the_cap_claims_up_to_it_and_reports_the_rest(org):
    # given a cap of 2 and three pool customers
    set_rule(daily_claim_cap=2)
    ids = [pooled(org.east).pk for _ in range(3)]
    # when the rep claims all three at once
    result = services.pool_claim(actor=org["east_rep"], customer_ids=ids, now=NOW)
    # then two are claimed and the third is skipped with the reason
    assert result.done == ids[:2] and [pk for pk, _r in result.skipped] == [ids[2]]
    assert "limit of 2 claims" in result.skipped[0][1]


def test_previous_owner_cannot_reclaim_during_the_cool_down(org):
    # given a rep returned a customer today (cool-down 30 days by default)
    c = CustomerFactory(owner=org["east_rep"])
    services.customer_return_to_pool(actor=org["east_rep"], customer=c, reason="暂不跟进", now=NOW)
    # when they try to claim it back ten days later
    with pytest.raises(InvalidStateError) as exc:
        services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW + 10 * DAY)
    # then it is refused naming the cool-down, and it stays in the pool
    assert exc.value.code == PoolErrorCode.COOLDOWN and "30 days" in exc.value.message
    assert reload(c).owner is None
    # while a colleague may claim it
    assert services.pool_claim(actor=org["east_rep2"], customer_ids=[c.pk], now=NOW + 10 * DAY).done == [c.pk]


def test_previous_owner_may_claim_after_the_cool_down(org):
    # given a customer the rep gave up 30 days ago
    c = pooled(org.east, days_ago=30, previous_owner=org["east_rep"])
    # when the rep claims it now, then it is theirs again
    assert services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW).done == [c.pk]


def test_concurrent_claims_only_one_wins(org):
    # given one pool customer and two reps who both see it
    c = pooled(org.east)
    # when both claim it (the second request arrives after the first committed)
    services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW)
    before = writes()
    with pytest.raises(InvalidStateError) as exc:
        services.pool_claim(actor=org["east_rep2"], customer_ids=[c.pk], now=NOW)
    # then the second gets a clear "already claimed" error and the first keeps it
    assert exc.value.code == PoolErrorCode.ALREADY_CLAIMED and "someone else has claimed it" in exc.value.message
    assert reload(c).owner == org["east_rep"] and writes() == before


def test_claim_loses_the_race_inside_the_transaction(org, monkeypatch):
    # given a rep who read the customer as free, but another rep's claim lands before the conditional UPDATE
    c = pooled(org.east)
    from guanxi.customers.pool.services import actions as pool_services

    real_take = pool_services._take

    def racing_take(*, customer, owner, now):
        Customer.objects.filter(pk=customer.pk).update(owner=org["east_rep2"], pool_entered_at=None)
        return real_take(customer=customer, owner=owner, now=now)

    monkeypatch.setattr(pool_services, "_take", racing_take)
    # when the rep's claim runs, then it reports "already claimed" and does not overwrite the winner
    with pytest.raises(InvalidStateError) as exc:
        services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW)
    assert exc.value.code == PoolErrorCode.ALREADY_CLAIMED
    assert reload(c).owner == org["east_rep2"] and not PoolEvent.objects.exists()


def test_claim_of_an_invisible_pool_customer_is_not_found(org):
    # given a pool customer of the west department
    c = pooled(org.west)
    # when an east rep tries to claim it, then it does not exist for them
    with pytest.raises(NotFoundError):
        services.pool_claim(actor=org["east_rep"], customer_ids=[c.pk], now=NOW)
    assert reload(c).owner is None


def test_claim_needs_create_permission_and_a_company_account(org):
    c = pooled(org.east)
    # the executive (view only) and the agent may not claim; nothing changes
    for who in ("executive", "agent_rep"):
        with pytest.raises(PermissionDeniedError):
            services.pool_claim(actor=org[who], customer_ids=[c.pk], now=NOW)
    assert reload(c).owner is None and not PoolEvent.objects.exists()


def test_bad_selection_is_a_field_error(org):
    with pytest.raises(ValidationFailed) as exc:
        services.pool_claim(actor=org["east_rep"], customer_ids=["x"], now=NOW)
    assert "ids" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.pool_claim(actor=org["east_rep"], customer_ids=[], now=NOW)


# --- assign ----------------------------------------------------------------------------------
def test_manager_assigns_pool_customers_to_a_rep(org):
    # given two pool customers in the east department and one in the west
    east = [pooled(org.east), pooled(org.east_team)]
    west = pooled(org.west)
    # when the east manager assigns all three to a rep
    result = services.pool_assign(
        actor=org["east_manager"], customer_ids=[*(c.pk for c in east), west.pk], owner=org["east_rep2"], now=NOW
    )
    # then the east ones are assigned (the west one is out of reach), with events, and the rep is told once
    assert result.done == [c.pk for c in east] and [pk for pk, _r in result.skipped] == [west.pk]
    for c in east:
        r = reload(c)
        assert r.owner == org["east_rep2"] and r.department == org.east and r.pool_entered_at is None
    assert reload(west).owner is None
    assert set(PoolEvent.objects.values_list("action", "user__username", "actor__username")) == {
        ("assigned", "east_rep2", "east_manager")
    }
    note = Notification.objects.get(recipient=org["east_rep2"], kind="pool_assigned")
    assert note.title == "2 customers from the public pool were assigned to you"


def test_rep_cannot_assign_and_nothing_changes(org):
    # given a pool customer
    c = pooled(org.east)
    before = writes()
    # when a rep tries to assign it to a colleague
    with pytest.raises(PermissionDeniedError):
        services.pool_assign(actor=org["east_rep"], customer_ids=[c.pk], owner=org["east_rep2"], now=NOW)
    # then nothing changed
    assert reload(c).owner is None and writes() == before


def test_assign_to_someone_who_cannot_see_customers_is_refused(org):
    c = pooled(org.east)
    with pytest.raises(ValidationFailed) as exc:
        services.pool_assign(actor=org["east_manager"], customer_ids=[c.pk], owner=org["nobody"], now=NOW)
    assert "owner" in exc.value.fields and reload(c).owner is None


# --- who sees the pool -----------------------------------------------------------------------
def test_pool_visibility_by_department_tree(org):
    # given pool customers in east, east's team, west and company-wide (no department)
    east, team, west, company = pooled(org.east), pooled(org.east_team), pooled(org.west), pooled(None)
    owned = CustomerFactory(owner=org["east_rep2"])

    def seen(who: str) -> set[int]:
        return set(selectors.pool_list(user=org[who]).values_list("pk", flat=True))

    # then a rep sees their department, its sub-departments and company-wide pool customers
    assert seen("east_rep") == {east.pk, team.pk, company.pk}
    assert seen("team_rep") == {team.pk, company.pk}
    assert seen("west_rep") == {west.pk, company.pk}
    # ALL-scope users see every pool customer; owned customers are never in the pool list
    assert seen("executive") == {east.pk, team.pk, west.pk, company.pk} and owned.pk not in seen("admin")


def test_partner_users_see_no_pool(org):
    # given pool customers in the agent's own department and company-wide
    pooled(org.east)
    pooled(None)
    # then the agent sees none of them
    assert not selectors.pool_list(user=org["agent_rep"]).exists()


def test_users_without_customer_view_may_not_list_the_pool(org):
    with pytest.raises(PermissionDeniedError):
        selectors.pool_list(user=org["nobody"])


def test_bad_filters_are_a_validation_error(org):
    for bad in ({"min_days": "abc"}, {"previous_owner": "x"}, {"level": "Z"}, {"min_days": "99999999999"}):
        with pytest.raises(ValidationFailed):
            selectors.pool_list(user=org["east_rep"], filters=bad)


def test_pool_filters(org):
    # given pool customers differing in level, industry, days in the pool and previous owner
    now = timezone.now()
    a = CustomerFactory(
        owner=None,
        department=org.east,
        pool_entered_at=now - 2 * DAY,
        level="A",
        industry="制造业",
        previous_owner=org["east_rep"],
    )
    b = CustomerFactory(owner=None, department=org.east, pool_entered_at=now - 20 * DAY, level="C", industry="零售")

    def ids(**filters) -> list[int]:
        return list(selectors.pool_list(user=org["east_rep"], filters=filters).values_list("pk", flat=True))

    # then each filter narrows the list
    assert ids() == [a.pk, b.pk]  # newest in the pool first
    assert ids(level="A") == [a.pk] and ids(industry="零售") == [b.pk]
    assert ids(min_days="10") == [b.pk] and ids(max_days="5") == [a.pk]
    assert ids(previous_owner=str(org["east_rep"].pk)) == [a.pk] and ids(sort="entered") == [b.pk, a.pk]


# --- pool status of a customer ---------------------------------------------------------------
def test_customer_pool_status_counts_days_and_warnings(org):
    # given a customer without contact for 35 days under the default rule (30/60/60)
    c = CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - 35 * DAY)
    # when its status is read
    status = selectors.customer_pool_status(c, now=NOW)
    # then it is past the first warning, with 25 days left
    assert (status.covered, status.days_idle, status.warning_level, status.days_left) == (True, 35, 1, 25)
    assert status.summary == "No contact for 35 days · returns to the pool in 25 days"
    # a won customer is not watched
    won = CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - 35 * DAY, status=Customer.Status.WON)
    assert selectors.customer_pool_status(won, now=NOW).days_left is None
    # a pool customer reports its days in the pool
    p = pooled(org.east, days_ago=4)
    assert selectors.customer_pool_status(p, now=NOW).summary == "In the public pool for 4 days"


def test_customer_pool_statuses_in_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    customers = [CustomerFactory(owner=org["east_rep"], last_contact_at=NOW - i * DAY) for i in range(20)]
    services.pool_rules_ensure_default()
    with django_assert_max_num_queries(5):
        statuses = selectors.customer_pool_statuses(customers, now=NOW)
    assert statuses[customers[19].pk].days_idle == 19


# --- rules -----------------------------------------------------------------------------------
def test_rule_validation_names_the_fields(org):
    rule = services.pool_rules_ensure_default()
    # when the second warning comes before the first, and the reclaim before the first warning
    with pytest.raises(ValidationFailed) as exc:
        services.pool_rule_save(
            actor=org["admin"],
            rule=rule,
            data={"first_warning_days": 40, "second_warning_days": 30, "reclaim_days": 20},
        )
    # then both fields carry an error and nothing changed
    assert set(exc.value.fields) == {"second_warning_days", "reclaim_days"}
    assert PoolRule.objects.get(pk=rule.pk).first_warning_days == 30
    with pytest.raises(ValidationFailed) as exc:
        services.pool_rule_save(actor=org["admin"], rule=rule, data={"levels": ["Z"], "reclaim_days": 10**9})
    assert set(exc.value.fields) == {"levels", "reclaim_days"}


def test_only_rule_admins_change_rules(org):
    rule = services.pool_rules_ensure_default()
    before = AuditLog.objects.count()
    for who in ("east_manager", "east_rep"):  # department-scoped assign is not enough
        with pytest.raises(PermissionDeniedError):
            services.pool_rule_save(actor=org[who], rule=rule, data={"reclaim_days": 90})
    assert PoolRule.objects.get(pk=rule.pk).reclaim_days == 60 and AuditLog.objects.count() == before
    services.pool_rule_save(actor=org["admin"], rule=rule, data={"reclaim_days": 90})
    assert PoolRule.objects.get(pk=rule.pk).reclaim_days == 90
    assert AuditLog.objects.filter(object_id=str(rule.pk), action="update").exists()


def test_one_rule_per_department(org):
    services.pool_rule_save(actor=org["admin"], department=org.east, data={})
    with pytest.raises(ValidationFailed) as exc:
        services.pool_rule_save(actor=org["admin"], department=org.east, data={})
    assert "department" in exc.value.fields


def test_deleting_a_department_rule_falls_back_to_the_parent(org):
    east_rule = services.pool_rule_save(actor=org["admin"], department=org.east, data={"reclaim_days": 45})
    assert services.pool_rulebook().for_department(org.east_team.pk) == east_rule
    services.pool_rule_delete(actor=org["admin"], rule=east_rule)
    assert services.pool_rulebook().for_department(org.east_team.pk).department is None
    with pytest.raises(InvalidStateError):
        services.pool_rule_delete(actor=org["admin"], rule=services.pool_rules_ensure_default())
