"""Publishing after commit from a server's database thread never hangs the server."""

from __future__ import annotations

import asyncio
import os
import threading

from asgiref.sync import SyncToAsync

from moderation import events


def test_a_publish_after_the_server_loop_stopped_returns_at_once(caplog):
    # given a database thread of a server whose event loop has stopped (SIGTERM
    # while a moderator's socket was disconnecting)
    loop = asyncio.new_event_loop()
    finished = threading.Event()

    def database_thread() -> None:
        SyncToAsync.threadlocal.main_event_loop = loop
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        # when a committed write publishes its event
        events._publish(1, events.layer_message(1, 7, events.PRESENCE_CHANGED, {"presence": []}))
        finished.set()

    thread = threading.Thread(target=database_thread, daemon=True)
    thread.start()

    # then the thread is not left waiting for that loop (the process can exit)
    assert finished.wait(timeout=10), "the publish waits forever for a stopped loop"
    assert "event loop has stopped" in caplog.text
    loop.close()


def test_a_publish_from_a_server_thread_reaches_the_layer():
    # given a running server loop, and a group member on its layer
    async def scenario() -> dict:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(5), channel)
        loop = asyncio.get_running_loop()

        def database_thread() -> None:
            SyncToAsync.threadlocal.main_event_loop = loop
            SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
            events._publish(5, events.layer_message(5, 3, events.TOWNHALL_UPDATED, {"townhall": {}}))

        # when a database thread publishes
        await loop.run_in_executor(None, database_thread)
        return await asyncio.wait_for(layer.receive(channel), 5)

    # then the message is on the layer
    received = asyncio.run(scenario())
    assert received["seq"] == 3 and received["event"] == events.TOWNHALL_UPDATED


def test_a_database_thread_hands_its_signals_over_without_waiting_and_in_order():
    # given a running server loop, busy (blocked) until the database thread is done,
    # and a group member on its layer
    async def scenario() -> list[int]:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(6), channel)
        loop = asyncio.get_running_loop()
        returned = threading.Event()

        def database_thread() -> None:
            SyncToAsync.threadlocal.main_event_loop = loop
            SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
            # when it publishes three committed events while its loop is busy
            for seq in (4, 5, 6):
                events._publish(6, events.layer_message(6, seq, events.QUESTION_UPDATED, {"question": {}}))
            returned.set()

        threading.Thread(target=database_thread, daemon=True).start()
        # then it returns without waiting for the loop (which this wait blocks)
        assert returned.wait(timeout=10), "the database thread waited for its busy loop"
        # and the loop sends them, in order, once free
        return [(await asyncio.wait_for(layer.receive(channel), 5))["seq"] for _ in range(3)]

    assert asyncio.run(scenario()) == [4, 5, 6]
