"""Every default role × the service pages × every bundle: what each shows, and nothing the role may not see."""

import pytest

from .harness import check_page, page_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("page", "role"), page_cases("service:"))
def test_page_shows_what_the_role_may_see(world, page, role):
    # given a reader of the role and the five bundles (own, same department, other department, partner, participant)
    # when the reader opens the page (once per bundle for a record page or a search)
    # then it shows each record the role may see, and none it may not (marker texts in the HTML or export)
    check_page(world, page, role)


def _list_exports(*keys: str) -> list:
    return [c for c in page_cases("lists:") if dict(c.values[0].url_kwargs).get("key") in keys]


@pytest.mark.parametrize(("page", "role"), _list_exports("assets", "tickets"))
def test_list_export_holds_what_the_role_may_see(world, page, role):
    # given the asset and ticket lists' export (the toolkit's, with the export data scope)
    # when a reader of the role exports the list, then the file holds what the role may see and nothing else
    check_page(world, page, role)
