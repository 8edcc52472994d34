"""Smoke run on PostgreSQL, whatever database the rest of the suite uses.

A fresh PostgreSQL database, the management commands, one real Daphne and
real websockets; then the rows are read back with psycopg, not the ORM.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import AsyncExitStack

import psycopg
import pytest

from tests.support.servers import ManageError, citizen_cookie, fresh_database, login, manage, open_socket

PASSWORD = "demo-" + secrets.token_urlsafe(12)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    with fresh_database(require_postgres=True) as database_url:
        yield database_url


def rows(database_url: str, query: str, *params: object) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(query, params).fetchall()


def test_management_commands_on_postgres(postgres_database):
    # given a migrated PostgreSQL database
    assert postgres_database.startswith(("postgres://", "postgresql://"))
    assert rows(postgres_database, "SELECT current_setting('server_version_num')::int >= 120000") == [(True,)]

    # when the demo is created twice
    first = manage(postgres_database, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
    second = manage(postgres_database, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})

    # then it exists once, live, with one moderator
    assert "Town hall:  Demo town hall (demo), live" in first and "Town hall:  Demo town hall (demo), live" in second
    assert rows(postgres_database, "SELECT slug, status FROM moderation_townhall") == [("demo", "live")]
    assert rows(postgres_database, "SELECT username FROM auth_user") == [("moderator",)]
    assert rows(
        postgres_database,
        "SELECT u.username FROM moderation_townhall_moderators m JOIN auth_user u ON u.id = m.user_id",
    ) == [("moderator",)]

    # when a town hall is created, listed and closed
    created = manage(
        postgres_database,
        "townhall",
        "create",
        "budget-2027",
        "--title",
        "Budget 2027",
        "--moderator",
        "moderator",
        "--live",
        "--max-length",
        "300",
    )
    assert "Created budget-2027 (live)" in created
    key = re.search(r"Screen key: (\S+)", created).group(1)
    listed = manage(postgres_database, "townhall", "list")
    assert re.search(r"^budget-2027\tlive\t0 questions\tBudget 2027\tmoderators: moderator$", listed, re.M), listed
    assert re.search(r"^demo\tlive\t", listed, re.M), listed
    assert manage(postgres_database, "townhall", "close", "budget-2027").strip() == "budget-2027 is closed"

    # then PostgreSQL holds it, closed, with its key and its one event
    assert rows(
        postgres_database,
        "SELECT status, max_question_length, screen_key, last_seq FROM moderation_townhall WHERE slug = %s",
        "budget-2027",
    ) == [("closed", 300, key, 1)]
    assert rows(
        postgres_database,
        "SELECT e.seq, e.type, e.payload->'townhall'->>'status' FROM moderation_event e "
        "JOIN moderation_townhall t ON t.id = e.townhall_id WHERE t.slug = %s",
        "budget-2027",
    ) == [(1, "townhall.updated", "closed")]

    # and an unknown slug is an error, not a crash
    with pytest.raises(ManageError, match="No town hall with slug 'nope'"):
        manage(postgres_database, "townhall", "close", "nope")


@pytest.mark.multiprocess
@pytest.mark.asyncio
async def test_submit_and_approve_are_stored_in_postgres(postgres_database, live_server_factory):
    # given the demo and one Daphne on PostgreSQL (in-memory channel layer)
    manage(postgres_database, "demo", env={"DEMO_MODERATOR_PASSWORD": PASSWORD})
    server = live_server_factory(postgres_database)
    assert server.health["database"] == {"status": "ok", "vendor": "postgresql"}

    async with AsyncExitStack() as sockets:
        moderator = await sockets.enter_async_context(
            open_socket(server, "/ws/t/demo/moderate/", login(server.url, "moderator", PASSWORD))
        )
        assert (await moderator.until("snapshot"))["seq"] == 1  # its own arrival (presence)
        citizen = await sockets.enter_async_context(
            open_socket(server, "/ws/t/demo/", citizen_cookie(server.url, "demo"))
        )
        await citizen.until("snapshot")

        # when a citizen asks and the moderator approves once it is scored
        text = "Où en est le projet de piscine municipale ?"
        reply = await citizen.request("question.submit", text=text, author="Zoë", client_key="pg-1")
        assert reply["type"] == "ok", reply
        question_id = reply["question"]["id"]
        await moderator.until("question.created")
        scored = await moderator.until("question.scored")
        model = scored["question"]["toxicity"]["model"]
        assert "alt-profanity-check" in model
        reply = await moderator.request("question.approve", question_id=question_id, version=1)
        assert reply["type"] == "ok" and reply["question"]["status"] == "approved", reply
        updated = await citizen.until("question.updated", where=lambda f: f["question"]["status"] == "approved")
        assert updated["question"]["mine"] is True

    # then PostgreSQL holds the question, the decision and the event log
    db = postgres_database
    assert rows(
        db,
        "SELECT text, author, status, version, scoring_status, toxicity_model FROM moderation_question WHERE id = %s",
        question_id,
    ) == [(text, "Zoë", "approved", 2, "scored", model)]
    assert rows(
        db,
        "SELECT u.username, d.action, d.from_status, d.to_status, d.question_id FROM moderation_decision d "
        "JOIN auth_user u ON u.id = d.moderator_id",
    ) == [("moderator", "approve", "pending", "approved", question_id)]
    logged = rows(
        db,
        "SELECT e.seq, e.type, (e.payload->'question'->>'id')::bigint, t.last_seq FROM moderation_event e "
        "JOIN moderation_townhall t ON t.id = e.townhall_id WHERE t.slug = 'demo' ORDER BY e.id",
    )
    seqs = [row[0] for row in logged]
    assert seqs == list(range(1, len(seqs) + 1)), logged  # 1..N, strictly increasing, in insertion order
    question_events = [row for row in logged if row[1] != "presence.changed"]  # the console coming and going
    assert [row[1] for row in question_events] == ["question.created", "question.scored", "question.updated"]
    assert {row[2] for row in question_events} == {question_id}
    assert {row[3] for row in logged} == {seqs[-1]}
    assert updated["seq"] == question_events[-1][0]
