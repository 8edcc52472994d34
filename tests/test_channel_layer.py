"""The embedded channel layer (townhall.channel_layer) behaves like Channels' own."""

from __future__ import annotations

import asyncio

import pytest

from townhall.channel_layer import TownHallInMemoryChannelLayer

pytestmark = pytest.mark.asyncio


async def _members(layer, group: str, n: int) -> list[str]:
    names = [await layer.new_channel() for _ in range(n)]
    for name in names:
        await layer.group_add(group, name)
    return names


async def test_a_group_message_reaches_every_member_once_as_sent():
    # given three sockets in a group and one outside it
    layer = TownHallInMemoryChannelLayer()
    members = await _members(layer, "townhall.1", 3)
    outsider = await layer.new_channel()
    message = {"type": "townhall.event", "seq": 7, "payload": {"question": {"id": 1, "text": "Quand ?"}}}

    # when
    await layer.group_send("townhall.1", message)
    message["payload"]["question"]["text"] = "changed by the sender afterwards"

    # then
    received = [await asyncio.wait_for(layer.receive(name), 1) for name in members]
    assert all(
        r == {"type": "townhall.event", "seq": 7, "payload": {"question": {"id": 1, "text": "Quand ?"}}}
        for r in received
    )
    assert layer.channels.get(outsider) is None or layer.channels[outsider].empty()
    for name in members:
        assert layer.channels.get(name) is None or layer.channels[name].empty()


async def test_messages_keep_their_order_and_a_full_channel_loses_only_its_overflow():
    # given a slow socket with capacity 2 and a fast one
    layer = TownHallInMemoryChannelLayer(capacity=2)
    slow, fast = await _members(layer, "townhall.1", 2)

    # when three events are sent while nobody reads, then the fast one reads
    for seq in (1, 2, 3):
        await layer.group_send("townhall.1", {"type": "townhall.event", "seq": seq})
        if seq == 2:
            assert [(await layer.receive(fast))["seq"] for _ in range(2)] == [1, 2]

    # then the slow socket has the first two, the third was dropped for it only
    assert [(await layer.receive(slow))["seq"] for _ in range(2)] == [1, 2]
    assert (await layer.receive(fast))["seq"] == 3
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(slow), 0.2)


async def test_expired_messages_are_still_swept():
    # given a message already expired when sent, and a sweep allowed at every call
    layer = TownHallInMemoryChannelLayer(expiry=-1, sweep_interval=0)
    (member,) = await _members(layer, "townhall.1", 1)
    await layer.group_send("townhall.1", {"type": "townhall.event", "seq": 1})

    # when the next operation sweeps
    await layer.group_send("townhall.2", {"type": "townhall.event", "seq": 2})

    # then the expired message is gone and its channel left the group (as in Channels)
    assert member not in layer.channels
    assert member not in layer.groups["townhall.1"]
