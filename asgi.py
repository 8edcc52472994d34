"""ASGI entry point: Django for HTTP, Channels for the three websockets.

Run with ``daphne asgi:application``.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before the consumers import models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from consumers.routing import websocket_urlpatterns  # noqa: E402
from moderation.scoring import registry  # noqa: E402

# Load the model now, off the event loop, rather than on the first question.
registry.preload_in_background()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
