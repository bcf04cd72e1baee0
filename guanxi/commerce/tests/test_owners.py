"""Quotes and contracts handed to another owner (the lists' bulk bar and owner cell) and drafts deleted many at once:
each row checked on its own, a refused row unchanged and counted, every move audited as a transfer."""

from __future__ import annotations

from typing import Any

import pytest

from guanxi.commerce import services
from guanxi.commerce.models import Contract, ImplementationOrder, Quote
from guanxi.core.errors import InvalidStateError, PermissionDeniedError, PreconditionFailedError, ValidationFailed
from guanxi.core.models import AuditLog, Notification
from guanxi.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def west_customer(org: Any) -> Any:
    return CustomerFactory(name="成都西岭科技有限公司", owner=org["west_rep"])


def test_a_manager_transfers_the_quotes_in_reach_and_the_rest_is_skipped_unchanged(
    org: Any, customer: Any, west_customer: Any, make_quote: Any
) -> None:
    # given a quote of the manager's rep and one of another department's rep
    mine = make_quote(org["east_rep"], customer)
    theirs = make_quote(org["west_rep"], west_customer)
    # when the east manager hands both to east_rep2
    moved, skipped = services.documents_transfer(
        actor=org["east_manager"], model=Quote, ids=[mine.pk, theirs.pk], new_owner=org["east_rep2"]
    )
    # then only the one in reach moved, with its department, audited as a transfer; the new owner hears once
    assert (moved, skipped) == (1, 1)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.owner == org["east_rep2"] and mine.department == org["east_rep2"].department
    assert theirs.owner == org["west_rep"] and theirs.version == 1
    audit = AuditLog.objects.get(action=AuditLog.Action.TRANSFER, object_id=str(mine.pk))
    assert audit.changes == {"owner": [str(org["east_rep"]), str(org["east_rep2"])]}
    assert not AuditLog.objects.filter(action=AuditLog.Action.TRANSFER, object_id=str(theirs.pk)).exists()
    assert Notification.objects.filter(recipient=org["east_rep2"], kind="document_transfer").count() == 1


def test_a_rep_cannot_transfer_a_colleagues_contract_and_a_reader_without_permission_is_refused(
    org: Any, customer: Any
) -> None:
    # given a contract of east_rep
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    # when a fellow rep (own scope) tries to take it / then it is skipped and unchanged
    assert services.documents_transfer(
        actor=org["east_rep2"], model=Contract, ids=[contract.pk], new_owner=org["east_rep2"]
    ) == (0, 1)
    # and someone without the permission is refused outright
    with pytest.raises(PermissionDeniedError):
        services.documents_transfer(actor=org["nobody"], model=Contract, ids=[contract.pk], new_owner=org["nobody"])
    contract.refresh_from_db()
    assert contract.owner == org["east_rep"] and contract.version == 1
    assert not AuditLog.objects.filter(action=AuditLog.Action.TRANSFER).exists()


def test_terminated_contracts_and_superseded_quotes_keep_their_owner(org: Any, customer: Any, make_quote: Any) -> None:
    # given a superseded quote and a terminated contract in the manager's reach
    quote = make_quote(org["east_rep"], customer)
    Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.SUPERSEDED)
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.TERMINATED)
    # when the manager transfers them / then both are skipped
    for model, row in ((Quote, quote), (Contract, contract)):
        assert services.documents_transfer(
            actor=org["east_manager"], model=model, ids=[row.pk], new_owner=org["east_rep2"]
        ) == (0, 1)
        row.refresh_from_db()
        assert row.owner == org["east_rep"]
    # and the single transfer says why
    with pytest.raises(InvalidStateError):
        services.document_transfer(actor=org["east_manager"], document=contract, new_owner=org["east_rep2"])


def test_the_new_owner_must_be_active_and_able_to_read_the_list(org: Any, customer: Any, make_quote: Any) -> None:
    quote = make_quote(org["east_rep"], customer)
    org["east_rep2"].is_active = False
    org["east_rep2"].save(update_fields=["is_active"])
    for someone in (org["east_rep2"], org["nobody"]):
        with pytest.raises(ValidationFailed) as err:
            services.documents_transfer(actor=org["east_manager"], model=Quote, ids=[quote.pk], new_owner=someone)
        assert "owner" in err.value.fields
    quote.refresh_from_db()
    assert quote.owner == org["east_rep"]


def test_a_stale_owner_cell_changes_nothing(org: Any, customer: Any, make_quote: Any) -> None:
    # given a quote someone changed since the list was drawn (version 1 → 2)
    quote = make_quote(org["east_rep"], customer)
    services.quote_update(actor=org["east_rep"], quote=quote, data={"title": "新标题"})
    # when the manager saves the owner cell with the old version / then 412 and the owner stays
    with pytest.raises(PreconditionFailedError):
        services.document_transfer(
            actor=org["east_manager"], document=quote, new_owner=org["east_rep2"], expected_version=1
        )
    quote.refresh_from_db()
    assert quote.owner == org["east_rep"]
    # with the current version it moves
    services.document_transfer(
        actor=org["east_manager"], document=quote, new_owner=org["east_rep2"], expected_version=quote.version
    )
    quote.refresh_from_db()
    assert quote.owner == org["east_rep2"]


def test_bulk_delete_moves_drafts_to_the_recycle_bin_and_skips_the_rest(
    org: Any, customer: Any, west_customer: Any, make_quote: Any
) -> None:
    # given a draft, an approved quote and a colleague's draft out of reach
    draft = make_quote(org["east_rep"], customer)
    approved = make_quote(org["east_rep"], customer)
    Quote.objects.filter(pk=approved.pk).update(status=Quote.Status.APPROVED)
    theirs = make_quote(org["west_rep"], west_customer)
    # when the rep deletes all three
    deleted, skipped = services.documents_delete(
        actor=org["east_rep"], model=Quote, ids=[draft.pk, approved.pk, theirs.pk]
    )
    # then only the draft went, audited
    assert (deleted, skipped) == (1, 2)
    assert set(Quote.objects.values_list("pk", flat=True)) == {approved.pk, theirs.pk}
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, object_id=str(draft.pk)).count() == 1
    # and a reader without the permission is refused, nothing deleted
    with pytest.raises(PermissionDeniedError):
        services.documents_delete(actor=org["nobody"], model=Contract, ids=[1])


def test_an_implementation_orders_status_cell_is_version_checked(org: Any, customer: Any) -> None:
    # given an open implementation order someone changed since the list was drawn
    contract = services.contract_create(actor=org["east_rep"], customer=customer, data={"amount": "1000"})
    order = ImplementationOrder.objects.create(
        number="IM-TEST-1", title="实施", contract=contract, customer=customer, owner=org["east_rep"], version=2
    )
    # when the status cell saves with the old version / then 412 and the status stays
    with pytest.raises(PreconditionFailedError):
        services.implementation_order_set_status(
            actor=org["admin"], order=order, status="completed", expected_version=1
        )
    order.refresh_from_db()
    assert order.status == ImplementationOrder.Status.OPEN
    services.implementation_order_set_status(actor=org["admin"], order=order, status="completed", expected_version=2)
    order.refresh_from_db()
    assert order.status == ImplementationOrder.Status.COMPLETED and order.version == 3
