"""The audit trail names every changed field in the reader's language, a field declared without a label too."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from guanxi.core.models import AuditLog
from guanxi.customers.models import Task
from guanxi.org.audit_changes import describe_changes

pytestmark = pytest.mark.django_db


def test_a_field_without_a_declared_label_reads_in_the_readers_language(org: Any) -> None:
    # given a change of a task's creator (declared without verbose_name: Django's plain "created by")
    entry = AuditLog(
        action=AuditLog.Action.CREATE,
        content_type=ContentType.objects.get_for_model(Task),
        object_id="1",
        changes={"created_by": [None, org["admin"].pk]},
    )
    # when a Chinese reader and an English reader read it, then each reads the label in their language
    with translation.override("zh-hans"):
        assert describe_changes([entry], reader=None)[0].change_rows[0].label == "创建人"
    with translation.override("en"):
        assert describe_changes([entry], reader=None)[0].change_rows[0].label == "Created by"
