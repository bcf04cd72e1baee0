"""Every default role × every write on a bundle's record × every bundle it may not write: nothing changes."""

import pytest

from .harness import check_denied_write, check_write_works, control_cases, write_cases

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("write", control_cases(""))
def test_the_write_works_for_the_administrator(world, write):
    # given the administrator and a bundle they may write
    # when they post the write's body
    # then the record (or the rows it adds, or the audit trail) changes: the body is one the application accepts
    check_write_works(world, write)


@pytest.mark.parametrize(("write", "role"), write_cases(""))
def test_a_denied_write_changes_nothing(world, write, role):
    # given a reader of the role and each bundle the role may not write
    # when the reader posts the same body
    # then it is refused (403/404), the record is as it was, no row was added and no audit row written
    check_denied_write(world, write, role)
