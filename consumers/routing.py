from channels.auth import AuthMiddleware
from django.urls import path

from consumers.citizen import CitizenConsumer
from consumers.moderator import ModeratorConsumer
from consumers.screen import ScreenConsumer

# Named, so that pages get their socket's path from townhall.links (reverse()).
websocket_urlpatterns = [
    path("ws/t/<slug:slug>/", CitizenConsumer.as_asgi(), name="citizen-socket"),
    # Only moderators need their user: Channels' AuthMiddleware reads it from the
    # database before the socket is even accepted, and after a restart every
    # phone's handshake would queue behind thousands of such reads (asgi.py
    # gives every socket its lazy session).
    path("ws/t/<slug:slug>/moderate/", AuthMiddleware(ModeratorConsumer.as_asgi()), name="moderator-socket"),
    path("ws/t/<slug:slug>/screen/", ScreenConsumer.as_asgi(), name="screen-socket"),
]
# reverse(..., urlconf="consumers.routing") reads ``urlpatterns``.
urlpatterns = websocket_urlpatterns
