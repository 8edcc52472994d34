"""ASGI entry point: Django for HTTP, Channels for the websockets and the
scoring worker channel.

Run with ``daphne asgi:application``; scoring workers with
``python manage.py runworker toxicity-scoring``.
"""

import os
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before the consumers import models.
django_asgi_app = get_asgi_application()

from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from consumers.frames import close_oversized_frames  # noqa: E402
from consumers.origin import SameOriginValidator  # noqa: E402
from consumers.routing import websocket_urlpatterns  # noqa: E402
from consumers.scoring_worker import ScoringWorkerConsumer  # noqa: E402
from consumers.send_buffer import SendBufferProbe  # noqa: E402
from consumers.sessions import ReadOnlySessionMiddlewareStack  # noqa: E402
from moderation import scoring_runner, topics  # noqa: E402
from moderation.scoring import registry  # noqa: E402
from moderation.scoring_runner import WORKER_CHANNEL  # noqa: E402
from townhall import collector, direct_writes  # noqa: E402


class RecoverUnscoredOnStart:
    """On the first connection this process serves, queue again the questions
    a crash or restart left unscored (the ASGI server gives no start hook)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and settings.SCORING_RECOVER_ON_START:
            await scoring_runner.recover_unscored()
        return await self.app(scope, receive, send)


if settings.SCORING_MODE == "local":
    # Load the model now, off the event loop, rather than on the first question.
    registry.preload_in_background()

# Compile the topic keywords now, off the event loop: the first question's
# suggestion would otherwise compile them (0.3 s) while holding its town hall's lock.
threading.Thread(target=topics.topic_hits, args=("",), name="topics-preload", daemon=True).start()

# A frame over WEBSOCKET_MAX_FRAME closes its socket with 1009, not a TCP reset.
close_oversized_frames()

# A frame goes to the kernel at once when nothing waits before it (townhall/direct_writes.py).
direct_writes.install()

# Everything imported so far lives as long as the process: no collection need walk it.
collector.tune()

application = RecoverUnscoredOnStart(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # Outermost: it reads the server's own ``send`` (consumers/send_buffer.py).
            "websocket": SendBufferProbe(
                SameOriginValidator(ReadOnlySessionMiddlewareStack(URLRouter(websocket_urlpatterns)))
            ),
            "channel": ChannelNameRouter({WORKER_CHANNEL: ScoringWorkerConsumer.as_asgi()}),
        }
    )
)
