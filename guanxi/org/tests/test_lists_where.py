"""The advanced filter (`where`) of the list toolkit: any input is read without raising, and the rows it selects
are exactly those a plain Python evaluation of the same rules selects (property test on a small set of users)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.org.lists import where as where_mod
from guanxi.org.lists.spec import Field
from guanxi.org.models import User
from guanxi.org.tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    Field("username", "User name", "username", "text"),
    Field("email", "E-mail", "email", "text"),
    Field("active", "Active", "is_active", "bool"),
    Field("department", "Department", "department_id", "ref"),
    Field("joined", "Joined", "date_joined", "datetime"),
)
DATES = [dt.date(2026, 1, d) for d in (1, 2, 3, 4)]
WORDS = ["ab", "Ab", "bc", "abc", "c", ""]


def reference(user: User, where: where_mod.Where) -> bool:
    def rule_ok(rule: where_mod.Rule) -> bool:
        f, op, v = rule.field, rule.op, rule.value
        raw = {
            "username": user.username,
            "email": user.email,
            "active": user.is_active,
            "department": user.department_id,
            "joined": timezone.localtime(user.date_joined).date(),
        }[f.key]
        if op == "empty":
            return raw is None or raw == ""
        if op == "nempty":
            return not (raw is None or raw == "")
        if f.kind == "text":
            if op == "eq":
                return raw.lower() == v.lower()
            if op == "ne":
                return raw.lower() != v.lower()
            if op == "contains":
                return v.lower() in raw.lower()
            if op == "ncontains":
                return v.lower() not in raw.lower()
        if op == "eq":
            return raw == v
        if op == "ne":
            return raw != v
        if op == "in":
            return raw in v
        if op == "nin":
            return raw not in v
        if raw is None:
            return False
        return {"gt": raw > v, "gte": raw >= v, "lt": raw < v, "lte": raw <= v}[op]

    results = []
    for group in where.groups:
        oks = [rule_ok(r) for r in group.rules]
        results.append(any(oks) if group.any else all(oks))
    if not results:
        return True
    return any(results) if where.any else all(results)


values = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from([d.isoformat() for d in DATES]),
    st.sampled_from(["1", "0", "true", "x", "99", "-1", "1e400", "NaN"]),
    st.integers(-3, 5),
    st.booleans(),
    st.none(),
    st.lists(st.sampled_from(["1", "2", "abc", "3"]), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
rules = st.fixed_dictionaries(
    {
        "f": st.sampled_from([f.key for f in FIELDS] + ["password", "", 5]),
        "op": st.sampled_from([*where_mod.OPS, "like", None]),
        "v": values,
    }
)
groups = st.fixed_dictionaries({"any": st.booleans(), "rules": st.lists(rules, max_size=4)})
structured = st.fixed_dictionaries({"any": st.booleans(), "groups": st.lists(groups, max_size=3)}).map(json.dumps)
garbage = st.one_of(st.text(max_size=40), st.sampled_from(["{", "[]", "null", '{"groups": 5}', '{"groups": [1, "x"]}']))


def test_where_never_raises_and_matches_a_reference_evaluation():
    east, west = DepartmentFactory(name="东"), DepartmentFactory(name="西")
    people = []
    for i, (name, email, active, dept, day) in enumerate(
        [
            ("ab", "ab@x.cn", True, east, 0),
            ("Abc", "", True, west, 1),
            ("bc", "c@x.cn", False, None, 2),
            ("c", "abc@x.cn", True, east, 3),
            ("xyz", "", False, west, 1),
        ]
    ):
        user = UserFactory(username=f"{name}{i}" if i else name, department=dept)
        User.objects.filter(pk=user.pk).update(
            email=email,
            is_active=active,
            date_joined=timezone.make_aware(dt.datetime.combine(DATES[day], dt.time(12, 0))),
        )
        people.append(user.pk)
    users = list(User.objects.filter(pk__in=people))
    assert users[0].department_id is not None

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(structured, garbage))
    def check(text: str) -> None:
        text = text.replace('"1"', f'"{east.pk}"').replace('"2"', f'"{west.pk}"')
        parsed, _warnings = where_mod.parse(text, FIELDS)  # never raises
        got = set(User.objects.filter(pk__in=people).filter(where_mod.to_q(parsed)).values_list("pk", flat=True))
        expected = {u.pk for u in users if reference(u, parsed)}
        assert got == expected, (text, parsed)
        assert where_mod.parse(parsed.dump(), FIELDS)[0].dump() == parsed.dump()  # the URL form reads back the same

    check()


def test_unknown_field_and_operator_are_dropped_with_a_warning():
    text = json.dumps(
        {"groups": [{"rules": [{"f": "password", "op": "eq", "v": "x"}, {"f": "active", "op": "gt", "v": "1"}]}]}
    )
    parsed, warnings = where_mod.parse(text, FIELDS)
    assert not parsed and len(warnings) == 2
