"""gx_search_tokens, the pieces behind the short-term search index on PostgreSQL (core.dbvendor), gives for every
text exactly the set of pieces of the version it replaced (generate_series / array_agg(DISTINCT), migration
customers 0018): the GIN indexes built by either hold the same keys. On SQLite there is no such function."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from guanxi.core.dbvendor import search_tokens_function_replace

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gx_search_tokens is PostgreSQL's"),
]

# The function as it was before customers 0018, word for word, as the reference.
_BEFORE = """
CREATE OR REPLACE FUNCTION pg_temp.gx_search_tokens_before(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT p), '{}') FROM (
        SELECT substr(t, i, 1) AS p FROM generate_series(1, length(t)) AS i
        UNION ALL SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i
    ) AS pieces WHERE strpos(p, ' ') = 0
$$
"""

# What search text holds (CJK, pinyin, digits, spaces) and what it might: ASCII case, punctuation, tabs and
# newlines, emoji, combining marks, any other character PostgreSQL stores (no NUL, no lone surrogate).
_ALPHABET = st.one_of(
    st.sampled_from(list(" 　 abcXYZ019恒信有限公司张伟-_.@\t\n\r'\"\\😀👍🏽\u0301\u200d")),
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
)


@pytest.fixture
def before(db):
    with connection.cursor() as cur:
        cur.execute(_BEFORE)


def pieces(function: str, text: str | None) -> list[str] | None:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {function}(%s::text)", [text])  # noqa: S608 (two fixed names)
        return cur.fetchone()[0]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=_ALPHABET, max_size=120))
@example(text="")
@example(text=" ")
@example(text="  ")
@example(text="a")
@example(text="ab")
@example(text="a b")
@example(text=" ab ")
@example(text="恒信 hengxin hx 13812345678")
@example(text="AbC abc ABC")
@example(text="😀😀 😀")
@example(text="e\u0301 \u0301")
@example(text="a\nb\tc")
def test_same_set_of_pieces_as_before(before, text):
    now, then = pieces("gx_search_tokens", text), pieces("pg_temp.gx_search_tokens_before", text)
    assert now is not None and then is not None
    assert set(now) == set(then)


def test_null_gives_null(before):
    assert pieces("gx_search_tokens", None) is None
    assert pieces("pg_temp.gx_search_tokens_before", None) is None


def test_the_migration_replaces_only_an_existing_function(before):
    with connection.schema_editor() as editor:
        search_tokens_function_replace(editor)
    assert set(pieces("gx_search_tokens", "恒信 ab")) == {"恒", "信", "恒信", "a", "b", "ab"}
