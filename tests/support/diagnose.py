"""What the server side of an in-process test looked like when a wait for a frame ran out.

A frame that never comes is the hardest failure to read after the fact:
asgiref cancels the application on the timeout, and the report only says
"TimeoutError". :func:`watch` prints, just before the wait ends, the state
that decides delivery (docs/protocol.md, consumers/hub.py): each room's
``last_seq`` and the database's, each socket's readiness, parked events and
``last_seq``, the hub's tasks, the layer's health, and the stacks of the
event loop's tasks and of the database threads. pytest shows it with the
failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
import traceback
from collections.abc import Iterator

# How long before the wait's end the state is printed (seconds).
AHEAD = 0.2


def dump() -> str:
    """The hub, its rooms and sockets, the layer, the loop's tasks and the threads, as text."""
    from consumers.hub import _hubs
    from townhall.channel_layer import layer_health

    out = io.StringIO()
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    print("=== diagnose: a wait for a frame is about to time out ===", file=out)
    print(f"layer: down_since={layer_health.down_since} should_try={layer_health.should_try()}", file=out)
    if hub is None:
        print("no hub on this loop", file=out)
    else:
        print(f"hub: channel={hub.channel} unjoined={sorted(hub.unjoined)} rounds={hub.rounds}", file=out)
        for task in hub.tasks:
            print(f"  task {task.get_name()}: done={task.done()}", file=out)
        for townhall_id, room in hub.rooms.items():
            print(f"room {townhall_id}: last_seq={room.last_seq} building={room._building}", file=out)
            for member in room.members:
                print(
                    f"  {type(member).__name__}: ready={member.ready} last_seq={member.last_seq} "
                    f"pending={[seq for seq, _, _ in member.pending]} revoked={getattr(member, 'revoked', None)}",
                    file=out,
                )
    print("--- event loop tasks ---", file=out)
    for task in asyncio.all_tasks(loop):
        if task is asyncio.current_task():
            continue
        print(f"task {task.get_name()}:", file=out)
        task.print_stack(limit=6, file=out)
    print("--- threads ---", file=out)
    frames = sys._current_frames()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident)
        if frame is None or thread is threading.current_thread() or frame.f_code.co_name == "_worker":
            continue  # idle pool threads wait in ``_worker``
        print(f"thread {thread.name}:", file=out)
        out.write("".join(traceback.format_stack(frame, limit=8)))
    return out.getvalue()


def _print_dump() -> None:
    try:
        text = dump()
    except Exception as exc:  # a diagnostic must never be the failure
        text = f"diagnose: could not dump the state: {exc!r}"
    print(text, file=sys.stderr)


@contextlib.contextmanager
def watch(timeout: float) -> Iterator[None]:
    """Print :func:`dump` if the block is still running ``AHEAD`` seconds before ``timeout``."""
    handle = asyncio.get_running_loop().call_later(max(0.0, timeout - AHEAD), _print_dump)
    try:
        yield
    finally:
        handle.cancel()
