"""The children of one known parent (a customer's contacts, follow-ups and tasks on its 360) narrowed by one test of
that parent (org.policies.scope_children) are exactly the rows the general scope condition gives for that parent's
children, for every scope and reader over generated departments, managers, partner organisations, owners,
collaborators and soft-deleted customers; and the rep's condition no longer lists every customer they may see."""

from __future__ import annotations

import random

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.customers.tests.test_scope_rows import _generate
from guanxi.org.models import DataScope, Role
from guanxi.org.policies import (
    forget_cached_grants,
    scope_children,
    scope_q,
    scope_queryset,
)
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# (a task's scope is its assignee's, not its customer's: scope_children narrows it as scope_queryset does)
CHILDREN = (Contact, FollowUp)


def _each_parents_children(model, parents, user, scope) -> set[int]:
    """The children of every parent, each narrowed on its own parent (one OR, so one query)."""
    found = Q(pk__in=[])
    for parent in parents:
        on_parent = scope_q(user, model, scope, parent=("customer", parent.pk))
        found |= Q(customer=parent) if on_parent is None else Q(customer=parent) & on_parent
    return set(model._base_manager.filter(found).values_list("pk", flat=True))


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_one_parents_children_are_the_rows_of_the_general_condition(seed):
    # given generated readers, owners, collaborators, partner users and soft-deleted customers
    rng = random.Random(seed)
    users = _generate(rng)
    # one customer with children that each reader owns (a random sample could hold none of any reader's, so that
    # only scope "all" had rows to compare), and five more at random: collaborated on, in the pool, deleted…
    everyone = list(Customer._base_manager.order_by("pk"))
    with_children = set(
        Customer._base_manager.filter(Q(contacts__isnull=False) | Q(follow_ups__isnull=False)).values_list(
            "pk", flat=True
        )
    )
    parents = []
    for user in users:
        owned = [c for c in everyone if c.owner_id == user.pk and c.pk in with_children]
        if owned:
            parents.append(rng.choice(owned))
    parents += rng.sample([c for c in everyone if c not in parents], 5)
    compared = 0
    for user in users:
        for scope in DataScope.values:
            for model in CHILDREN:
                # when the children of each customer are narrowed on that customer alone
                found = _each_parents_children(model, parents, user, scope)
                # then they are the rows of the general condition
                general = scope_q(user, model, scope)
                rows = model._base_manager.filter(customer__in=parents)
                expected = set((rows if general is None else rows.filter(general)).values_list("pk", flat=True))
                assert found == expected, (user.username, scope, model.__name__)
                compared += bool(expected)
    assert compared > 20


def _reader(scope: str, permissions: list[str]):
    user = UserFactory()
    role = Role.objects.create(code=f"r_{user.pk}", name="r", permissions=permissions, data_scope=scope)
    user.roles.add(role)
    forget_cached_grants(user)
    return user


@pytest.mark.parametrize("scope", DataScope.values)
def test_scope_children_gives_scope_querysets_rows_for_owned_collaborating_and_foreign_customers(scope):
    # given a reader's own customer, one they collaborate on and another's, each with contacts, follow-ups and
    # tasks (one of them the reader's)
    rep = _reader(scope, ["customers.view", "contacts.view", "followups.view", "tasks.view"])
    other = UserFactory()
    own, shared, foreign = CustomerFactory(owner=rep), CustomerFactory(owner=other), CustomerFactory(owner=other)
    shared.collaborators.add(rep)
    for customer in (own, shared, foreign):
        ContactFactory(customer=customer)
        FollowUpFactory.create_batch(2, customer=customer, author=other)
        TaskFactory(customer=customer, assignee=rep)
        TaskFactory(customer=customer, assignee=other)
    for model in (Contact, FollowUp, Task):
        for customer in (own, shared, foreign):
            # when the rows of each customer are read through scope_children
            found = scope_children(rep, model.objects.all(), via="customer", parent=customer)
            # then they are scope_queryset's rows of that customer
            expected = scope_queryset(rep, model.objects.filter(customer=customer))
            assert sorted(found.values_list("pk", flat=True)) == sorted(expected.values_list("pk", flat=True))
    assert len(scope_children(rep, FollowUp.objects.all(), via="customer", parent=own)) == 2
    assert len(scope_children(rep, FollowUp.objects.all(), via="customer", parent=shared)) == 2


def test_without_the_modules_permission_the_or_none_form_gives_no_rows():
    rep = _reader(DataScope.SELF, ["customers.view"])
    customer = CustomerFactory(owner=rep)
    FollowUpFactory(customer=customer, author=rep)
    assert list(scope_children(rep, FollowUp.objects.all(), via="customer", parent=customer, or_none=True)) == []


def test_a_reps_children_of_one_customer_are_not_narrowed_by_every_customer_they_see():
    # the general condition of a rep's follow-ups is `customer_id IN (their customers UNION their collaborations)`:
    # 9,000 customer ids built for every tab of a 360 at a million customers; one parent is tested on its own
    rep = _reader(DataScope.SELF, ["followups.view"])
    customer = CustomerFactory(owner=rep)
    sql = str(scope_children(rep, FollowUp.objects.all(), via="customer", parent=customer).query)
    general = str(scope_queryset(rep, FollowUp.objects.filter(customer=customer)).query)
    assert " UNION " in general
    assert " UNION " not in sql and "EXISTS" in sql, sql
