"""The list FilterSets: one per list, the same errors for the page, the export and the selector the API calls."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.commerce import selectors
from guanxi.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_bad_filter_value_names_its_field(org: Any) -> None:
    # given a selector and values its FilterSet refuses
    # when it runs / then the error names each field, in one envelope, instead of a 500 or a silent guess
    with pytest.raises(ValidationFailed) as caught:
        list(selectors.quote_list(user=org["east_rep"], filters={"customer": "abc", "status": "bogus"}))
    assert set(caught.value.fields) == {"customer", "status"}
    with pytest.raises(ValidationFailed) as caught:
        list(selectors.contract_list(user=org["east_rep"], filters={"owner": str(2**64)}))
    assert set(caught.value.fields) == {"owner"}
    with pytest.raises(ValidationFailed) as caught:
        list(selectors.product_list(user=org["east_rep"], filters={"q": "x" * 101}))
    assert set(caught.value.fields) == {"q"}


def test_the_list_page_ignores_a_bad_filter_and_says_which(org: Any) -> None:
    # given the quote list with a status that does not exist
    web = Client()
    web.force_login(org["east_rep"])
    # when the page is asked for it / then it still answers and says which filter it left out
    response = web.get("/commerce/quotes/?status=bogus&q=x")
    assert response.status_code == 200
    assert "Filter “Status” was ignored" in response.content.decode()
    response = web.get("/commerce/contracts/?customer=abc")
    assert response.status_code == 200 and "Filter “Customer” was ignored" in response.content.decode()
