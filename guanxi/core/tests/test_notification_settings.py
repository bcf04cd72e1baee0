"""Less noise: a user mutes topics (their notifications are not created), takes one daily digest e-mail instead of
one e-mail each (sent by the worker's periodic job, once per day, through a real SMTP server), and the bell's
dropdown shows the latest ten with repeated ones grouped."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import AuditLog, Notification, NotificationSettings
from guanxi.core.notifications import notification_digest_send, notification_groups, notification_settings_save
from guanxi.core.registry import NotificationTopic, registry
from guanxi.core.scheduler import periodic_job_execute, periodic_jobs_claim_due
from guanxi.core.services import notification_draft, notify, notify_many
from guanxi.core.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 7, 0, 5, tzinfo=dt.UTC)  # 08:05 in China: the day's digest period has begun


@pytest.fixture
def topics(monkeypatch: Any) -> None:
    """Two topics of this floor's own, whatever the apps above register."""
    monkeypatch.setattr(registry, "notification_topics", [])
    registry.add_notification_topic(NotificationTopic(key="reminders", label="Reminders", kinds=("remind_",)))
    registry.add_notification_topic(NotificationTopic(key="news", label="News", kinds=("news",)))


def test_a_muted_topic_is_not_created_and_others_still_are(topics, smtp_server, django_capture_on_commit_callbacks):
    # given a user who muted reminders
    user = UserFactory(email="a@example.com")
    notification_settings_save(actor=user, daily_digest=False, muted=["reminders"])
    # when a reminder and a piece of news are sent
    with django_capture_on_commit_callbacks(execute=True):
        muted = notify(recipient=user, kind="remind_due", title="Call back")
        kept = notify(recipient=user, kind="news", title="Contract signed")
    # then the reminder does not exist (no bell, no e-mail), the news does
    assert muted is None and kept is not None
    assert list(Notification.objects.filter(recipient=user).values_list("title", flat=True)) == ["Contract signed"]
    assert [m["Subject"] for m in smtp_server.messages] == ["Contract signed"]


def test_a_kind_no_topic_covers_cannot_be_muted(topics):
    user = UserFactory()
    notification_settings_save(actor=user, daily_digest=False, muted=["reminders", "news"])
    assert notify(recipient=user, kind="handover", title="Customers handed to you") is not None


def test_an_unknown_topic_is_refused_naming_the_field_and_nothing_changes(topics):
    user = UserFactory()
    notification_settings_save(actor=user, daily_digest=True, muted=["news"])
    with pytest.raises(ValidationFailed) as exc:
        notification_settings_save(actor=user, daily_digest=False, muted=["news", "lottery"])
    assert "muted" in exc.value.fields and "lottery" in exc.value.message
    row = NotificationSettings.objects.get(user=user)
    assert (row.daily_digest, row.muted) == (True, ["news"])


def test_saving_settings_is_audited_with_what_changed(topics):
    user = UserFactory()
    notification_settings_save(actor=user, daily_digest=False, muted=[])
    notification_settings_save(actor=user, daily_digest=True, muted=["news"])
    entry = AuditLog.objects.filter(actor=user).order_by("-id").first()
    assert entry is not None and entry.changes == {"daily_digest": [False, True], "muted": [[], ["news"]]}


def test_the_daily_digest_e_mails_the_unread_ones_once_per_day(topics, smtp_server, settings,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    # given a user who takes the digest, with two unread notifications and one read
    settings.GUANXI_BASE_URL = "https://crm.example.com"
    user = UserFactory(email="digest@example.com", language="en")
    notification_settings_save(actor=user, daily_digest=True, muted=[])
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, kind="news", title="Quote approved", url="/commerce/quotes/1/")
        notify(recipient=user, kind="remind_due", title="Call 北京华信")
        read = notify(recipient=user, kind="news", title="Old news")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    # then nothing was e-mailed one by one
    assert smtp_server.messages == []
    # when the worker runs the day's digest job (claimed once for the period, whatever the number of workers)
    claimed = [c for c in periodic_jobs_claim_due(now=MORNING) if c[0] == "notification_digest"]
    assert len(claimed) == 1
    assert [c for c in periodic_jobs_claim_due(now=MORNING) if c[0] == "notification_digest"] == []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: MORNING)
        periodic_job_execute(job_key="notification_digest", period=claimed[0][1])
        # and once more in the same day (a retry): nothing more goes out
        assert notification_digest_send(now=MORNING + dt.timedelta(hours=3)) == {"users": 0, "sent": 0}
    # then one e-mail lists both unread ones with their links, not the read one
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    body = mail.get_content()
    assert mail["To"] == "digest@example.com" and "2 unread notifications" in mail["Subject"]
    assert "Quote approved" in body and "https://crm.example.com/commerce/quotes/1/" in body
    assert "Call 北京华信" in body and "Old news" not in body
    # the next day, only what came since is listed
    notify(recipient=user, kind="news", title="Contract signed")
    assert notification_digest_send(now=MORNING + dt.timedelta(days=1)) == {"users": 1, "sent": 1}
    second = smtp_server.messages[1].get_content()
    assert "Contract signed" in second and "Quote approved" not in second


def test_no_digest_without_unread_notifications_or_for_users_who_do_not_take_it(topics, smtp_server):
    quiet = UserFactory(email="quiet@example.com")
    notification_settings_save(actor=quiet, daily_digest=True, muted=[])
    busy = UserFactory(email="busy@example.com")  # immediate e-mails, no digest
    Notification.objects.create(recipient=busy, kind="news", title="Unread")
    assert notification_digest_send(now=MORNING) == {"users": 1, "sent": 0}
    assert smtp_server.messages == []


def test_the_bell_groups_repeats_about_one_record_and_shows_ten(topics):
    user = UserFactory()
    for i in range(3):  # three reminders of the same approval
        notify(recipient=user, kind="remind_due", title=f"Reminder {i}", url="/approvals/7/")
    for i in range(12):
        notify(recipient=user, kind="news", title=f"News {i}", url=f"/customers/{i}/")
    groups = notification_groups(user=user)
    assert len(groups) == 10 and groups[0].note.title == "News 11"
    everything = notification_groups(user=user, limit=20)
    reminder = next(g for g in everything if g.note.url == "/approvals/7/")
    assert (reminder.note.title, reminder.count, reminder.unread) == ("Reminder 2", 3, 3)


def test_the_bell_dropdown_lists_the_latest_and_marks_all_read_with_htmx(client, topics):
    # given a user with three reminders of one record and a piece of news
    user = UserFactory(language="en")
    for i in range(3):
        notify(recipient=user, kind="remind_due", title=f"Reminder {i}", url="/customers/my-day/")
    notify(recipient=user, kind="news", title="Quote approved", url="/commerce/quotes/1/")
    notify(recipient=UserFactory(), kind="news", title="someone else's")
    assert client.login(username=user.username, password=PASSWORD)
    # when the dropdown opens
    html = client.get(reverse("core:notification_menu")).content.decode()
    # then it lists the news and the reminders once (×3), each linking to its record through "open"
    assert "Quote approved" in html and "Reminder 2" in html and "×3" in html
    assert "Reminder 1" not in html and "someone else's" not in html
    assert 'id="gx-bell-list"' in html and 'data-gx-refresh-on="notifications"' in html
    # when one of the grouped reminders is opened, the whole group is read
    reminder = Notification.objects.get(recipient=user, title="Reminder 2")
    response = client.get(reverse("core:notification_open", args=[reminder.pk]))
    assert response["Location"] == "/customers/my-day/"
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    # when "mark all read" is clicked in the dropdown (htmx)
    response = client.post(reverse("core:notifications_mark_read"), headers={"HX-Request": "true"})
    # then nothing is swapped, the page is told notifications changed (bell count and list refresh)
    assert response.status_code == 204
    assert json.loads(response["HX-Trigger"]) == {"gx:changed": {"names": ["notifications"]}}
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    page = client.get(reverse("core:notifications")).content.decode()
    assert '<span id="gx-bell-count" data-gx-refresh-on="notifications"></span>' in page


def test_notify_many_keeps_notifys_rules_in_a_fixed_number_of_queries(
    topics, smtp_server, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given a user who muted reminders, one who takes the digest, an inactive one, and one already told today
    muted = UserFactory(email="m@example.com")
    notification_settings_save(actor=muted, daily_digest=False, muted=["reminders"])
    digest = UserFactory(email="d@example.com")
    notification_settings_save(actor=digest, daily_digest=True, muted=[])
    gone = UserFactory(email="g@example.com", is_active=False)
    told = UserFactory(email="t@example.com")
    notify(recipient=told, kind="remind_due", title="Earlier", dedupe_key="day:1")
    plain = [UserFactory(email=f"p{i}@example.com") for i in range(5)]
    drafts = [
        notification_draft(recipient=u, kind="remind_due", title=f"Call {u.username}", dedupe_key="day:1")
        for u in [muted, digest, gone, told, *plain]
    ]
    drafts.append(notification_draft(recipient=plain[0], kind="remind_due", title="Twice", dedupe_key="day:1"))
    # when they are sent together
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(6):
        created = notify_many(drafts)
    # then as notify would: not the muted, inactive or already-told ones, one per dedupe key, mail but not to digest
    assert sorted(n.recipient_id for n in created) == sorted(u.pk for u in [digest, *plain])
    assert Notification.objects.filter(recipient=plain[0]).count() == 1
    assert Notification.objects.filter(recipient=told).values_list("title", flat=True).get() == "Earlier"
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(u.email for u in plain)
