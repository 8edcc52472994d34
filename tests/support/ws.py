"""Helpers to read frames with a timeout, never sleeping."""

from __future__ import annotations

import json
from typing import Any

from channels.testing import WebsocketCommunicator

TIMEOUT = 5


async def next_frame(comm: WebsocketCommunicator, timeout: float = TIMEOUT) -> dict[str, Any]:
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
    """Send a request and return its reply (ok or error), skipping events."""
    await comm.send_to(text_data=json.dumps({"type": frame_type, "id": request_id, **fields}))
    for _ in range(20):
        frame = await next_frame(comm)
        if frame["type"] in ("ok", "error", "snapshot") and frame.get("id") == request_id:
            return frame
    raise AssertionError(f"no reply to {frame_type}")


async def close_code(comm: WebsocketCommunicator) -> int:
    output = await comm.receive_output(timeout=TIMEOUT)
    if output["type"] == "websocket.send":
        output = await comm.receive_output(timeout=TIMEOUT)
    assert output["type"] == "websocket.close", output
    return output.get("code")
