"""`guanxi createadmin`: create an administrator account (prompts for what is not given)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.errors import ApplicationError
from guanxi.org.models import Role
from guanxi.org.services import roles_ensure_defaults, user_create


class Command(BaseCommand):
    help = "Create an administrator account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", help="Prefer the prompt; a password on the command line is visible to others."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        roles_ensure_defaults()
        username = opts["username"] or input("User name: ").strip()
        password = opts["password"] or getpass.getpass("Password: ")
        try:
            user = user_create(
                actor=None,
                username=username,
                password=password,
                email=opts["email"],
                name=username,
                is_superuser=True,
                roles=list(Role.objects.filter(code="administrator")),
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}")
        self.stdout.write(self.style.SUCCESS(f"Administrator {user.username} created."))
