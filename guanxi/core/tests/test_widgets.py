"""The shared inputs (core.widgets, core.forms): what the server renders and reads; widgets.js does the rest in the
browser (guanxi/sales/tests/test_widgets_browser.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth import get_user_model

from guanxi.core.forms import DateField, DateTimeField, MoneyField
from guanxi.core.tests.factories import UserFactory
from guanxi.core.widgets import SearchSelect, SearchSelectMultiple

User = get_user_model()


class _Form(forms.Form):
    on = DateField(required=False)
    at = DateTimeField(required=False)
    amount = MoneyField(required=False, min_value=0)


def test_a_date_is_a_text_field_in_yyyy_mm_dd_with_the_calendar_attribute():
    # given a form with a date shown again
    html = str(_Form(initial={"on": dt.date(2026, 3, 7)})["on"])
    # then it is text (not the browser's locale-formatted date input), yyyy-mm-dd, marked for the calendar
    assert 'type="text"' in html and 'value="2026-03-07"' in html
    assert "data-gx-date" in html and 'placeholder="yyyy-mm-dd"' in html


def test_a_date_time_reads_what_people_type_and_what_the_picker_writes():
    for typed in ("2026-03-07 09:30", "2026-03-07T09:30", "2026-3-7 9:30"):
        form = _Form(data={"at": typed})
        assert form.is_valid(), (typed, form.errors)
        assert form.cleaned_data["at"].replace(tzinfo=None) == dt.datetime(2026, 3, 7, 9, 30)
    assert "data-gx-datetime" in str(_Form()["at"])


def test_a_bad_date_is_refused_on_its_field():
    form = _Form(data={"on": "2026-02-30"})
    assert not form.is_valid() and "on" in form.errors


def test_an_amount_is_read_with_or_without_separators_and_its_input_has_no_number_steps():
    # given amounts as the money input shows them, and as the page posts them
    for typed, expected in (("1,280,000.50", "1280000.50"), ("1280000.5", "1280000.50"), ("12 800", "12800")):
        form = _Form(data={"amount": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount"] == Decimal(expected)
    # a negative amount or a third decimal is still refused by the server
    assert not _Form(data={"amount": "-1"}).is_valid()
    assert not _Form(data={"amount": "1.005"}).is_valid()
    html = str(_Form()["amount"])
    assert "data-gx-money" in html and 'inputmode="decimal"' in html and "step" not in html


@pytest.mark.django_db
def test_a_remote_choice_renders_only_the_chosen_record(django_assert_max_num_queries):
    # given many users, a choice that searches them on the server, and one already chosen
    users = [UserFactory() for _ in range(12)]

    class Pick(forms.Form):
        who = forms.ModelChoiceField(queryset=User.objects.all(), widget=SearchSelect(remote="users"))

    # when the form is shown
    with django_assert_max_num_queries(1):
        html = str(Pick(initial={"who": users[3].pk})["who"])
    # then only the chosen user is an option (the others come from the API as one types)
    assert html.count("<option") == 2  # the empty choice and the chosen one
    assert f'value="{users[3].pk}" selected' in html
    assert 'data-gx-select-url="/api/v1/users"' in html and 'data-gx-select-label="name"' in html


@pytest.mark.django_db
def test_a_local_choice_lists_everything_and_a_multiple_one_keeps_every_chosen_value():
    users = [UserFactory() for _ in range(3)]

    class Pick(forms.Form):
        who = forms.ModelChoiceField(queryset=User.objects.all(), widget=SearchSelect())
        many = forms.ModelMultipleChoiceField(
            queryset=User.objects.all(), widget=SearchSelectMultiple(remote="users"), required=False
        )

    form = Pick(initial={"many": [users[0].pk, users[2].pk]})
    assert str(form["who"]).count("<option") == User.objects.count() + 1
    many = str(form["many"])
    assert many.count("<option") == 2 and "data-gx-select" in many and "multiple" in many
