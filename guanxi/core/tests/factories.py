"""Factories every app's tests may import (core is the lowest floor, so importing them never points upward).

A user here is the installation's user model (settings.AUTH_USER_MODEL) with a sign-in password and an address;
org's tests add departments and roles (guanxi/org/tests/factories.py builds on this one).
"""

from __future__ import annotations

import factory
from django.conf import settings
from factory.django import DjangoModelFactory

PASSWORD = "Correct-Horse-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)
