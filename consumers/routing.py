from django.urls import path

from consumers.citizen import CitizenConsumer
from consumers.moderator import ModeratorConsumer
from consumers.screen import ScreenConsumer

websocket_urlpatterns = [
    path("ws/t/<slug:slug>/", CitizenConsumer.as_asgi()),
    path("ws/t/<slug:slug>/moderate/", ModeratorConsumer.as_asgi()),
    path("ws/t/<slug:slug>/screen/", ScreenConsumer.as_asgi()),
]
