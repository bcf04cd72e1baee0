"""Notifications: in-app rows, e-mail through a real SMTP server, de-duplication, read state, the bell."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.core.models import Notification
from guanxi.core.services import notification_mark_read, notification_send_email, notify
from guanxi.core.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_creates_an_unread_in_app_notification_without_mail_when_e_mail_is_off(settings):
    # given e-mail is switched off (the laptop default)
    settings.GUANXI_EMAIL_ENABLED = False
    user = UserFactory()
    # when the user is told something
    note = notify(recipient=user, kind="test", title="Contract signed", body="ACME signed.", url="/customers/1/")
    # then it waits under the bell, unread and not e-mailed
    assert note is not None
    stored = Notification.objects.get(pk=note.pk)
    assert (stored.recipient, stored.title, stored.body, stored.url) == (user, "Contract signed", "ACME signed.",
                                                                         "/customers/1/")  # fmt: skip
    assert stored.read_at is None and stored.emailed_at is None


def test_notify_e_mails_the_recipient_through_smtp_with_a_link(smtp_server, settings,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    # given e-mail is on and a user with an address
    settings.GUANXI_BASE_URL = "https://crm.example.com/"
    user = UserFactory(email="zhangwei@example.com")
    # when a notification is committed
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(recipient=user, kind="test", title="Overdue: call 北京华信", body="Was due at 09:00",
                      url="/customers/my-day/")  # fmt: skip
    # then exactly one real e-mail arrived, with the title, the body and an absolute link
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == "zhangwei@example.com"
    assert msg["Subject"] == "Overdue: call 北京华信"
    text = msg.get_content()
    assert "Was due at 09:00" in text
    assert "https://crm.example.com/customers/my-day/" in text
    # and the notification records that it was e-mailed
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_no_e_mail_before_the_transaction_commits(smtp_server, django_capture_on_commit_callbacks):
    # given a user with an address and e-mail on
    user = UserFactory(email="a@example.com")
    # when notify runs but the callbacks are not executed (the transaction never commits)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipient=user, kind="test", title="Hello")
    # then the e-mail waits for the commit
    assert len(callbacks) == 1
    assert smtp_server.messages == []


def test_title_with_a_line_break_still_makes_a_valid_e_mail(smtp_server, django_capture_on_commit_callbacks):
    # given a title typed with a line break (a task title, say)
    user = UserFactory(email="b@example.com")
    # when it is sent
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, kind="test", title="Overdue: call\nthe client")
    # then the subject is one line and the mail was delivered
    assert [m["Subject"] for m in smtp_server.messages] == ["Overdue: call the client"]


def test_an_absolute_url_is_linked_as_it_is(smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory(email="c@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, kind="test", title="Report ready", url="https://files.example.com/r.xlsx")
    assert "https://files.example.com/r.xlsx" in smtp_server.messages[0].get_content()


def test_same_dedupe_key_is_sent_once(smtp_server, django_capture_on_commit_callbacks):
    # given a user
    user = UserFactory(email="d@example.com")
    # when a periodic job tells them the same thing twice
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=user, kind="task_due", title="Due soon", dedupe_key="task_due:1:100")
        second = notify(recipient=user, kind="task_due", title="Due soon", dedupe_key="task_due:1:100")
    # then one notification and one e-mail
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=user).count() == 1
    assert len(smtp_server.messages) == 1


def test_dedupe_key_is_per_recipient_and_per_key():
    a, b = UserFactory(), UserFactory()
    assert notify(recipient=a, kind="k", title="t", dedupe_key="x") is not None
    assert notify(recipient=b, kind="k", title="t", dedupe_key="x") is not None
    assert notify(recipient=a, kind="k", title="t", dedupe_key="y") is not None
    assert Notification.objects.count() == 3


def test_a_very_long_dedupe_key_is_still_recognised():
    user = UserFactory()
    key = "k" * 300
    assert notify(recipient=user, kind="k", title="t", dedupe_key=key) is not None
    assert notify(recipient=user, kind="k", title="t", dedupe_key=key) is None
    assert Notification.objects.filter(recipient=user).count() == 1


def test_inactive_user_gets_nothing(smtp_server, django_capture_on_commit_callbacks):
    # given a closed account
    user = UserFactory(email="gone@example.com", is_active=False)
    # when something is sent to it
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(recipient=user, kind="test", title="Hello")
    # then neither a notification nor an e-mail
    assert note is None
    assert not Notification.objects.exists()
    assert smtp_server.messages == []


def test_user_without_address_gets_only_the_in_app_notification(smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(recipient=user, kind="test", title="Hello")
    assert note is not None
    assert smtp_server.messages == []


def test_email_false_keeps_it_in_app(smtp_server, django_capture_on_commit_callbacks):
    user = UserFactory(email="e@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, kind="test", title="Hello", email=False)
    assert Notification.objects.filter(recipient=user).exists()
    assert smtp_server.messages == []


def test_failed_smtp_delivery_is_logged_and_leaves_the_notification_unsent(settings, caplog):
    # given an SMTP server that does not answer
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    user = UserFactory(email="f@example.com")
    note = notify(recipient=user, kind="test", title="Hello", email=False)
    # when sending fails
    sent = notification_send_email(notification_id=note.pk)
    # then the caller is not broken, the failure is logged and emailed_at stays empty
    assert sent is False
    assert "could not e-mail notification" in caplog.text
    note.refresh_from_db()
    assert note.emailed_at is None


def test_sending_twice_does_not_e_mail_twice(smtp_server):
    user = UserFactory(email="g@example.com")
    note = notify(recipient=user, kind="test", title="Hello", email=False)
    assert notification_send_email(notification_id=note.pk) is True
    assert notification_send_email(notification_id=note.pk) is True
    assert len(smtp_server.messages) == 1


def test_mark_read_marks_only_the_actors_chosen_notifications():
    # given two users with notifications
    me, other = UserFactory(), UserFactory()
    mine = [notify(recipient=me, kind="k", title=f"n{i}") for i in range(3)]
    theirs = notify(recipient=other, kind="k", title="theirs")
    # when I mark one of mine and one of theirs read
    changed = notification_mark_read(actor=me, notification_ids=[mine[0].pk, theirs.pk])
    # then only mine changed
    assert changed == 1
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {mine[0].pk}


def test_mark_read_without_ids_marks_all_of_the_actors_unread():
    me, other = UserFactory(), UserFactory()
    for i in range(3):
        notify(recipient=me, kind="k", title=f"n{i}")
    notify(recipient=other, kind="k", title="theirs")
    assert notification_mark_read(actor=me) == 3
    assert notification_mark_read(actor=me) == 0  # already read
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_bell_shows_the_unread_count_and_clears_after_mark_all_read(client):
    # given a signed-in user with three unread notifications and one read
    user = UserFactory(language="en")
    notes = [notify(recipient=user, kind="k", title=f"Reminder {i}") for i in range(4)]
    notification_mark_read(actor=user, notification_ids=[notes[0].pk])
    notify(recipient=UserFactory(), kind="k", title="someone else's")
    assert client.login(username=user.username, password=PASSWORD)
    # when the notification centre is opened
    page = client.get(reverse("core:notifications"))
    # then the bell in the page header shows 3 and the list shows the titles
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="bell-count">3<' in html
    assert "Reminder 3" in html and "someone else's" not in html
    # when everything is marked read
    response = client.post(reverse("core:notifications_mark_read"))
    assert response.status_code == 302
    # then the badge is gone
    html = client.get(reverse("core:notifications")).content.decode()
    assert 'id="bell-count"' not in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    user = UserFactory()
    note = notify(recipient=user, kind="k", title="New task", url="/customers/my-day/")
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("core:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/customers/my-day/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_cannot_be_opened_or_marked(client):
    owner, intruder = UserFactory(), UserFactory()
    note = notify(recipient=owner, kind="k", title="Private", url="/customers/1/")
    assert client.login(username=intruder.username, password=PASSWORD)
    response = client.get(reverse("core:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("core:notifications")
    client.post(reverse("core:notifications_mark_read"), {"id": [str(note.pk)]})
    note.refresh_from_db()
    assert note.read_at is None
