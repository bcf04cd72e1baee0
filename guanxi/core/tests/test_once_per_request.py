"""`context.once_per_request`: what a page asked hundreds of times (has another process changed this dictionary?) is
asked once a request, and again when the request itself changed the answer."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from guanxi.core import context
from guanxi.core.dictionaries import cache as dictionary_cache
from guanxi.core.dictionaries.selectors import label_of
from guanxi.core.models import Dictionary


def test_asked_once_within_a_request_and_every_time_outside_one():
    asked = []

    def compute() -> int:
        asked.append(1)
        return len(asked)

    # outside a request: every time
    assert [context.once_per_request("k", compute) for _ in range(3)] == [1, 2, 3]
    # within one: once, until the request drops its answer
    with context.bind():
        assert [context.once_per_request("k", compute) for _ in range(3)] == [4, 4, 4]
        context.forget_per_request("k")
        assert context.once_per_request("k", compute) == 5
    # a new request asks again
    with context.bind():
        assert context.once_per_request("k", compute) == 6


def test_a_long_request_asks_again_after_max_age(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(context.time, "monotonic", lambda: clock[0])
    with context.bind():
        assert context.once_per_request("k", lambda: "first", max_age=1.0) == "first"
        clock[0] += 0.5
        assert context.once_per_request("k", lambda: "second", max_age=1.0) == "first"
        clock[0] += 1.0
        assert context.once_per_request("k", lambda: "third", max_age=1.0) == "third"


@pytest.mark.django_db
def test_a_page_of_labels_reads_the_shared_revision_once(monkeypatch):
    # given a seeded dictionary this process holds
    key = Dictionary.objects.values_list("key", flat=True).order_by("key").first()
    assert key is not None
    dictionary_cache.preload()
    reads = []
    real_get = cache.get

    def counting_get(name, *args, **kwargs):
        reads.append(name)
        return real_get(name, *args, **kwargs)

    monkeypatch.setattr(dictionary_cache.shared_cache, "get", counting_get)
    # when a request shows 200 labels of it
    with context.bind():
        for _ in range(200):
            label_of(key, "no-such-code")
    # then the shared cache was asked once, not 200 times
    assert reads == [f"guanxi:dictionary:{key}:revision"]


@pytest.mark.django_db
def test_a_revision_another_process_announces_is_seen_by_the_next_request():
    key = Dictionary.objects.values_list("key", flat=True).order_by("key").first()
    dictionary_cache.preload()
    held = dictionary_cache.snapshot(key)
    name = f"guanxi:dictionary:{key}:revision"
    try:
        with context.bind():
            assert dictionary_cache.snapshot(key) is held
            cache.set(name, held.revision + 1)  # another process changed it (its rows are not ours to see here)
            assert dictionary_cache.snapshot(key) is held  # this request keeps its answer
        with context.bind():
            assert dictionary_cache.snapshot(key) is not held  # the next one reads again
    finally:
        cache.delete(name)
        dictionary_cache.drop_local_copies()
