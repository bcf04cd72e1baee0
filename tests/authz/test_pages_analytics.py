"""Every default role × the analytics pages × every bundle: what each shows, and nothing the role may not see."""

import pytest

from .harness import check_page, page_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("page", "role"), page_cases("analytics:"))
def test_page_shows_what_the_role_may_see(world, page, role):
    # given a reader of the role and the five bundles (own, same department, other department, partner, participant)
    # when the reader opens the page (once per bundle for a record page or a search)
    # then it shows each record the role may see, and none it may not (marker texts in the HTML or export)
    check_page(world, page, role)
