"""Events reach sockets without waiting for the database thread.

Channels' stock dispatch sent every message through the one thread that runs
the process's database calls; under a burst of questions, deliveries queued
behind the submissions (see consumers/dispatch.py). These tests hold that
thread busy and check what still gets through.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from moderation import events
from tests.support import factories
from tests.support.ws import expect, next_frame

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def until_reply(comm, request_id: str) -> dict:
    """The reply to ``request_id``, skipping events (the busy thread must not be needed to read)."""
    for _ in range(20):
        frame = await next_frame(comm, timeout=3)
        if frame.get("id") == request_id:
            return frame
    raise AssertionError(f"no reply to {request_id}")


@database_sync_to_async
def setup_room():
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, factories.login_session(moderator)


async def test_an_event_reaches_the_console_while_the_database_thread_is_busy(connect):
    # given a console on a town hall, and the database thread held by a long call
    townhall, session = await setup_room()
    console = await connect("/ws/t/room/moderate/", session=session)
    snapshot = await expect(console, "snapshot")
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait)())  # thread_sensitive: the database thread
    try:
        # when an event is signalled on the layer
        seq = snapshot["seq"] + 1
        payload = {"townhall": {"slug": "room", "title": "Renamed", "status": "live", "max_question_length": 500}}
        await get_channel_layer().group_send(
            events.group_name(townhall.pk), events.layer_message(townhall.pk, seq, events.TOWNHALL_UPDATED, payload)
        )

        # then the console gets it before the database thread is free
        frame = await expect(console, "townhall.updated", timeout=3)
        assert frame["seq"] == seq
        assert not busy.done()
    finally:
        release.set()
        await busy


async def test_a_moderator_acts_while_the_citizens_database_thread_is_busy(connect):
    # given a console, a citizen's question, and the citizens' database thread held
    townhall, session = await setup_room()
    console = await connect("/ws/t/room/moderate/", session=session)
    await expect(console, "snapshot")
    question = await database_sync_to_async(factories.make_question)(townhall, text="Quand ?")
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait)())
    try:
        # when the moderator approves it
        await console.send_to(
            text_data=json.dumps(
                {"type": "question.approve", "id": "a1", "question_id": question.pk, "version": question.version}
            )
        )

        # then the approval is done and acknowledged before the citizens' thread is free
        reply = await until_reply(console, "a1")
        assert reply["type"] == "ok" and reply["question"]["status"] == "approved"
        assert not busy.done()
    finally:
        release.set()
        await busy
