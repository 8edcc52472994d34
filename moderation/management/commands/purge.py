"""Remove the personal data of town halls closed more than RETENTION_DAYS ago.

Idempotent: a purged town hall is skipped, and purging one again changes
nothing. Run daily by deploy/systemd/townhall-purge.timer (docs/deploy.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from moderation import services


class Command(BaseCommand):
    help = (
        "Remove names, places, participant ids, addresses and unpublished texts of town halls "
        "closed more than RETENTION_DAYS ago; the anonymous record stays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        due = list(services.townhalls_due_for_purge())
        prefix = "[dry run] " if dry_run else ""
        if not due:
            self.stdout.write(f"{prefix}Nothing to purge (retention: {settings.RETENTION_DAYS} days after closing).")
            return
        for townhall in due:
            done = services.townhall_purge(townhall_id=townhall.pk, dry_run=dry_run)
            self.stdout.write(
                f"{prefix}{townhall.slug} (closed {townhall.closed_at:%Y-%m-%d}): "
                f"{done.questions} questions, {done.votes} votes, {done.citizen_sessions} citizen sessions, "
                f"{done.events} events, {done.decisions} decisions anonymised"
            )
        verb = "would be purged" if dry_run else "purged"
        self.stdout.write(f"{prefix}{len(due)} town hall(s) {verb}.")
