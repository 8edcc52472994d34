"""Moderators who leave: ``moderator deactivate <username>``, ``moderator anonymise <username>``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.services.accounts import moderator_anonymise, moderator_deactivate


class Command(BaseCommand):
    help = (
        "Deactivate a moderator's account (its open consoles close at once), or anonymise it: "
        "user name, names and e-mail become a pseudonym (moderator-<id>) everywhere, "
        "and the public record still counts its decisions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deactivate = sub.add_parser("deactivate", help="the account can no longer log in; its consoles close")
        deactivate.add_argument("username")
        anonymise = sub.add_parser(
            "anonymise", help="deactivate, then replace user name, names and e-mail with moderator-<id>"
        )
        anonymise.add_argument("username")

    def handle(self, *args: object, action: str, username: str, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if action == "deactivate":
            moderator_deactivate(user=user)
            self.stdout.write(f"{username} is deactivated; their open consoles were closed")
            return
        try:
            moderator_anonymise(user=user)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{username} is now {user.get_username()}; their decisions stay in the record")
