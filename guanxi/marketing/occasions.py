"""The occasions customer care greets on (客户关怀): a contact's birthday and the holidays of the Chinese calendar.

Lunar holidays (春节, 元宵, 端午, 七夕, 中秋, 重阳) move in the solar calendar every year; their date comes from the
official lunar calendar (the `lunardate` package's tables, 1900–2099). Solar ones (元旦, 劳动节, 国庆) are fixed.
A birthday on 29 February is greeted on 28 February in a common year (the day it would otherwise never have).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import models
from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate


class Occasion(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    NEW_YEAR = "new_year", _("New Year's Day (元旦)")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival (春节)")
    LANTERN = "lantern", _("Lantern Festival (元宵)")
    LABOUR_DAY = "labour_day", _("Labour Day (劳动节)")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival (端午)")
    QIXI = "qixi", _("Qixi Festival (七夕)")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival (中秋)")
    NATIONAL_DAY = "national_day", _("National Day (国庆)")
    DOUBLE_NINTH = "double_ninth", _("Double Ninth Festival (重阳)")


# (lunar month, lunar day) of the lunar holidays; (month, day) of the solar ones
LUNAR = {
    Occasion.SPRING_FESTIVAL: (1, 1),
    Occasion.LANTERN: (1, 15),
    Occasion.DRAGON_BOAT: (5, 5),
    Occasion.QIXI: (7, 7),
    Occasion.MID_AUTUMN: (8, 15),
    Occasion.DOUBLE_NINTH: (9, 9),
}
SOLAR = {Occasion.NEW_YEAR: (1, 1), Occasion.LABOUR_DAY: (5, 1), Occasion.NATIONAL_DAY: (10, 1)}
HOLIDAYS = (*LUNAR, *SOLAR)


@functools.lru_cache(maxsize=2048)  # the lunar conversion walks the tables year by year
def holiday_date(occasion: str, year: int) -> dt.date:
    """The solar date of a holiday in a (solar) year: 中秋 2026 → 2026-09-25."""
    if occasion in LUNAR:
        month, day = LUNAR[Occasion(occasion)]
        solar: dt.date = LunarDate(year, month, day).to_solar_date()
        return solar
    if occasion in SOLAR:
        month, day = SOLAR[Occasion(occasion)]
        return dt.date(year, month, day)
    raise ValueError(f"not a holiday: {occasion}")


def holidays_on(day: dt.date) -> list[str]:
    """The holidays falling on `day` (usually none, at most one)."""
    return [occasion for occasion in HOLIDAYS if holiday_date(occasion, day.year) == day]


def birthday_in(year: int, birthday: dt.date) -> dt.date:
    """The day a birthday is greeted in `year` (29 February → 28 February in a common year)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def birthday_days(day: dt.date) -> list[tuple[int, int]]:
    """The (month, day) birthdays greeted on `day`: itself, and 29 February on 28 February of a common year."""
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and birthday_in(day.year, dt.date(2000, 2, 29)) == day:
        days.append((2, 29))
    return days


def next_holidays(day: dt.date, count: int = 3) -> list[tuple[Occasion, dt.date]]:
    """The next `count` holidays from `day` on (today's included), for the care page."""
    found = [(o, holiday_date(o, y)) for y in (day.year, day.year + 1) for o in HOLIDAYS]
    return sorted((item for item in found if item[1] >= day), key=lambda item: item[1])[:count]
