"""Create the demo town hall and its moderator. Idempotent."""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from moderation import services
from moderation.demo_session import play_demo_session
from moderation.models import TownHall
from townhall import links

DEMO_SLUG = "demo"
DEMO_USERNAME = "moderator"


class Command(BaseCommand):
    help = "Create (or refresh) town hall 'demo', live, moderated by user 'moderator'."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--session",
            action="store_true",
            help="Once, play a past hour of questions and decisions in it, so its public record shows a session "
            "(make run does; scores with the configured scorer).",
        )

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        password = os.environ.get("DEMO_MODERATOR_PASSWORD") or secrets.token_urlsafe(12)
        with transaction.atomic():
            user, _ = User.objects.get_or_create(username=DEMO_USERNAME, defaults={"first_name": "Demo moderator"})
            user.set_password(password)
            user.save()
            townhall = TownHall.objects.filter(slug=DEMO_SLUG).first()
            if townhall is None:
                townhall = services.townhall_create(
                    title="Demo town hall", slug=DEMO_SLUG, moderators=[user], status=TownHall.Status.LIVE
                )
            else:
                townhall.moderators.add(user)
                services.townhall_set_status(townhall_id=townhall.pk, status=TownHall.Status.LIVE)
        # A past hour of questions and decisions, once, so the public record shows a session.
        played = play_demo_session(townhall, [user]) if options["session"] else 0
        urls = links.townhall_urls(townhall.slug, townhall.screen_key)
        self.stdout.write(f"Town hall:  {townhall.title} ({townhall.slug}), live")
        self.stdout.write(f"Citizens:   {urls['join_url']}  (or code {townhall.join_code} at /join)")
        self.stdout.write(f"Moderators: {urls['moderate_url']}")
        self.stdout.write(f"Screen:     {urls['screen_url']}")
        if played:
            self.stdout.write(f"Session:    {played} demo questions with their decisions")
        self.stdout.write(f"Record:     {links.absolute(links.record_path(townhall.slug))}")
        self.stdout.write(f"Login:      user '{DEMO_USERNAME}', password '{password}'")
