"""Data scope: who sees which customers (one mechanism, org.policies.scope_queryset)."""

from __future__ import annotations

import pytest

from guanxi.core.errors import PermissionDeniedError
from guanxi.customers.models import Customer
from guanxi.customers.selectors import customer_list
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org):
    """One customer per owner, named after the owner."""
    return {
        key: CustomerFactory(name=f"{key}的客户", owner=org[key])
        for key in ["east_rep", "east_rep2", "team_rep", "west_rep", "agent_rep", "east_manager"]
    }


def visible(user) -> set[str]:
    return {c.name.removesuffix("的客户") for c in customer_list(user=user)}


def test_rep_sees_only_own_customers(org, book):
    assert visible(org["east_rep"]) == {"east_rep"}


def test_collaborator_sees_customer_once(org, book):
    # given east_rep collaborates on west_rep's customer
    book["west_rep"].collaborators.add(org["east_rep"], org["east_rep2"])
    # then it is listed once among east_rep's customers
    names = [c.name for c in customer_list(user=org["east_rep"])]
    assert sorted(names) == ["east_rep的客户", "west_rep的客户"]


def test_department_manager_sees_department_tree(org, book):
    assert visible(org["east_manager"]) == {"east_rep", "east_rep2", "team_rep", "east_manager", "agent_rep"}


def test_assistant_sees_own_department_only(org, book):
    assert visible(org["east_assistant"]) == {"east_rep", "east_rep2", "east_manager", "agent_rep"}


def test_executive_sees_all(org, book):
    assert visible(org["executive"]) == set(book)


def test_partner_user_sees_only_partner_records(org, book):
    assert visible(org["agent_rep"]) == {"agent_rep"}


def test_user_without_role_is_denied(org, book):
    with pytest.raises(PermissionDeniedError):
        list(customer_list(user=org["nobody"]))


def test_soft_deleted_customers_are_hidden(org, book):
    Customer.objects.filter(pk=book["east_rep"].pk).update(deleted_at="2026-01-01T00:00:00Z")
    assert visible(org["east_rep"]) == set()
