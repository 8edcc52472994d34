"""A town hall's moderation charter, as citizens read it (issue 11).

What is accepted, why a question can be rejected (``states.REJECT_REASONS``
in plain words), what the machine holds for a human to read (the hold
threshold and the held terms), and how to contest a decision. Moderators may
replace the "accepted" and "contest" texts and set a contact
(``services.townhall_set_charter``); what they leave empty is the default
text, translated into the reader's language. Read only: no writes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from moderation import states
from moderation.models import TownHall
from moderation.team import townhall_team

# Limits on what moderators write (services.townhall_set_charter checks them).
MAX_CHARTER_TEXT = 4000
MAX_CHARTER_CONTACT = 200


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    explanation: str


@dataclass(frozen=True)
class Charter:
    """The charter as one reader sees it (strings in the active language)."""

    scope: str
    scope_is_default: bool
    reasons: list[Reason]
    hold: str
    held_terms_count: int
    contest: str
    contest_is_default: bool
    contact: str
    team: list[str]


def default_scope() -> str:
    return _(
        "Questions about the subject of this town hall, asked in good faith, are accepted, "
        "whatever the opinion they express, including criticism of the officials. "
        "Moderators read every question before it is shown on the screen and on everyone’s phone."
    )


def default_contest() -> str:
    return _(
        "If you think your question was rejected or edited by mistake, write to the contact below, "
        "giving the town hall’s name and, if you can, the time you asked. "
        "A person who did not take the decision reviews it."
    )


def reasons() -> list[Reason]:
    """Every reject reason of ``states.REJECT_REASONS``, in plain words."""
    words = {
        "off_topic": (_("Off topic"), _("The question is not about the subject of this town hall.")),
        "duplicate": (
            _("Duplicate"),
            _("The same question was already asked: vote for it instead, or it is merged with it."),
        ),
        "abusive": (
            _("Abusive"),
            _("Insults, threats, harassment, or hatred against a person or a group."),
        ),
        "personal_data": (
            _("Personal data"),
            _("A phone number, an e-mail or street address, or private facts about someone."),
        ),
        "other": (_("Other"), _("Another reason, such as advertising or a message that is not a question.")),
    }
    return [Reason(code, *words[code]) for code in states.REJECT_REASONS]


def hold_explanation(threshold: float) -> str:
    """What the toxicity pre-rank does, with the town hall's threshold."""
    percent = round(threshold * 100)
    return _(
        "A program estimates how likely each question is to be abusive. When its estimate reaches "
        "%(percent)s%%, or when the question contains one of the terms the moderators chose, the "
        "question is held: a moderator reads it with particular care. The program never rejects or "
        "approves anything; only the moderators decide."
    ) % {"percent": percent}


def charter_contact(townhall: TownHall) -> str:
    """The town hall's contact for contesting, else the deployment's (``PRIVACY_CONTACT``)."""
    return townhall.charter_contact or settings.PRIVACY_CONTACT


def charter_for(townhall: TownHall) -> Charter:
    """The charter of ``townhall`` in the active language (one query: the team)."""
    return Charter(
        scope=townhall.charter_scope or default_scope(),
        scope_is_default=not townhall.charter_scope,
        reasons=reasons(),
        hold=hold_explanation(townhall.hold_threshold),
        held_terms_count=len(townhall.held_terms or []),
        contest=townhall.charter_contest or default_contest(),
        contest_is_default=not townhall.charter_contest,
        contact=charter_contact(townhall),
        team=townhall_team(townhall),
    )
