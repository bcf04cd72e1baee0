"""Care greetings: lunar holidays on worked examples; birthday and holiday greetings sent on the day by the
worker's job, honouring consent and the suppression list, never twice for one occasion (a second run, a second
greeting, a restart); key accounts become call tasks for their owner; bad input and denied writes change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.customers.models import Task
from guanxi.marketing import care, consent
from guanxi.marketing.channels import LoggingProvider
from guanxi.marketing.models import Greeting, GreetingSend
from guanxi.marketing.occasions import Occasion, birthday_days, holiday_date, holidays_on

MID_AUTUMN = dt.date(2026, 9, 25)


@pytest.mark.parametrize(
    ("occasion", "year", "expected"),
    [
        (Occasion.SPRING_FESTIVAL, 2026, dt.date(2026, 2, 17)),
        (Occasion.MID_AUTUMN, 2026, dt.date(2026, 9, 25)),
        (Occasion.DRAGON_BOAT, 2026, dt.date(2026, 6, 19)),
        (Occasion.SPRING_FESTIVAL, 2027, dt.date(2027, 2, 6)),
        (Occasion.LANTERN, 2026, dt.date(2026, 3, 3)),
        (Occasion.QIXI, 2026, dt.date(2026, 8, 19)),
        (Occasion.DOUBLE_NINTH, 2026, dt.date(2026, 10, 18)),
        (Occasion.MID_AUTUMN, 2025, dt.date(2025, 10, 6)),
        (Occasion.SPRING_FESTIVAL, 2025, dt.date(2025, 1, 29)),
        (Occasion.NATIONAL_DAY, 2026, dt.date(2026, 10, 1)),
        (Occasion.NEW_YEAR, 2027, dt.date(2027, 1, 1)),
    ],
)
def test_holidays_fall_on_their_official_dates(occasion, year, expected):
    assert holiday_date(occasion, year) == expected
    assert occasion in holidays_on(expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2098, 12, 31)))
def test_a_holiday_is_found_only_on_its_own_day(day):
    for occasion in holidays_on(day):
        assert holiday_date(occasion, day.year) == day
    assert len(holidays_on(day)) <= 2  # 国庆 and 中秋 can meet (2020-10-01), nothing else does


def test_a_29_february_birthday_is_greeted_on_28_february_of_a_common_year():
    assert birthday_days(dt.date(2027, 2, 28)) == [(2, 28), (2, 29)]
    assert birthday_days(dt.date(2028, 2, 28)) == [(2, 28)]
    assert birthday_days(dt.date(2028, 2, 29)) == [(2, 29)]


def _greeting(people, **extra):
    data = {"name": "中秋问候", "occasion": "mid_autumn", "channel": "email", "subject": "{{ name }}，中秋快乐",
            "body": "尊敬的{{ name }}（{{ company }}）：\n{{ custom }}", "custom_text": "花好月圆",
            **extra}  # fmt: skip
    return care.greeting_create(actor=people["marketer"], data=data)


@pytest.mark.django_db
def test_a_holiday_greeting_goes_out_on_the_day_once_honouring_consent_and_suppression(people, book, smtp_server):
    _greeting(people)
    consent.consent_set(actor=people["east_rep"], contact=book["wang"], channel="email", status="out", source="verbal")
    consent.suppression_add(actor=people["marketer"], channel="email", address="chenjing@tianfu.example")
    # not the day: nothing recorded, nothing sent
    assert care.greetings_due(now=_at(MID_AUTUMN - dt.timedelta(days=1))) == {"queued": 0, "calls": 0, "sent": 0}
    assert care.greetings_due(now=_at(MID_AUTUMN)) == {"queued": 1, "calls": 0, "sent": 1}
    assert [m["To"] for m in smtp_server.messages] == ["liming@hengxin.example"]
    message = smtp_server.messages[0]
    assert message["Subject"] == "李明，中秋快乐" and message["List-Unsubscribe"]
    assert "尊敬的李明（北京恒信物流有限公司）" in message.get_body(("plain",)).get_content()
    # a second run that day, and a second greeting for the same occasion, reach nobody twice
    _greeting(people, name="中秋问候（英文）", language="en", subject="Happy Mid-Autumn")
    assert care.greetings_due(now=_at(MID_AUTUMN, hour=15)) == {"queued": 0, "calls": 0, "sent": 0}
    assert len(smtp_server.messages) == 1
    assert GreetingSend.objects.get().status == "sent"


@pytest.mark.django_db
def test_birthdays_are_greeted_on_the_day_and_an_interrupted_send_is_never_repeated(people, book):
    LoggingProvider.sent.clear()
    book["zhao"].birthday = dt.date(1980, 12, 7)
    book["zhao"].save()
    book["li"].birthday = dt.date(1990, 12, 8)  # not today
    book["li"].save()
    _greeting(people, name="生日短信", occasion="birthday", channel="sms", subject="")
    day = dt.date(2026, 12, 7)
    assert care.greetings_record(day=day) == {"queued": 1, "calls": 0}
    row = GreetingSend.objects.get()
    assert row.contact == book["zhao"] and row.address == "13900139000"
    # a worker claimed it and died before the provider answered: it becomes unconfirmed, never sent again
    GreetingSend.objects.filter(pk=row.pk).update(status="sending", claimed_at=_at(day, hour=8))
    assert care.greetings_send(day=day, now=_at(day, hour=9)) == 0
    row.refresh_from_db()
    assert row.status == "unconfirmed" and LoggingProvider.sent == []
    # next year it is a new occasion
    assert care.greetings_record(day=dt.date(2027, 12, 7)) == {"queued": 1, "calls": 0}


@pytest.mark.django_db
def test_key_accounts_get_a_call_task_for_their_owner_instead_of_a_message(people, book, smtp_server):
    _greeting(people, call_levels=["A"])
    consent.consent_set(actor=people["east_rep"], contact=book["zhao"], channel="phone", status="out",
                        source="verbal")  # fmt: skip
    counts = care.greetings_due(now=_at(MID_AUTUMN))
    # 李明 (A, mobile) is to be called; 王芳 (A) has no mobile; 赵强 (A) said no calls; 陈静 (B) gets the e-mail
    assert counts == {"queued": 1, "calls": 1, "sent": 1}
    assert [m["To"] for m in smtp_server.messages] == ["chenjing@tianfu.example"]
    task = Task.objects.get()
    assert task.assignee == people["east_rep"] and task.customer == book["a1"]
    assert "李明" in task.title and task.due_at.date() == MID_AUTUMN and "花好月圆" in task.description
    assert GreetingSend.objects.get(contact=book["li"]).task == task
    care.greetings_due(now=_at(MID_AUTUMN, hour=16))
    assert Task.objects.count() == 1


@pytest.mark.django_db
def test_bad_greeting_input_names_the_field_and_a_denied_write_changes_nothing(people, book):
    with pytest.raises(ValidationFailed) as bad:
        _greeting(people, occasion="halloween")
    assert "occasion" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        _greeting(people, body="{{ nickname }}")
    assert "body" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        _greeting(people, subject="")
    assert "subject" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        _greeting(people, call_levels=["Z"])
    assert "call_levels" in bad.value.fields
    with pytest.raises(PermissionDeniedError):
        care.greeting_create(actor=people["east_rep"], data={"name": "x", "occasion": "birthday", "body": "x",
                                                             "subject": "x"})  # fmt: skip
    greeting = _greeting(people)
    with pytest.raises(PermissionDeniedError):
        care.greeting_update(actor=people["east_rep"], greeting=greeting, data={"name": "改"})
    greeting.refresh_from_db()
    assert greeting.name == "中秋问候" and Greeting.objects.count() == 1


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.mark.django_db
def test_the_care_page_lists_greetings_and_a_rep_may_not_add_one(client, people, book):
    _greeting(people)
    client.force_login(people["marketer"])
    page = client.get("/marketing/care/")
    assert page.status_code == 200 and "中秋问候" in page.content.decode()
    data = {"name": "春节问候", "occasion": "spring_festival", "channel": "sms", "language": "zh-hans",
            "body": "{{ name }}，新春快乐", "active": "on"}  # fmt: skip
    response = client.post("/marketing/care/greetings/new/", data)
    assert response.status_code == 302 and Greeting.objects.filter(name="春节问候").exists()
    bad = client.post("/marketing/care/greetings/new/", {"name": "x", "occasion": "birthday", "channel": "email",
                                                         "language": "en", "body": "hi"})  # fmt: skip
    assert bad.status_code == 400 and Greeting.objects.count() == 2
    client.force_login(people["east_rep"])
    assert client.get("/marketing/care/").status_code == 200  # reps read marketing
    denied = client.post("/marketing/care/greetings/new/", {"name": "x", "occasion": "birthday", "channel": "sms",
                                                            "language": "en", "body": "hi"})  # fmt: skip
    assert denied.status_code == 403 and Greeting.objects.count() == 2
