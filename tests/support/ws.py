"""Helpers to read frames with a timeout, never sleeping."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from channels.testing import WebsocketCommunicator

from tests.support.diagnose import watch

TIMEOUT = 5


class Communicator(WebsocketCommunicator):
    """A communicator that keeps the frames :func:`request` skipped.

    The server's hub delivers events independently of a socket's requests, so
    an event a request caused may arrive before its ``ok`` (docs/protocol.md:
    replies are in order among themselves, events by ``seq``). Frames read
    while waiting for a reply are kept and read next, as a client would.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: deque[str] = deque()

    async def receive_from(self, timeout: float = 1) -> str:
        if self.kept:
            return self.kept.popleft()
        return await super().receive_from(timeout)

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        if self.kept:
            return False
        return await super().receive_nothing(timeout, interval)


async def next_frame(comm: WebsocketCommunicator, timeout: float = TIMEOUT) -> dict[str, Any]:
    with watch(timeout):
        return json.loads(await comm.receive_from(timeout=timeout))


async def expect(comm: WebsocketCommunicator, frame_type: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    frame = await next_frame(comm, timeout)
    assert frame["type"] == frame_type, frame
    return frame


async def until(
    comm: WebsocketCommunicator, frame_type: str, timeout: float = TIMEOUT, limit: int = 20
) -> dict[str, Any]:
    """Skip frames of other types until one of ``frame_type`` arrives."""
    seen = []
    for _ in range(limit):
        frame = await next_frame(comm, timeout)
        if frame["type"] == frame_type:
            return frame
        seen.append(frame["type"])
    raise AssertionError(f"no {frame_type} within {limit} frames: {seen}")


async def until_status(
    comm: WebsocketCommunicator, status: str, frame_type: str = "question.updated"
) -> dict[str, Any]:
    """Skip frames until a ``frame_type`` whose question has ``status``."""
    for _ in range(20):
        frame = await until(comm, frame_type)
        if frame["question"]["status"] == status:
            return frame
    raise AssertionError(f"no {frame_type} with status {status}")


async def request(
    comm: WebsocketCommunicator, frame_type: str, request_id: str = "r1", **fields: Any
) -> dict[str, Any]:
    """Send a request and return its reply (ok or error); the events that
    arrive meanwhile are kept for the next reads (see :class:`Communicator`)."""
    await comm.send_to(text_data=json.dumps({"type": frame_type, "id": request_id, **fields}))
    skipped: list[str] = []
    for _ in range(20):
        with watch(TIMEOUT):
            text = await comm.receive_from(timeout=TIMEOUT)
        frame = json.loads(text)
        if frame["type"] in ("ok", "error", "snapshot") and frame.get("id") == request_id:
            if isinstance(comm, Communicator):
                comm.kept.extendleft(reversed(skipped))
            return frame
        skipped.append(text)
    raise AssertionError(f"no reply to {frame_type}")


async def close_code(comm: WebsocketCommunicator) -> int:
    output = await comm.receive_output(timeout=TIMEOUT)
    if output["type"] == "websocket.send":
        output = await comm.receive_output(timeout=TIMEOUT)
    assert output["type"] == "websocket.close", output
    return output.get("code")
