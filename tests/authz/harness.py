"""The checks every page and write of the harness goes through (STYLE.md rule 13)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .pages import PAGES, Page
from .world import KINDS, OWN, PARTICIPANT, RELATIONS, World, grants, role_codes
from .writes import WRITES, Write, form_fields


def page_cases(*prefixes: str) -> list[Any]:
    import pytest

    return [
        pytest.param(page, role, id=f"{page.id}-{role}")
        for page in PAGES
        if page.name.startswith(prefixes)
        for role in role_codes()
    ]


def page_url(world: World, page: Page, role: str, relation: str | None) -> str:
    kwargs = dict(page.url_kwargs)
    if page.record is not None:
        assert relation is not None
        kwargs["pk"] = world.bundle(role, relation).records[page.record].pk
    url = reverse(page.name, kwargs=kwargs)
    query = page.query
    if relation is not None and "{" in query:
        bundle = world.bundle(role, relation)
        query = query.replace("{token}", bundle.token)
        for kind, record in bundle.records.items():
            query = query.replace("{" + kind + "}", str(record.pk))
    return f"{url}?{query}" if query else url


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig", errors="replace")
    return response.content.decode("utf-8-sig", errors="replace")


def check_page(world: World, page: Page, role: str) -> None:
    """What the page shows this reader: every record it should, and nothing the reader may not see."""
    client = world.clients[role]
    problems: list[str] = []
    primary = page.record or (page.kinds[0] if page.kinds else None)
    for relation in RELATIONS if page.per_bundle else [None]:
        url = page_url(world, page, role, relation)
        response = client.get(url)
        status = response.status_code
        html = body(response)
        if status >= 500:
            problems.append(f"[{role}] {url}: answered {status}")
            continue
        if page.record is not None:
            assert relation is not None
            opens = world.sees(role, page.record, relation) and (
                page.gate is None or world.may(role, page.gate, page.record, relation)
            )
            if opens and status != 200:
                problems.append(f"[{role}] {url}: answered {status}, expected the page")
            if not opens and status not in (403, 404):
                problems.append(f"[{role}] {url}: answered {status}, expected 403/404")
            shown = [relation] if opens else []
        else:
            opens = page.gate is None or page.gate in grants(role)
            if page.gate is not None and not opens and status != 403:
                problems.append(f"[{role}] {url}: answered {status} without {page.gate}, expected 403")
            if opens and page.gate is not None and status != 200:
                problems.append(f"[{role}] {url}: answered {status} with {page.gate}, expected the page")
            bundles = [relation] if relation else list(RELATIONS)
            shown = [r for r in bundles if r in page.relations] if opens else []
        # rows of the page the reader may see: their bundle's revealed parts may show too
        bundles = RELATIONS if relation is None else (relation,)
        via = page.via or primary
        rows = {r for r in bundles if via is None or world.sees(role, via, r)}
        for text, (kind, rel) in world.all_markers(role).items():
            if text in html and not world.sees(role, kind, rel) and not (kind in page.reveals and rel in rows):
                label = f"{KINDS[kind].label} of the {rel} bundle ({text})"
                problems.append(f"[{role}] {url}: shows the {label} — may not see it")
        for rel in shown:
            bundle = world.bundle(role, rel)
            if page.record is None and primary and not world.sees(role, primary, rel):
                continue  # no row of this bundle, so nothing beside it
            for kind in page.kinds:
                if (kind, rel) in page.optional:
                    continue
                if world.sees(role, kind, rel) and not any(t in html for t in bundle.texts(kind)):
                    label = f"{KINDS[kind].label} of the {rel} bundle ({bundle.texts(kind)[0]})"
                    problems.append(f"[{role}] {url}: does not show the {label}")
    assert not problems, f"{len(problems)} problem(s) for {role}:\n" + "\n".join(problems)


# --- writes ---------------------------------------------------------------------------------------------
def write_allowed(world: World, write: Write, role: str, relation: str) -> bool:
    if write.allowed is not None:
        return write.allowed(world, role, relation)
    assert write.perm is not None
    return world.may(role, write.perm, write.record, relation)


def write_cases(*prefixes: str) -> list[Any]:
    """(write, role) pairs; the denied bundles are worked out per case."""
    import pytest

    return [
        pytest.param(write, role, id=f"{write.id}-{role}")
        for write in WRITES
        if write.name.startswith(prefixes)
        for role in role_codes()
    ]


def control_cases(*prefixes: str) -> list[Any]:
    import pytest

    return [pytest.param(write, id=write.id) for write in WRITES if write.name.startswith(prefixes) and write.control]


def denied_relations(world: World, write: Write, role: str) -> list[str]:
    """The bundles on which the role's write must be refused. A role without the permission at all is refused
    before any record is read, so its own and its participant bundle stand for the rest."""
    denied = [r for r in RELATIONS if not write_allowed(world, write, role, r)]
    if write.allowed is None and write.perm not in grants(role):
        denied = [r for r in denied if r in (OWN, PARTICIPANT)]
    return denied


def write_request(world: World, write: Write, bundle: Any) -> tuple[str, dict[str, Any]]:
    record = bundle.records[write.record]
    kwargs = dict(write.url_kwargs)
    if write.in_body is None:
        kwargs["pk"] = record.pk
    url = reverse(write.name, kwargs=kwargs)
    if write.form is not None:
        key = (write.form, record.pk)
        if key not in world.bodies:  # the form as the administrator sees it (each test rolls its writes back)
            page = reverse(write.form, kwargs={"pk": record.pk})
            world.bodies[key] = form_fields(body(world.clients["administrator"].get(page)), page)
        data = {**world.bodies[key], **write.changes}
        data = {k: v for k, v in data.items() if v is not None}
    else:
        assert write.body is not None
        data = write.body(world, bundle)
    return url, data


def snapshot(bundle: Any, write: Write) -> tuple[Any, ...]:
    """The record as stored (deleted or not), the audit trail's length, and the rows the write would add."""
    from django.apps import apps

    from guanxi.core.models import AuditLog

    record = bundle.records[write.record]
    model = type(record)
    row = model._base_manager.filter(pk=record.pk).values().first()
    added = 0
    if write.creates:
        label, lookup = write.creates
        added = apps.get_model(label)._base_manager.filter(**{lookup: bundle.records["cus"].pk}).count()
    return row, AuditLog.objects.count(), added


def check_denied_write(world: World, write: Write, role: str) -> None:
    client = world.clients[role]
    problems: list[str] = []
    for relation in denied_relations(world, write, role):
        bundle = world.bundle(role, relation)
        url, data = write_request(world, write, bundle)
        before = snapshot(bundle, write)
        response = client.post(url, data)
        after = snapshot(bundle, write)
        where = f"[{role}] POST {url} on the {relation} bundle"
        if response.status_code >= 500:
            problems.append(f"{where}: answered {response.status_code}")
        elif response.status_code not in write.refused_with:
            expected = "/".join(str(s) for s in write.refused_with)
            problems.append(f"{where}: answered {response.status_code}, expected {expected}")
        if after[0] != before[0]:
            changed = sorted(k for k in before[0] if before[0][k] != after[0][k])
            problems.append(f"{where}: changed the {write.record} record ({', '.join(changed)})")
        if after[1] != before[1]:
            problems.append(f"{where}: wrote {after[1] - before[1]} audit row(s)")
        if after[2] != before[2]:
            problems.append(f"{where}: added {after[2] - before[2]} {write.creates} row(s)")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def check_write_works(world: World, write: Write) -> None:
    """The body is one the application accepts: the administrator's write on their own bundle changes it."""
    role = "administrator"
    relation = next(r for r in (OWN, *RELATIONS) if write_allowed(world, write, role, r))
    bundle = world.bundle(role, relation)
    url, data = write_request(world, write, bundle)
    before = snapshot(bundle, write)
    response = world.clients[role].post(url, data)
    assert response.status_code < 400, (url, response.status_code, body(response)[:2000])
    assert snapshot(bundle, write) != before, f"{url} changed nothing for the administrator: {data}"
