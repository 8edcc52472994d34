"""Login throttling: django-axes, a maintained library, configured in settings.py.

Its backend refuses an ``authenticate()`` call that carries no request (it
needs one to know the client's address). Only the login form and the admin's
face the network, and both pass their request; a call without one comes from
this machine (``manage.py`` commands, the shell, tests) and has nothing to
throttle, so it goes straight to the password check.
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        """Raise ``PermissionDenied`` (Django then refuses the login) for a locked-out
        client; otherwise return ``None`` and let the next backend check the password."""
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out login gets (``AXES_LOCKOUT_CALLABLE``): HTTP 429, with how long it lasts."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
