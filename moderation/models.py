"""The persistent truth: town halls, questions, votes, decisions and the event log.

Models hold data only. Every change to a question's status goes through
``moderation.services``; nothing else assigns ``status``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from moderation import states


def new_screen_key() -> str:
    return secrets.token_urlsafe(24)


# No 0/O, 1/I/L: the code is read off a projector and typed on a phone.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class TownHall(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    screen_key = models.CharField(max_length=64, default=new_screen_key)
    # Short code citizens type at /join (shown on the screen next to the QR code).
    join_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    moderators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="moderated_townhalls", blank=True)
    max_question_length = models.PositiveIntegerField(default=500)
    hold_threshold = models.FloatField(default=0.5)
    # Moderators' own list, any language: a question containing one is held
    # whatever the model says (matched after normalisation).
    held_terms = models.JSONField(default=list, blank=True)
    # The event counter: the last seq handed out. Incremented under a row lock.
    last_seq = models.BigIntegerField(default=0)
    screen_question = models.ForeignKey("Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # How the approved questions wait for the screen (states.QUEUE_ORDERS):
    # by votes, until a moderator moves one by hand.
    queue_order = models.CharField(max_length=10, default=states.QUEUE_BY_VOTES)
    # Flood control (docs/security.md): moderators paused new questions, and
    # the seconds a citizen session must wait between two questions (0: off).
    questions_paused = models.BooleanField(default=False)
    slow_mode = models.PositiveIntegerField(default=0)
    # When the last coalesced vote counts were stored: every process spaces its
    # reports from this one (services.question_votes_publish).
    votes_reported_at = models.DateTimeField(null=True, blank=True)
    # When it closed (``townhall_close``): RETENTION_DAYS count from here, and
    # when ``manage.py purge`` removed its personal data (docs/security.md).
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # The moderation charter (moderation/charter.py): what the moderators
    # wrote; empty means the translated default text.
    charter_scope = models.TextField(blank=True)
    charter_contest = models.TextField(blank=True)
    charter_contact = models.CharField(max_length=200, blank=True)
    # The topics its questions are sorted into (moderation/topics.py): a small
    # fixed list of keys; empty means the default set.
    topics = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.title} ({self.slug})"


class Question(models.Model):
    class Status(models.TextChoices):
        # The values are moderation.states' statuses (the one source of the rules).
        PENDING = states.PENDING, "Pending"
        APPROVED = states.APPROVED, "Approved"
        REJECTED = states.REJECTED, "Rejected"
        ANSWERED = states.ANSWERED, "Answered"
        WITHDRAWN = states.WITHDRAWN, "Withdrawn"
        MERGED = states.MERGED, "Merged"
        UNHANDLED = states.UNHANDLED, "Unhandled"

    class ScoringStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        SCORED = "scored", "Scored"
        FAILED = "failed", "Failed"

    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField()
    original_text = models.TextField()
    author = models.CharField(max_length=states.MAX_AUTHOR_LENGTH, blank=True)
    # What the citizen typed as name and place (moderators may edit both).
    original_author = models.CharField(max_length=states.MAX_AUTHOR_LENGTH, blank=True)
    original_place = models.CharField(max_length=states.MAX_PLACE_LENGTH, blank=True)
    # What looks like personal data in text, author and place as they are now:
    # [{"field": ..., "kind": ...}] (moderation.personal_data), kept by the services.
    personal_data = models.JSONField(default=list, blank=True)
    # Pinned by a moderator: not a decision, no audit row, no version change.
    starred = models.BooleanField(default=False)
    participant = models.CharField(max_length=64, db_index=True)
    client_key = models.CharField(max_length=64)
    # The client address it came from (townhall/client_ip.py), for the per-address limit.
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=20, blank=True)
    held = models.BooleanField(default=False)
    # The town hall's held terms this question matched (held whatever the score).
    held_terms_matched = models.JSONField(default=list, blank=True)
    toxicity_score = models.FloatField(null=True, blank=True)
    toxicity_labels = models.JSONField(default=dict, blank=True)
    toxicity_model = models.CharField(max_length=120, blank=True)
    scoring_status = models.CharField(max_length=10, choices=ScoringStatus.choices, default=ScoringStatus.PENDING)
    scoring_attempts = models.PositiveSmallIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    # Set when this question was merged into another (a duplicate).
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    # Optional commune or neighbourhood given by the citizen.
    place = models.CharField(max_length=states.MAX_PLACE_LENGTH, blank=True)
    # Its topic, one of the town hall's keys ("" when none fits), and who set
    # it: "auto" (suggested on arrival) or "moderator" (corrected by hand).
    topic = models.CharField(max_length=40, blank=True)
    topic_source = models.CharField(max_length=10, blank=True)
    # Likely duplicates among the questions open when it arrived
    # (moderation/duplicates.py): [{"id": ..., "similarity": ...}], best first.
    duplicate_suggestions = models.JSONField(default=list, blank=True)
    # Order of approved questions waiting for the screen (lowest first).
    position = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The last redaction of personal data (moderation/redaction.py): who and
    # when; what was removed is stored nowhere.
    redacted_at = models.DateTimeField(null=True, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["townhall", "participant", "client_key"], name="question_unique_client_key")
        ]
        indexes = [models.Index(fields=["townhall", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} [{self.status}] {self.text[:40]}"

    @property
    def edited(self) -> bool:
        """Whether a moderator changed what the citizen typed (text, name or place)."""
        return (self.text, self.author, self.place) != (self.original_text, self.original_author, self.original_place)


class Vote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="vote_rows")
    participant = models.CharField(max_length=64)
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    # A vote from a session made during a burst of new sessions: stored, not
    # counted until the moderators accept the alert (flood.review).
    held_by = models.ForeignKey(
        "FloodAlert", null=True, blank=True, on_delete=models.SET_NULL, related_name="held_votes"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "participant"], name="vote_one_per_participant")]
        # The vote limits per session and per address (moderation/flood.py) read
        # the newest rows of one participant or address: without these, every
        # vote scanned the table.
        indexes = [
            models.Index(fields=["participant", "created_at"], name="vote_participant_time"),
            models.Index(fields=["ip", "created_at"], name="vote_ip_time"),
        ]

    def __str__(self) -> str:
        return f"vote on #{self.question_id}"


class Decision(models.Model):
    """Audit row: one per moderator action, never updated.

    ``moderator`` is empty only for what the command line did (closing).
    ``undo_data`` keeps what undoing the decision needs (the values before it,
    the votes a merge moved, the screen before...: see services/undo.py);
    an ``undo`` row points at the decision it undid with ``undoes``, which
    can be undone once only.
    """

    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="decisions")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    action = models.CharField(max_length=20)  # one of states.AUDIT_ACTIONS
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=20, blank=True)
    # For edits: the text before the change, so the audit trail keeps every version.
    previous_text = models.TextField(blank=True)
    undo_data = models.JSONField(default=dict, blank=True)
    undoes = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.moderator} {self.action} #{self.question_id} {self.from_status}->{self.to_status}"


class Event(models.Model):
    """The per-town-hall event log. ``seq`` is strictly increasing per town hall."""

    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["townhall", "seq"]
        constraints = [models.UniqueConstraint(fields=["townhall", "seq"], name="event_unique_seq")]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq}"


class ModeratorPresence(models.Model):
    """One open moderator console (a socket). Rows of a crashed process go
    stale: presence only lists rows seen within ``PRESENCE_TTL`` seconds."""

    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    editing = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} in {self.townhall_id}"


class CitizenSession(models.Model):
    """A participant id drawn by the citizen page: when, from which address,
    on which town hall's page. Counts new sessions per address and per town
    hall (flood control) and tells a vote how old its session is."""

    participant = models.CharField(max_length=64, unique=True)
    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="citizen_sessions")
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    # Made during a burst of new sessions: its votes are held by this alert.
    burst_alert = models.ForeignKey(
        "FloodAlert", null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"session {self.participant[:8]} ({self.ip})"


class FloodAlert(models.Model):
    """Submissions, votes or new sessions of a town hall jumped well above its recent rate."""

    class Kind(models.TextChoices):
        QUESTIONS = "questions", "Questions"
        VOTES = "votes", "Votes"
        SESSIONS = "sessions", "Sessions"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DROPPED = "dropped", "Dropped"

    townhall = models.ForeignKey(TownHall, on_delete=models.CASCADE, related_name="flood_alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    count = models.PositiveIntegerField()
    window_seconds = models.PositiveIntegerField()
    baseline = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.status} ({self.count})"
