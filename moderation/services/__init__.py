"""The only write path for town halls, questions, votes, the screen and presence.

A package, one module per audience of the actions: ``citizens``,
``moderators``, ``screen``, ``townhalls``, ``scoring`` (the runner stores
scores here), ``presence``; ``_core`` holds what they share.

Each change runs in a transaction (batch approval: one per question). It locks
the town-hall row first, which also serialises the event counter, then the
question; checks the move against the state table (``moderation.states``);
saves; writes the audit ``Decision`` for a moderator's action; appends an
``Event`` with the next ``seq``; and publishes it on the channel layer after
commit (``moderation.events``). Nothing else assigns ``Question.status``.

Services are synchronous and take scores as values. Consumers call them
through ``database_sync_to_async``; errors are ``moderation.exceptions``.
"""

from moderation.services.citizens import question_submit, question_vote, question_withdraw
from moderation.services.moderators import (
    question_answer,
    question_approve,
    question_approve_many,
    question_edit,
    question_merge,
    question_reject,
)
from moderation.services.presence import presence_editing, presence_join, presence_leave, presence_ping
from moderation.services.scoring import question_apply_score, question_scoring_failed
from moderation.services.screen import screen_clear, screen_next, screen_reorder, screen_show
from moderation.services.townhalls import townhall_create, townhall_set_held_terms, townhall_set_status

__all__ = [
    "presence_editing",
    "presence_join",
    "presence_leave",
    "presence_ping",
    "question_submit",
    "question_withdraw",
    "question_vote",
    "question_apply_score",
    "question_scoring_failed",
    "question_approve",
    "question_reject",
    "question_edit",
    "question_answer",
    "question_merge",
    "question_approve_many",
    "screen_show",
    "screen_clear",
    "screen_reorder",
    "screen_next",
    "townhall_set_held_terms",
    "townhall_create",
    "townhall_set_status",
]
