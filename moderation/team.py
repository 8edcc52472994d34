"""Who moderates a town hall, as the public sees it (issue 11: "who moderates?").

The public record, the citizen page and the screen name the moderators by
the display name each chose, never by their account name or e-mail.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser


def display_name(user: AbstractBaseUser | None) -> str:
    """The name a moderator shows the public: their chosen full name, else
    their user name. ``None`` (a decision made from the command line, or by an
    account since anonymised) gives ``""``."""
    if user is None:
        return ""
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def townhall_team(townhall: Any) -> list[str]:
    """The display names of the town hall's active moderators, sorted."""
    return sorted(display_name(user) for user in townhall.moderators.filter(is_active=True))
