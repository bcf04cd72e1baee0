"""DELETE honours If-Match: the version check happens in the delete services, after the scoped get."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.errors import PreconditionFailedError
from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, FollowUp, Task
from guanxi.customers.tests.factories import ContactFactory, CustomerFactory, FollowUpFactory, TaskFactory
from guanxi.org.services import api_token_create


def token_client(user) -> Client:
    _token, secret = api_token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def make(kind: str, org) -> tuple[object, str]:
    customer = CustomerFactory(owner=org["east_rep"])
    row = {
        "customer": lambda: customer,
        "contact": lambda: ContactFactory(customer=customer),
        "follow_up": lambda: FollowUpFactory(customer=customer, author=org["admin"]),
        "task": lambda: TaskFactory(assignee=org["east_rep"], customer=customer),
    }[kind]()
    url = {"customer": "customers", "contact": "contacts", "follow_up": "follow-ups", "task": "tasks"}[kind]
    return row, f"/api/v1/{url}/{row.pk}"


MODELS = {"customer": Customer, "contact": Contact, "follow_up": FollowUp, "task": Task}


@pytest.mark.parametrize("kind", list(MODELS))
def test_stale_if_match_on_delete_is_412_and_keeps_the_row(org, kind):
    # given a record someone else changed meanwhile (version 2 now)
    row, url = make(kind, org)
    MODELS[kind].objects.filter(pk=row.pk).update(version=2)
    client = token_client(org["admin"])  # may delete all four kinds (follow-ups only their own)
    # when they delete it with the version they read (1)
    response = client.delete(url, headers={"If-Match": '"1"'})
    # then 412, and the row is still there
    assert response.status_code == 412, response.content
    assert response.json()["error"]["code"] == "precondition_failed"
    assert MODELS[kind].objects.filter(pk=row.pk).exists()
    # and with the current version the delete goes through
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert not MODELS[kind].objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("kind", list(MODELS))
def test_delete_services_check_the_version_against_the_stored_row(org, kind):
    # given a caller holding a stale copy whose version still says 1 while the stored row is at 2
    row, _url = make(kind, org)
    MODELS[kind].objects.filter(pk=row.pk).update(version=2)
    delete = getattr(services, f"{kind}_delete")
    # when it deletes with expected_version=1, then it is refused and nothing is deleted
    with pytest.raises(PreconditionFailedError):
        delete(actor=org["admin"], expected_version=1, **{kind: row})
    assert MODELS[kind].objects.filter(pk=row.pk).exists()
