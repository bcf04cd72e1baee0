"""The people a list's filters offer are read as plain values (org.lists.choices.user_options), named exactly as a
User shows itself, in the queryset's order, in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.org.lists.choices import user_choices, user_options
from guanxi.org.models import User
from guanxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_option_has_the_users_own_name_in_the_querysets_order():
    # given people named every way a User can be: a display name, only first and last names, only a username
    UserFactory(username="named", name="王小明")
    UserFactory(username="first_last", name="", first_name="Li", last_name="Lei")
    UserFactory(username="first_only", name="", first_name="Han", last_name="")
    UserFactory(username="bare", name="", first_name="", last_name="")
    users = User.objects.select_related("department").order_by("username")
    # when the options are read (one query, the department join dropped)
    with CaptureQueriesContext(connection) as queries:
        options = user_options(users)
    # then each is labelled as str(user) says, in the same order
    assert len(queries.captured_queries) == 1
    assert "org_department" not in queries.captured_queries[0]["sql"]
    assert [(o.pk, o.label, str(o)) for o in options] == [(u.pk, str(u), str(u)) for u in users]
    assert [(c.value, c.label) for c in user_choices(users)] == [(str(u.pk), str(u)) for u in users]
