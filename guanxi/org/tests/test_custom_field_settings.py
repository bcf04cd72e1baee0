"""The custom field settings form shows only what applies to the field's type and object (a field being edited
leaves the rest out; a new one marks them for guanxi.js to show while the chosen type or object takes them), and
the service refuses a setting that does not apply, naming the field, writing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from guanxi.core.custom_fields import services
from guanxi.core.custom_fields.models import CustomField
from guanxi.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _new(admin: Any, **extra: Any) -> dict[str, Any]:
    return {"target": "customers.customer", "code": "note", "type": "text", "label_zh": "备注", **extra}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"dictionary": "industry"}, "dictionary"),
        ({"type": "boolean", "unique": True}, "unique"),
        ({"type": "long_text", "unique": True}, "unique"),
        ({"required_from_probability": 60}, "required_from_probability"),
    ],
)
def test_a_setting_that_does_not_apply_is_refused_naming_it(org: Any, extra: dict[str, Any], field: str):
    with pytest.raises(ValidationFailed) as refused:
        services.custom_field_create(actor=org["admin"], data=_new(org["admin"], **extra))
    assert field in refused.value.fields
    assert not CustomField.objects.exists()


def test_what_applies_is_taken(org: Any):
    admin = org["admin"]
    made = services.custom_field_create(actor=admin, data=_new(admin, type="choice", dictionary="industry"))
    assert made.dictionary == "industry"
    deal = services.custom_field_create(
        actor=admin, data=_new(admin, target="sales.opportunity", code="po", required_from_probability=60, unique=True)
    )
    assert deal.required_from_probability == 60 and deal.unique
    with pytest.raises(ValidationFailed) as refused:  # an edit too
        services.custom_field_update(actor=admin, field_id=made.pk, data={"unique": True})
    assert "unique" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        services.custom_field_update(actor=admin, field_id=made.pk, data={"required_from_probability": 10})
    assert "required_from_probability" in refused.value.fields
    made.refresh_from_db()
    assert not made.unique and made.required_from_probability == 0


def test_the_form_shows_only_what_applies(org: Any):
    admin = org["admin"]
    web = Client()
    web.force_login(admin)
    page = web.get(reverse("org:custom_field_create")).content.decode()
    assert 'data-gx-applies-when="type" data-gx-applies-values="choice multi_choice"' in page
    assert 'data-gx-applies-values="sales.opportunity"' in page
    yes_no = services.custom_field_create(actor=admin, data=_new(admin, type="boolean"))
    page = web.get(reverse("org:custom_field_edit", args=[yes_no.pk])).content.decode()
    for absent in ('name="dictionary"', 'name="unique"', 'name="required_from_probability"'):
        assert absent not in page
    assert 'name="required_departments"' in page
    # without JavaScript a new field posts every input: a dictionary on a text field is named under its input
    r = web.post(reverse("org:custom_field_create"), {**_new(admin, code="other"), "dictionary": "industry"})
    assert r.status_code in (200, 400)
    assert "only single and multiple choice" in r.content.decode() or "单选" in r.content.decode()
    assert not CustomField.objects.filter(code="other").exists()
