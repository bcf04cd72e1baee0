"""Imported leads go through the assignment rules once the import commits, like web leads."""

from __future__ import annotations

from guanxi.core.imports.testing import csv_bytes, run_import
from guanxi.core.models import ImportJob, Notification
from guanxi.sales.models import Lead
from guanxi.sales.tests.factories import RuleFactory

HEADER = ["联系人", "手机", "来源"]
ROWS = [HEADER, ["陈明", "13812340001", "展会"], ["李雷", "13812340002", "展会"], ["韩梅", "13812340003", "展会"]]


def test_imported_leads_are_assigned_by_the_rules_after_commit(org, django_capture_on_commit_callbacks):
    # given a rule sending exhibition leads to east_rep
    RuleFactory(sources=["exhibition"], target_user=org["east_rep"])
    # when a manager imports three exhibition leads and the import commits (immediate task backend in tests)
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import(actor=org["east_manager"], kind="leads", data=csv_bytes(ROWS), name="l.csv")
    # then the rep owns all three, assigned by the system, and is told once about the batch
    assert job.status == ImportJob.Status.DONE
    leads = list(Lead.objects.all())
    assert len(leads) == 3
    assert all(lead.owner == org["east_rep"] and lead.status == Lead.Status.ASSIGNED for lead in leads)
    assert all(lead.assigned_by is None for lead in leads)
    assert Notification.objects.filter(recipient=org["east_rep"], kind="lead_assigned").count() == 1


def test_no_assignment_before_the_import_commits(org, django_capture_on_commit_callbacks):
    # given a rule that would take every lead
    RuleFactory(target_user=org["east_rep"])
    # when the import runs but its transaction has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_import(actor=org["east_manager"], kind="leads", data=csv_bytes(ROWS), name="l.csv")
    # then the leads are still in the queue; the assignment waits for the commit
    assert not Lead.objects.filter(owner__isnull=False).exists()
    for callback in callbacks:
        callback()
    assert Lead.objects.filter(owner=org["east_rep"]).count() == 3


def test_a_dry_run_assigns_nothing(org, django_capture_on_commit_callbacks):
    RuleFactory(target_user=org["east_rep"])
    with django_capture_on_commit_callbacks(execute=True):
        job = run_import(actor=org["east_manager"], kind="leads", data=csv_bytes(ROWS), name="l.csv", dry_run=True)
    assert job.status == ImportJob.Status.CHECKED
    assert Lead.objects.count() == 0 and not Notification.objects.filter(kind="lead_assigned").exists()
