"""Every default role × the marketing pages × every bundle: what each shows, and nothing the role may not see."""

import pytest

from .harness import check_page, page_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("page", "role"), page_cases("marketing:"))
def test_page_shows_what_the_role_may_see(world, page, role):
    # given a reader of the role and the five bundles (own, same department, other department, partner, participant)
    # when the reader opens the page (a segment's live count once per bundle, searching for the bundle's token)
    # then it shows each contact the role may see, and none it may not (marker texts in the HTML)
    check_page(world, page, role)
