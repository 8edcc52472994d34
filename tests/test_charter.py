"""The moderation charter and the moderators' public names: services and sockets (issue 11)."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from moderation import charter, events, services, states
from moderation.exceptions import BadRequest, Forbidden, TooLong
from moderation.models import Decision, Event, TownHall
from moderation.presenters import Viewer, render_townhall
from moderation.selectors import snapshot
from moderation.team import townhall_team
from tests.support import factories
from tests.support.ws import expect, request, until

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    moderator = factories.make_user("alice", first_name="Alice", last_name="Martin")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, moderator


def set_charter(townhall: TownHall, moderator, **texts: str) -> TownHall:
    fields = {"scope": "", "contest": "", "contact": "", **texts}
    return services.townhall_set_charter(townhall_id=townhall.pk, moderator=moderator, **fields)


def test_editing_the_charter_is_audited_and_announced(room):
    # given a town hall with the default charter
    townhall, moderator = room
    before = townhall.last_seq

    # when a moderator writes its texts and contact
    result = set_charter(
        townhall, moderator, scope="  Questions sur le budget.\r\nRien d'autre. ", contest="Écrire.", contact="a@b.fr"
    )

    # then they are stored cleaned, with one charter decision and one townhall.updated
    townhall.refresh_from_db()
    assert (townhall.charter_scope, townhall.charter_contest, townhall.charter_contact) == (
        "Questions sur le budget.\nRien d'autre.",
        "Écrire.",
        "a@b.fr",
    )
    decision = Decision.objects.get(townhall=townhall, action=states.CHARTER)
    assert decision.moderator == moderator and result.decision["id"] == decision.pk
    event = Event.objects.get(townhall=townhall, seq=before + 1)
    assert event.type == events.TOWNHALL_UPDATED and event.payload["decision"]["action"] == "charter"
    assert json.loads(json.dumps(event.payload)) == event.payload


def test_the_same_charter_again_changes_nothing(room):
    townhall, moderator = room
    set_charter(townhall, moderator, scope="Budget.")
    seq = TownHall.objects.get(pk=townhall.pk).last_seq

    result = set_charter(townhall, moderator, scope="Budget.")

    assert result.decision is None
    assert TownHall.objects.get(pk=townhall.pk).last_seq == seq
    assert Decision.objects.filter(action=states.CHARTER).count() == 1


def test_only_the_town_halls_active_moderators_edit_the_charter(room):
    townhall, moderator = room
    with pytest.raises(Forbidden):
        set_charter(townhall, factories.make_user("eve"), scope="Mine now.")
    moderator.is_active = False
    moderator.save()
    with pytest.raises(Forbidden):
        set_charter(townhall, moderator, scope="Mine now.")
    assert TownHall.objects.get(pk=townhall.pk).charter_scope == ""
    assert not Decision.objects.filter(action=states.CHARTER).exists()


@pytest.mark.parametrize(
    ("texts", "error"),
    [
        ({"scope": "x" * (charter.MAX_CHARTER_TEXT + 1)}, TooLong),
        ({"contest": "x" * (charter.MAX_CHARTER_TEXT + 1)}, TooLong),
        ({"contact": "x" * (charter.MAX_CHARTER_CONTACT + 1)}, TooLong),
        ({"scope": 12}, BadRequest),
    ],
    ids=["scope", "contest", "contact", "not-a-string"],
)
def test_bad_charter_texts_are_refused(room, texts, error):
    townhall, moderator = room
    with pytest.raises(error):
        set_charter(townhall, moderator, **texts)


def test_an_empty_text_is_the_default_in_the_readers_language(room, settings):
    # given a charter whose moderators wrote nothing, and a deployment contact
    townhall, _ = room
    settings.PRIVACY_CONTACT = "dpo@ville.example"
    from django.utils import translation

    # when it is read in French and in English
    with translation.override("fr"):
        french = charter.charter_for(townhall)
    with translation.override("en"):
        english = charter.charter_for(townhall)

    # then both are the default texts, each in its language, with every reject reason
    assert french.scope_is_default and english.scope_is_default
    assert french.scope != english.scope and "Questions" in english.scope
    assert [r.code for r in english.reasons] == list(states.REJECT_REASONS)
    assert "50%" in english.hold and "50" in french.hold
    assert english.contact == "dpo@ville.example"
    assert english.team == ["Alice Martin"]


def test_a_moderator_chooses_the_name_the_public_sees(room):
    # given a moderator of two town halls
    townhall, moderator = room
    other = factories.make_townhall(moderators=[moderator, factories.make_user("bob")], slug="other")

    # when they choose a public name
    changed = services.moderator_set_display_name(user=moderator, name="  Alice M. ")

    # then the teams show it; each town hall got an audit row and townhall.updated with its team
    assert townhall_team(townhall) == ["Alice M."]
    assert townhall_team(other) == ["Alice M.", "bob"]
    assert {t.pk for t in changed} == {townhall.pk, other.pk}
    for hall in (townhall, other):
        assert Decision.objects.filter(townhall=hall, action=states.DISPLAY_NAME, moderator=moderator).count() == 1
        event = Event.objects.filter(townhall=hall).latest("seq")
        assert event.type == events.TOWNHALL_UPDATED
        assert event.payload["townhall"]["team"] == townhall_team(hall)


def test_the_same_public_name_again_changes_nothing(room):
    _, moderator = room
    services.moderator_set_display_name(user=moderator, name="Alice M.")
    assert services.moderator_set_display_name(user=moderator, name="Alice M.") == []
    assert Decision.objects.filter(action=states.DISPLAY_NAME).count() == 1


def test_an_empty_public_name_shows_the_user_name_and_long_ones_are_refused(room):
    townhall, moderator = room
    services.moderator_set_display_name(user=moderator, name="")
    assert townhall_team(townhall) == ["alice"]
    with pytest.raises(TooLong):
        services.moderator_set_display_name(user=moderator, name="x" * (states.MAX_AUTHOR_LENGTH + 1))


def test_every_audience_gets_the_team_but_not_the_moderators_accounts(room):
    # given a moderator whose public name differs from the account name
    townhall, _ = room

    # when each audience reads the snapshot
    for role in ("citizen", "screen", "moderator"):
        frame = snapshot(Viewer(role=role, participant="p"), townhall.pk)

        # then it carries the team of public names
        assert frame["townhall"]["team"] == ["Alice Martin"]
    assert "alice" not in json.dumps(render_townhall(Viewer(role="screen"), frame["townhall"]))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # database_sync_to_async's thread must see commits
async def test_moderators_edit_the_charter_over_the_socket(connect):
    # given a moderator console and a screen
    @database_sync_to_async
    def setup():
        moderator = factories.make_user("alice")
        townhall = factories.make_townhall(moderators=[moderator], slug="room")
        return factories.login_session(moderator), townhall.screen_key

    session, key = await setup()
    mod = await connect("/ws/t/room/moderate/", session=session)
    await expect(mod, "snapshot")
    screen = await connect(f"/ws/t/room/screen/?key={key}")
    await expect(screen, "snapshot")

    # when the moderator edits the charter
    reply = await request(mod, "townhall.charter", scope="Budget only.", contact="mairie@example.org")

    # then the reply carries the texts and the audit row; everyone hears townhall.updated
    assert reply["type"] == "ok", reply
    assert reply["charter"] == {"scope": "Budget only.", "contest": "", "contact": "mairie@example.org"}
    assert reply["decision"]["action"] == "charter"
    assert (await until(mod, "townhall.updated"))["townhall"]["team"] == ["alice"]
    assert (await until(screen, "townhall.updated"))["townhall"]["team"] == ["alice"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_citizens_and_screens_cannot_edit_the_charter(connect):
    # given a citizen and a screen
    @database_sync_to_async
    def setup():
        townhall = factories.make_townhall(moderators=[factories.make_user("alice")], slug="room")
        return factories.citizen_session()[0], townhall.screen_key

    session, key = await setup()
    citizen = await connect("/ws/t/room/", session=session)
    await expect(citizen, "snapshot")
    screen = await connect(f"/ws/t/room/screen/?key={key}")
    await expect(screen, "snapshot")

    # when each asks to edit the charter
    for comm in (citizen, screen):
        reply = await request(comm, "townhall.charter", scope="Anything goes.")

        # then it is forbidden and nothing changed
        assert reply["type"] == "error" and reply["code"] == "forbidden"

    @database_sync_to_async
    def stored():
        return TownHall.objects.get(slug="room").charter_scope, Decision.objects.filter(action="charter").exists()

    assert await stored() == ("", False)


def test_adding_or_removing_a_moderator_announces_the_new_team(room):
    # given a town hall with one moderator
    townhall, moderator = room
    bob = factories.make_user("bob")

    # when another is added, then the first removed
    services.townhall_moderator_add(townhall_id=townhall.pk, user=bob)
    added = Event.objects.filter(townhall=townhall, type=events.TOWNHALL_UPDATED).latest("seq")
    services.townhall_moderator_remove(townhall_id=townhall.pk, user=moderator)
    removed = Event.objects.filter(townhall=townhall, type=events.TOWNHALL_UPDATED).latest("seq")

    # then each change tells everyone the team it left
    assert added.payload["townhall"]["team"] == ["Alice Martin", "bob"]
    assert removed.payload["townhall"]["team"] == ["bob"]

    # and adding someone already there says nothing
    seq = TownHall.objects.get(pk=townhall.pk).last_seq
    services.townhall_moderator_add(townhall_id=townhall.pk, user=bob)
    assert TownHall.objects.get(pk=townhall.pk).last_seq == seq
