"""Citizens for bench/fanout.py: one process holding many citizen sockets.

    python bench/fanout_client.py     # driven by bench/fanout.py, one JSON command a line on stdin

bench/fanout.py starts several of these so that the clients never run in a
server's process and 10,000 sockets fit. Each command gets one JSON line on
stdout; progress and errors go to stderr. Times are ``time.monotonic()``,
which is system-wide on Linux, so bench/fanout.py compares them with its own.

Commands (``{"cmd": ..., ...}``):

- ``connect {sockets: [[url, cookie|null], ...], start_at, deadline}``:
  every socket starts connecting at ``start_at`` (a reconnect storm), with its
  server's own URL as Origin; a failed
  attempt is retried after 0.5-1.5 s until ``deadline``. Replies once every
  socket has its snapshot or the deadline passed: ``{snapshot_at: [...], failures, errors}``.
- ``phase {name}``: frames received from now on are counted under ``name``.
- ``vote {indices, question_id, start_at}``: these sockets send
  ``question.vote`` at ``start_at``; replies with the send times.
- ``await_acks {timeout}``, ``await_approved {question_id, timeout}``,
  ``await_votes {question_id, count, timeout}``: reply once every voter has
  its reply / every open socket has the question approved / every open
  socket's last vote count for the question is ``count`` (or the timeout passed).
- ``results {approved: [question ids], votes: question id}``: per socket,
  when each question reached it approved and its last vote count; the votes'
  send and reply times; frames and bytes per phase and type.
- ``close {timeout}``: close every socket; ``exit``.

A vote count is read from ``question.votes`` (protocol version 2) and from
``question.updated`` (version 1, where every vote updates the question).
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake


class Citizen:
    __slots__ = ("url", "cookie", "ws", "snapshot_at", "closed", "approved", "votes", "vote_sent", "ack_at", "ack")

    def __init__(self, url: str, cookie: str | None) -> None:
        self.url = url
        self.cookie = cookie
        self.ws: ClientConnection | None = None
        self.snapshot_at: float | None = None
        self.closed: int | None = None  # close code once the socket is closed
        self.approved: dict[int, float] = {}  # question id -> when it arrived approved
        self.votes: dict[int, int] = {}  # question id -> last count received in an event
        self.vote_sent: float | None = None
        self.ack_at: float | None = None
        self.ack: str | None = None  # "ok" or the error code


class Crowd:
    def __init__(self) -> None:
        self.citizens: list[Citizen] = []
        self.tasks: list[asyncio.Task] = []
        self.phase = "setup"
        self.frames: dict[str, Counter] = defaultdict(Counter)
        self.bytes: Counter = Counter()
        self.last_frame: dict[str, float] = {}
        self.failures = 0
        self.errors: Counter = Counter()
        self.approved_count: Counter = Counter()
        self.voters: list[Citizen] = []
        # Kept up to date as frames arrive, so that a wait checks a number, not every socket.
        self.settled = 0  # sockets with a snapshot, or closed before one
        self.open = 0  # sockets with a snapshot, still open
        self.acked = 0  # voters whose vote was answered
        self.vote_target: tuple[int, int] | None = None  # (question, count) awaited
        self.at_target = 0  # open sockets whose last count for it is the target
        self.changed = asyncio.Event()  # set by every frame and close: a wait re-checks

    # --- sockets -----------------------------------------------------------------

    async def run(self, citizen: Citizen, start_at: float, deadline: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        server = urlsplit(citizen.url)
        headers = {"Origin": f"http://{server.netloc}"}
        if citizen.cookie:
            headers["Cookie"] = citizen.cookie
        while True:
            try:
                citizen.ws = await connect(
                    citizen.url,
                    additional_headers=headers,
                    open_timeout=max(1.0, deadline - time.monotonic()),
                    ping_interval=None,
                    compression=None,
                    max_size=None,
                    close_timeout=5,
                    proxy=None,
                )
                break
            except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed) as exc:
                self.failures += 1
                self.errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                if time.monotonic() > deadline:
                    self.closing(citizen, -1)
                    return
                await asyncio.sleep(0.5 + random.random())
        try:
            async for raw in citizen.ws:
                self.receive(citizen, raw)
        except ConnectionClosed:
            pass
        self.closing(citizen, citizen.ws.close_code or 1006)

    def closing(self, citizen: Citizen, code: int) -> None:
        if citizen.snapshot_at is None:
            self.settled += 1
        else:
            self.open -= 1
            if self.vote_target and citizen.votes.get(self.vote_target[0]) == self.vote_target[1]:
                self.at_target -= 1
        citizen.closed = code
        self.changed.set()

    def receive(self, citizen: Citizen, raw: str | bytes) -> None:
        now = time.monotonic()
        frame = json.loads(raw)
        kind = frame.get("type")
        self.frames[self.phase][kind] += 1
        self.bytes[self.phase] += len(raw)
        self.last_frame[self.phase] = now
        if kind == "snapshot":
            if citizen.snapshot_at is None:
                citizen.snapshot_at = now
                self.settled += 1
                self.open += 1
        elif kind == "question.updated":
            question = frame["question"]
            self.count(citizen, question["id"], question["votes"])
            if question["status"] == "approved" and question["id"] not in citizen.approved:
                citizen.approved[question["id"]] = now
                self.approved_count[question["id"]] += 1
        elif kind == "question.votes":
            for item in frame["votes"]:
                self.count(citizen, item["id"], item["votes"])
        elif kind in ("ok", "error") and frame.get("id") == "vote" and citizen.ack_at is None:
            citizen.ack_at = now
            citizen.ack = "ok" if kind == "ok" else frame.get("code", "error")
            self.acked += 1
        self.changed.set()

    def count(self, citizen: Citizen, question_id: int, votes: int) -> None:
        if self.vote_target and self.vote_target[0] == question_id and citizen.snapshot_at is not None:
            before = citizen.votes.get(question_id) == self.vote_target[1]
            self.at_target += (votes == self.vote_target[1]) - before
        citizen.votes[question_id] = votes

    def open_citizens(self) -> list[Citizen]:
        return [c for c in self.citizens if c.snapshot_at is not None and c.closed is None]

    # --- commands ----------------------------------------------------------------

    async def connect(self, sockets: list[list[Any]], start_at: float, deadline: float) -> dict:
        self.citizens = [Citizen(url, cookie) for url, cookie in sockets]
        self.failures = 0
        self.errors.clear()
        self.settled = self.open = 0
        self.tasks = [asyncio.create_task(self.run(c, start_at, deadline)) for c in self.citizens]
        await self.until(lambda: self.settled == len(self.citizens), deadline)
        return {
            "snapshot_at": [c.snapshot_at for c in self.citizens],
            "failures": self.failures,
            "errors": self.errors.most_common(5),
            "closed": sum(c.closed is not None for c in self.citizens),
        }

    async def vote(self, indices: list[int], question_id: int, start_at: float) -> dict:
        self.voters = [self.citizens[i] for i in indices]
        self.acked = 0
        frame = json.dumps({"type": "question.vote", "id": "vote", "question_id": question_id, "up": True})
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        for citizen in self.voters:
            citizen.vote_sent = time.monotonic()
            if citizen.ws is not None and citizen.closed is None:
                await citizen.ws.send(frame)
        return {"sent": len(self.voters)}

    async def until(self, condition, deadline: float) -> bool:
        """Wait until ``condition()`` (cheap: it reads counters), re-checked after each frame."""
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return condition()
        return True

    async def await_acks(self, timeout: float) -> dict:
        done = await self.until(lambda: self.acked == len(self.voters), time.monotonic() + timeout)
        return {"done": done}

    async def await_approved(self, question_id: int, timeout: float) -> dict:
        done = await self.until(lambda: self.approved_count[question_id] >= self.open, time.monotonic() + timeout)
        return {"done": done}

    async def await_votes(self, question_id: int, count: int, timeout: float) -> dict:
        self.vote_target = (question_id, count)
        self.at_target = sum(c.votes.get(question_id) == count for c in self.open_citizens())
        done = await self.until(lambda: self.at_target >= self.open, time.monotonic() + timeout)
        self.vote_target = None
        return {"done": done}

    def results(self, approved: list[int], votes: int | None) -> dict:
        return {
            "approved": {str(q): [c.approved.get(q) for c in self.citizens] for q in approved},
            "votes_last": [c.votes.get(votes) for c in self.citizens] if votes is not None else [],
            "acks": [[c.vote_sent, c.ack_at, c.ack] for c in self.voters],
            "frames": {phase: dict(counts) for phase, counts in self.frames.items()},
            "bytes": dict(self.bytes),
            "last_frame": self.last_frame,
            "open": len(self.open_citizens()),
            "closed": Counter(c.closed for c in self.citizens if c.closed is not None).most_common(),
        }

    async def close(self, timeout: float) -> dict:
        sockets = [c.ws for c in self.citizens if c.ws is not None and c.closed is None]
        if sockets:
            await asyncio.wait([asyncio.create_task(ws.close()) for ws in sockets], timeout=timeout)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        left = sum(ws.state.name != "CLOSED" for ws in sockets)
        self.citizens, self.tasks, self.voters = [], [], []
        self.frames.clear()
        self.bytes.clear()
        self.last_frame.clear()
        self.approved_count.clear()
        return {"closed": len(sockets), "not_closed_in_time": left}


async def serve() -> None:
    crowd = Crowd()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        command = json.loads(line)
        name = command.pop("cmd")
        if name == "exit":
            break
        if name == "phase":
            crowd.phase = command["name"]
            reply: dict = {}
        elif name == "results":
            reply = crowd.results(**command)
        else:
            reply = await getattr(crowd, name)(**command)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    await crowd.close(5)


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(serve())


if __name__ == "__main__":
    main()
