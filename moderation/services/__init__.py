"""The only write path for town halls, questions, votes, the screen and presence.

A package, one module per audience of the actions: ``citizens``,
``moderators``, ``merges`` (merge, restore from the archive), ``screen``,
``undo``, ``townhalls``, ``scoring`` (the runner stores scores here),
``presence``, ``duplicates`` (the suggestion runner stores likely duplicates here), ``rights`` (moderators, the screen key, closing sockets whose
rights end), ``accounts`` (moderators who leave: deactivate, anonymise); ``_core`` holds what they share.

A moderator's action returns what it changed with the audit record it wrote
as ``.decision`` (``None`` when nothing changed), so that the console's
``ok`` reply can offer to undo it.

Each change runs in a transaction (batch approval: one per question). It locks
the town-hall row first, which also serialises the event counter, then the
question; checks the move against the state table (``moderation.states``);
saves; writes the audit ``Decision`` for a moderator's action; appends an
``Event`` with the next ``seq``; and publishes it on the channel layer after
commit (``moderation.events``). Nothing else assigns ``Question.status``.

Services are synchronous and take scores as values. Consumers call them
through ``database_sync_to_async``; errors are ``moderation.exceptions``.
"""

from moderation.services.accounts import moderator_anonymise, moderator_deactivate
from moderation.services.charter import moderator_set_display_name, townhall_set_charter
from moderation.services.citizens import (
    ReportTooSoon,
    question_submit,
    question_vote,
    question_votes_publish,
    question_withdraw,
)
from moderation.services.duplicates import question_suggest_duplicates
from moderation.services.flood import citizen_session_start, flood_review, townhall_pause, townhall_slow_mode
from moderation.services.merges import question_merge, question_restore
from moderation.services.moderators import (
    question_answer,
    question_approve,
    question_approve_many,
    question_edit,
    question_reject,
    question_star,
)
from moderation.services.presence import presence_editing, presence_join, presence_leave, presence_ping
from moderation.services.retention import citizen_erase, townhall_purge, townhalls_due_for_purge
from moderation.services.rights import (
    moderator_sockets_close,
    townhall_moderator_add,
    townhall_moderator_remove,
    townhall_moderators_set,
    townhall_rotate_screen_key,
)
from moderation.services.scoring import question_apply_score, question_scoring_failed
from moderation.services.screen import screen_clear, screen_next, screen_reorder, screen_show, screen_sort_by_votes
from moderation.services.topics import question_set_topic, townhall_set_topics
from moderation.services.townhalls import townhall_close, townhall_create, townhall_set_held_terms, townhall_set_status
from moderation.services.undo import decision_undo

__all__ = [
    "question_set_topic",
    "townhall_set_topics",
    "moderator_anonymise",
    "moderator_deactivate",
    "citizen_erase",
    "townhall_purge",
    "townhalls_due_for_purge",
    "presence_editing",
    "presence_join",
    "presence_leave",
    "presence_ping",
    "question_submit",
    "question_withdraw",
    "question_vote",
    "question_votes_publish",
    "ReportTooSoon",
    "question_apply_score",
    "question_suggest_duplicates",
    "question_scoring_failed",
    "question_approve",
    "question_reject",
    "question_edit",
    "question_answer",
    "question_merge",
    "question_approve_many",
    "question_restore",
    "question_star",
    "decision_undo",
    "screen_sort_by_votes",
    "townhall_close",
    "screen_show",
    "screen_clear",
    "screen_reorder",
    "screen_next",
    "townhall_set_held_terms",
    "townhall_create",
    "townhall_set_status",
    "citizen_session_start",
    "flood_review",
    "moderator_sockets_close",
    "townhall_moderator_add",
    "townhall_moderator_remove",
    "townhall_moderators_set",
    "townhall_pause",
    "townhall_rotate_screen_key",
    "townhall_slow_mode",
    "townhall_set_charter",
    "moderator_set_display_name",
]
