"""Values every template may need, from their one source."""

from __future__ import annotations

from django.http import HttpRequest

from moderation import states


def rules(request: HttpRequest) -> dict[str, object]:
    """The limits on what citizens type (``moderation.states``), as ``limits.author`` and ``limits.place``."""
    return {"limits": {"author": states.MAX_AUTHOR_LENGTH, "place": states.MAX_PLACE_LENGTH}}
