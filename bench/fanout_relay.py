"""The bare relay of bench/fanout.py: the floor a town-hall server is compared to.

    python bench/fanout_relay.py --port PORT [--flush 0.5]

A plain ``websockets`` server that speaks just enough of docs/protocol.md for
the benchmark's clients, with no database, no channel layer and no per-socket
rendering:

- any socket gets a small snapshot-like frame on connect; a path containing
  ``/moderate/`` is a moderator socket (the control socket), any other a citizen;
- ``question.submit`` (citizen): ``ok`` with a new pending question;
- ``question.approve`` (moderator): ``ok``, then one ``question.updated``
  (status approved) to every citizen socket with ``websockets.broadcast``
  (the frame is encoded once);
- ``question.vote`` (citizen): ``ok`` at once with the new count; the counts
  that changed reach every citizen coalesced, as one ``question.votes`` frame
  every ``--flush`` seconds at most (the latest count wins), as protocol
  version 2 asks of the real server.

No Django: it starts in a fraction of a second and holds sockets as cheaply as
Python can. Its listen backlog is 4,096 (asyncio's default, 100, would make a
connect storm wait for the kernel's SYN retransmits).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve

TOWNHALL = {
    "slug": "demo",
    "title": "Demo town hall",
    "status": "live",
    "max_question_length": 500,
    "join_code": "DEMO00",
    "join_url": "http://127.0.0.1/t/demo/",
    "queue_order": "votes",
}


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def question(question_id: int, status: str, votes: int) -> dict[str, Any]:
    return {
        "id": question_id,
        "text": f"Bench question {question_id}?",
        "author": "",
        "place": "",
        "status": status,
        "votes": votes,
        "created_at": "2026-11-28T00:00:00+00:00",
        "version": 1 if status == "pending" else 2,
        "edited": False,
        "mine": False,
        "voted": False,
        "actions": ["question.vote"] if status == "approved" else [],
    }


class Relay:
    def __init__(self, flush_interval: float) -> None:
        self.flush_interval = flush_interval
        self.citizens: set[ServerConnection] = set()
        self.seq = 0
        self.next_id = 0
        self.status: dict[int, str] = {}
        self.votes: dict[int, set[int]] = {}  # question id -> ids of the voting connections
        self.dirty: set[int] = set()

    async def handler(self, ws: ServerConnection) -> None:
        moderator = "/moderate/" in ws.request.path
        approved = [question(q, "approved", len(self.votes[q])) for q, s in self.status.items() if s == "approved"]
        await ws.send(
            encode(
                {
                    "type": "snapshot",
                    "seq": self.seq,
                    "protocol": 2,
                    "townhall": TOWNHALL,
                    "questions": approved,
                    "screen": {"question": None},
                }
            )
        )
        if not moderator:
            self.citizens.add(ws)
        try:
            async for raw in ws:
                frame = json.loads(raw)
                reply = self.request(ws, moderator, frame)
                await ws.send(encode({"type": "ok", "id": frame.get("id"), **reply}))
                if frame["type"] == "question.approve":
                    self.seq += 1
                    updated = {"type": "question.updated", "seq": self.seq, "question": reply["question"]}
                    broadcast(self.citizens, encode(updated))
        finally:
            self.citizens.discard(ws)

    def request(self, ws: ServerConnection, moderator: bool, frame: dict[str, Any]) -> dict[str, Any]:
        kind = frame["type"]
        if kind == "question.submit" and not moderator:
            self.next_id += 1
            self.status[self.next_id] = "pending"
            self.votes[self.next_id] = set()
            return {"question": question(self.next_id, "pending", 0), "duplicate": False}
        if kind == "question.approve" and moderator:
            q = frame["question_id"]
            self.status[q] = "approved"
            return {"question": question(q, "approved", len(self.votes[q]))}
        if kind == "question.vote" and not moderator:
            q = frame["question_id"]
            if frame.get("up", True):
                self.votes[q].add(id(ws))
            else:
                self.votes[q].discard(id(ws))
            self.dirty.add(q)
            return {"question": question(q, self.status[q], len(self.votes[q]))}
        return {}

    async def flush_votes(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            if self.dirty:
                self.seq += 1
                counts = [{"id": q, "votes": len(self.votes[q])} for q in sorted(self.dirty)]
                self.dirty.clear()
                broadcast(self.citizens, encode({"type": "question.votes", "seq": self.seq, "votes": counts}))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--flush", type=float, default=0.5, help="seconds between two question.votes frames")
    parser.add_argument("--backlog", type=int, default=4096, help="listen backlog (asyncio's default is 100)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    relay = Relay(args.flush)
    # No compression and no keepalive pings, like the clients (Daphne negotiates no compression).
    async with serve(
        relay.handler,
        "127.0.0.1",
        args.port,
        compression=None,
        ping_interval=None,
        max_size=2**20,
        backlog=args.backlog,
    ):
        print("listening", flush=True)  # the benchmark waits for this line
        await relay.flush_votes()


if __name__ == "__main__":
    asyncio.run(main())
