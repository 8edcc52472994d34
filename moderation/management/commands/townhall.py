"""Manage town halls: create, list, open, close, moderators, screen key, topics, exports."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation import exports, selectors, services, states
from moderation.exceptions import DomainError
from moderation.models import TownHall
from moderation.topics import DEFAULT_TOPICS, TOPIC_LABELS, townhall_topics
from townhall import links


class Command(BaseCommand):
    help = (
        "Create, list, open or close town halls; add or remove moderators; rotate the screen key; "
        "export questions or decisions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a town hall and print its URLs and screen key")
        create.add_argument("slug")
        create.add_argument("--title", required=True)
        create.add_argument(
            "--moderator",
            action="append",
            default=[],
            metavar="USERNAME",
            help="an existing user who moderates it (repeatable)",
        )
        create.add_argument("--live", action="store_true", help="open it for questions now (default: draft)")
        create.add_argument("--max-length", type=int, default=500, help="max question length (default 500)")
        create.add_argument("--hold-threshold", type=float, default=0.5, help="hold score threshold (default 0.5)")
        sub.add_parser("list", help="list town halls")
        open_ = sub.add_parser("open", help="set a town hall live")
        open_.add_argument("slug")
        close = sub.add_parser(
            "close",
            help="close a town hall, as the console's Close does: it refuses questions and votes, "
            "pending questions become unhandled, the screen shows its closing slide",
        )
        close.add_argument("slug")
        for name, verb in (("add-moderator", "add"), ("remove-moderator", "remove")):
            change = sub.add_parser(
                name,
                help=f"{verb} a moderator"
                + (" (their open consoles on this town hall close at once)" if verb == "remove" else ""),
            )
            change.add_argument("slug")
            change.add_argument("username")
        rotate = sub.add_parser(
            "rotate-screen-key",
            help="give the town hall a new screen key and print the new screen URL; "
            "screens open with the old key close at once",
        )
        rotate.add_argument("slug")
        topics = sub.add_parser(
            "topics",
            help="show a town hall's topics (console keys 1-9), or set them: "
            f"a subset of {', '.join(DEFAULT_TOPICS)}, in key order; --default for all of them",
        )
        topics.add_argument("slug")
        topics.add_argument("keys", nargs="*", metavar="TOPIC")
        topics.add_argument("--default", action="store_true", help="back to the default set")
        self._add_export(sub)

    def _add_export(self, sub) -> None:
        export = sub.add_parser(
            "export",
            help="write a town hall's questions or decisions as CSV or JSON (docs/exports.md); "
            "no participant id, original text or rejected question's text",
        )
        export.add_argument("slug")
        export.add_argument("--what", choices=exports.WHATS, default=exports.QUESTIONS)
        export.add_argument("--format", dest="fmt", choices=exports.FORMATS, default=exports.CSV)
        export.add_argument(
            "--excel", action="store_true", help="CSV for French spreadsheets: UTF-8 with BOM, ';', decimal commas"
        )
        export.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"do_{action.replace('-', '_')}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _get(self, slug: str) -> TownHall:
        townhall = selectors.townhall_by_slug(slug)
        if townhall is None:
            raise CommandError(f"No town hall with slug {slug!r}.")
        return townhall

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}; create it first (manage.py createsuperuser or admin).")
        return user

    def do_create(
        self,
        *,
        slug: str,
        title: str,
        moderator: list[str],
        live: bool,
        max_length: int,
        hold_threshold: float,
        **_: object,
    ) -> None:
        User = get_user_model()
        users = []
        for username in moderator:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}; create it first (manage.py createsuperuser or admin).")
            users.append(user)
        townhall = services.townhall_create(
            title=title,
            slug=slug,
            moderators=users,
            status=TownHall.Status.LIVE if live else TownHall.Status.DRAFT,
            max_question_length=max_length,
            hold_threshold=hold_threshold,
        )
        urls = links.townhall_urls(townhall.slug, townhall.screen_key)
        self.stdout.write(f"Created {townhall.slug} ({townhall.status})")
        self.stdout.write(f"Citizens:   {urls['join_url']}  (or code {townhall.join_code} at /join)")
        self.stdout.write(f"Moderators: {urls['moderate_url']}")
        self.stdout.write(f"Screen:     {urls['screen_url']}")
        self.stdout.write(f"Screen key: {townhall.screen_key}")

    def do_list(self, **_: object) -> None:
        rows = TownHall.objects.order_by("slug").prefetch_related("moderators")
        if not rows:
            self.stdout.write("No town halls.")
        for townhall in rows:
            names = ", ".join(u.get_username() for u in townhall.moderators.all()) or "-"
            count = townhall.questions.count()
            self.stdout.write(
                f"{townhall.slug}\t{townhall.status}\t{count} questions\t{townhall.title}\tmoderators: {names}"
            )

    def do_topics(self, *, slug: str, keys: list[str], default: bool, **_: object) -> None:
        townhall = self._get(slug)
        if keys and default:
            raise CommandError("Give topics or --default, not both.")
        if keys or default:
            townhall = services.townhall_set_topics(townhall_id=townhall.pk, topics=keys)
        for number, key in enumerate(townhall_topics(townhall.topics), start=1):
            self.stdout.write(f"{number}\t{key}\t{TOPIC_LABELS[key]}")

    def do_open(self, *, slug: str, **_: object) -> None:
        townhall = services.townhall_set_status(townhall_id=self._get(slug).pk, status=TownHall.Status.LIVE)
        self.stdout.write(f"{townhall.slug} is live")

    def do_close(self, *, slug: str, **_: object) -> None:
        townhall = self._get(slug)
        pending = townhall.questions.filter(status=states.PENDING).count()
        townhall = services.townhall_close(townhall_id=townhall.pk)
        if townhall.decision is None:
            self.stdout.write(f"{townhall.slug} is closed (it was already)")
            return
        self.stdout.write(f"{townhall.slug} is closed")
        if pending:
            self.stdout.write(f"{pending} pending questions marked unhandled (not handled during the session)")

    def do_add_moderator(self, *, slug: str, username: str, **_: object) -> None:
        townhall = services.townhall_moderator_add(townhall_id=self._get(slug).pk, user=self._user(username))
        self.stdout.write(f"{username} moderates {townhall.slug}")

    def do_remove_moderator(self, *, slug: str, username: str, **_: object) -> None:
        townhall = services.townhall_moderator_remove(townhall_id=self._get(slug).pk, user=self._user(username))
        self.stdout.write(f"{username} no longer moderates {townhall.slug}; their open consoles were closed")

    def do_rotate_screen_key(self, *, slug: str, **_: object) -> None:
        townhall = services.townhall_rotate_screen_key(townhall_id=self._get(slug).pk)
        urls = links.townhall_urls(townhall.slug, townhall.screen_key)
        self.stdout.write(f"New screen key for {townhall.slug}; screens open with the old key were closed")
        self.stdout.write(f"Screen:     {urls['screen_url']}")
        self.stdout.write(f"Screen key: {townhall.screen_key}")

    def do_export(self, *, slug: str, what: str, fmt: str, excel: bool, output: str | None, **_: object) -> None:
        """Write the export to ``output`` (bytes as they are) or standard output.
        An unknown slug is a ``CommandError`` (exit code 1)."""
        result = exports.export(self._get(slug), what=what, fmt=fmt, excel=excel)
        if output:
            with open(output, "wb") as file:
                file.write(result.content)
            self.stderr.write(f"Wrote {output} ({len(result.content)} bytes)")
            return
        # The bytes as they are when stdout has a binary side (a terminal, a
        # pipe), whatever the locale's encoding; else as text (tests' StringIO).
        binary = getattr(self.stdout._out, "buffer", None)
        if binary is None:
            self.stdout.write(result.content.decode("utf-8"), ending="")
            return
        self.stdout.flush()
        binary.write(result.content)
        binary.flush()
