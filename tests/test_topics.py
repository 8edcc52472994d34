"""Topic labels (moderation/topics.py, services/topics.py; docs/protocol.md,
``question.topic``): suggested on arrival, corrected by a moderator, audited,
undoable, sent to every audience."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from moderation import record, services
from moderation.exceptions import BadRequest, Conflict, TownHallClosed
from moderation.models import Decision, Event, Question, TownHall
from moderation.topics import DEFAULT_TOPICS, KEYWORDS, suggest_topic, topic_hits, townhall_topics, validate_topics
from tests.support import factories, rooms
from tests.support.ws import expect, request, until

# --- the suggestion (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Quand la ligne de bus 12 sera-t-elle prolongée ?", "transport"),
        ("When will the trams run after midnight?", "transport"),
        ("Les LOYERS explosent : que faites-vous pour le logement social ?", "housing"),  # case, plural
        ("Pourquoi l'hôpital ferme-t-il ses urgences la nuit ?", "health"),  # elision, accents
        ("Pourquoi l hopital ferme ses urgences la nuit", "health"),  # no accents, no apostrophe
        ("Will the swimming pool reopen this summer?", "culture"),
        ("Combien d'impôts en plus pour les contribuables ?", "budget"),
        ("Que faites-vous pour les commerçants du centre ?", "employment"),
        ("La cantine de l'école sert-elle du bio ?", "education"),
        ("Il y a des dealers et des cambriolages dans ma rue", "safety"),
        ("Quand allez-vous planter des arbres dans le parc ?", "environment"),
        ("Pourquoi la maison de santé ferme le samedi ?", "health"),  # several words outweigh "maison"
    ],
)
def test_a_question_gets_the_topic_its_words_point_to(text, topic):
    assert suggest_topic(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour à tous, merci pour cette soirée !",  # no keyword
        "That is ridiculous",  # "ride=" is a whole word: not "ridiculous"
        "Faut-il un budget pour le stade ?",  # a tie (budget and culture): no guess
    ],
)
def test_no_keyword_or_a_tie_suggests_nothing(text):
    assert suggest_topic(text) == ""


def test_a_whole_word_keyword_does_not_match_inside_another_word():
    # "bus=" must not read "business", nor "coute" the knife ("couteaux")
    assert "transport" not in topic_hits("Our business park needs help")
    assert "budget" not in topic_hits("Il y a des couteaux dans la rue")


def test_a_weak_cue_yields_to_a_strong_word():
    # "coûte" and "horaires" alone point somewhere; next to "stade" or
    # "bibliothèque" they count half
    assert suggest_topic("Combien coûte le nouveau stade ?") == "culture"
    assert suggest_topic("Pourquoi la bibliothèque a-t-elle réduit ses horaires ?") == "culture"
    assert suggest_topic("Les horaires sont-ils affichés ?") == "transport"


def test_only_the_town_halls_topics_are_suggested():
    text = "Quand la ligne de bus 12 sera-t-elle prolongée ?"
    assert suggest_topic(text, ["housing", "budget"]) == ""


def test_every_keyword_belongs_to_one_topic_and_every_topic_has_keywords():
    assert set(KEYWORDS) == set(DEFAULT_TOPICS)
    # building the matcher raises on a keyword listed under two topics
    topic_hits("x")


def test_a_town_hall_list_is_checked():
    assert validate_topics(["budget", "transport"]) == ["budget", "transport"]
    with pytest.raises(ValueError, match="unknown"):
        validate_topics(["potholes"])
    with pytest.raises(ValueError, match="twice"):
        validate_topics(["budget", "budget"])
    assert townhall_topics([]) == list(DEFAULT_TOPICS)


# --- the services ------------------------------------------------------------------------


@pytest.fixture
def room():
    moderator = factories.make_user("alice")
    townhall = factories.make_townhall(moderators=[moderator], slug="room")
    return townhall, moderator


def submit(townhall: TownHall, text: str) -> Question:
    question, _ = services.question_submit(
        townhall_id=townhall.pk, participant="asker", text=text, client_key=uuid.uuid4().hex
    )
    return Question.objects.get(pk=question.pk)


@pytest.mark.django_db
def test_a_new_question_is_stored_with_its_suggested_topic(room):
    townhall, _ = room
    question = submit(townhall, "Quand le tram passera-t-il par le quartier nord ?")
    assert (question.topic, question.topic_source) == ("transport", "auto")
    created = Event.objects.get(townhall=townhall, type="question.created")
    assert created.payload["question"]["topic"] == "transport"


@pytest.mark.django_db
def test_a_moderator_sets_the_topic_with_an_audit_row_and_an_event(room, django_capture_on_commit_callbacks):
    # given a question suggested as transport
    townhall, moderator = room
    question = submit(townhall, "Quand le tram passera-t-il par le quartier nord ?")

    # when a moderator says it is about the budget
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.question_set_topic(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic="budget"
        )

    # then it is stored as theirs, audited with the new key, and told
    question.refresh_from_db()
    assert (question.topic, question.topic_source, question.version) == ("budget", "moderator", 1)
    decision = Decision.objects.get(townhall=townhall, action="topic")
    assert (decision.moderator, decision.reason, decision.question_id) == (moderator, "budget", question.pk)
    assert changed.decision["id"] == decision.pk and changed.decision["undoable"] is True
    event = Event.objects.filter(townhall=townhall).latest("seq")
    assert event.type == "question.updated" and event.payload["question"]["topic"] == "budget"
    assert event.payload["decision"]["action"] == "topic"
    json.loads(json.dumps(event.payload))


@pytest.mark.django_db
def test_a_topic_outside_the_town_halls_list_is_refused(room):
    townhall, moderator = room
    services.townhall_set_topics(townhall_id=townhall.pk, topics=["transport", "housing"])
    question = submit(townhall, "Une question")
    for topic in ("budget", "potholes"):
        with pytest.raises(BadRequest):
            services.question_set_topic(
                townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic=topic
            )
    assert not Decision.objects.filter(action="topic").exists()


@pytest.mark.django_db
def test_undo_puts_the_suggested_topic_back_unless_it_changed_again(room):
    townhall, moderator = room
    question = submit(townhall, "Les loyers sont trop chers")
    first = services.question_set_topic(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic="budget"
    ).decision
    services.decision_undo(townhall_id=townhall.pk, decision_id=first["id"], moderator=moderator)
    question.refresh_from_db()
    assert (question.topic, question.topic_source) == ("housing", "auto")

    # a topic changed again since cannot be undone to an older one
    second = services.question_set_topic(
        townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic="budget"
    ).decision
    services.question_set_topic(townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic="")
    with pytest.raises(Conflict):
        services.decision_undo(townhall_id=townhall.pk, decision_id=second["id"], moderator=moderator)


@pytest.mark.django_db
def test_a_closed_town_halls_topics_stay_as_they_were(room):
    townhall, moderator = room
    question = submit(townhall, "Les loyers sont trop chers")
    services.townhall_close(townhall_id=townhall.pk, moderator=moderator)
    with pytest.raises(TownHallClosed):
        services.question_set_topic(
            townhall_id=townhall.pk, question_id=question.pk, moderator=moderator, topic="budget"
        )


@pytest.mark.django_db
def test_the_command_shows_and_sets_a_town_halls_topics(room, capsys):
    townhall, _ = room
    call_command("townhall", "topics", "room", "housing", "transport")
    assert capsys.readouterr().out.splitlines()[:2] == ["1\thousing\tHousing", "2\ttransport\tTransport"]
    townhall.refresh_from_db()
    assert townhall.topics == ["housing", "transport"]
    with pytest.raises(CommandError, match="unknown"):
        call_command("townhall", "topics", "room", "potholes")
    call_command("townhall", "topics", "room", "--default")
    townhall.refresh_from_db()
    assert townhall.topics == []


@pytest.mark.django_db
def test_the_admin_form_sets_a_checked_topic_list_and_keeps_the_moderators(room, client):
    # given an administrator on the town hall's page
    townhall, alice = room
    client.force_login(factories.make_user("root", is_staff=True, is_superuser=True))
    url = f"/admin/moderation/townhall/{townhall.pk}/change/"
    assert client.get(url).status_code == 200

    # when they list an unknown key: the form says so and nothing changes
    page = client.post(url, {"moderators": [alice.pk], "topics": "housing potholes"})
    assert page.status_code == 200 and "potholes" in page.content.decode()
    townhall.refresh_from_db()
    assert townhall.topics == []

    # when they list two known keys, in their order
    assert client.post(url, {"moderators": [alice.pk], "topics": "budget, housing"}).status_code == 302

    # then the town hall keeps them in that order, its moderators unchanged, and the form shows them back
    townhall.refresh_from_db()
    assert townhall.topics == ["budget", "housing"]
    assert list(townhall.moderators.all()) == [alice]
    assert 'value="budget housing"' in client.get(url).content.decode()


# --- over the socket -----------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_moderators_set_a_topic_and_every_audience_sees_it(connect, db_async):
    # given a moderator, a citizen and the town hall's topic list in the snapshot
    room = await rooms.make_room()
    mod = await connect("/ws/t/room/moderate/", session=room.mod_session)
    citizen = await connect("/ws/t/room/", session=room.citizen_session)
    snapshot = await expect(mod, "snapshot")
    assert snapshot["townhall"]["topics"] == list(DEFAULT_TOPICS)
    citizen_snapshot = await expect(citizen, "snapshot")
    assert "topics" not in citizen_snapshot["townhall"]

    # when a question arrives, it carries its suggested topic
    reply = await request(citizen, "question.submit", text="Quand rouvre la piscine municipale ?", client_key="k1")
    created = await until(mod, "question.created")
    assert (created["question"]["topic"], created["question"]["topic_source"]) == ("culture", "auto")
    assert reply["question"]["topic"] == "culture" and "topic_source" not in reply["question"]

    # when the moderator corrects it
    qid = created["question"]["id"]
    ok = await request(mod, "question.topic", question_id=qid, topic="budget")
    assert ok["type"] == "ok" and ok["question"]["topic"] == "budget" and ok["decision"]["action"] == "topic"
    updated = await until(mod, "question.updated")
    assert updated["question"]["topic_source"] == "moderator"
    # (the citizen's copy of its own question: after the score's update)
    mine = await until(citizen, "question.updated")
    while mine["question"]["topic"] != "budget":
        mine = await until(citizen, "question.updated")
    assert "topic_source" not in mine["question"]

    # and an unknown topic or a citizen's attempt is refused
    bad = await request(mod, "question.topic", "r2", question_id=qid, topic="potholes")
    assert (bad["type"], bad["code"]) == ("error", "bad_request")
    refused = await request(citizen, "question.topic", "r3", question_id=qid, topic="housing")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    assert await db_async(lambda: Question.objects.get(pk=qid).topic)() == "budget"


# --- the public record -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_record_counts_questions_per_topic_and_labels_each_published_one(room, client):
    # given two questions on transport, one on nothing, and a town hall that keeps three topics
    townhall, moderator = room
    services.townhall_set_topics(townhall_id=townhall.pk, topics=["transport", "housing", "budget"])
    tram = submit(townhall, "Quand le tram passera-t-il par le quartier nord ?")
    submit(townhall, "Le bus 12 est toujours en retard")
    submit(townhall, "Bonjour à tous")
    services.question_approve(townhall_id=townhall.pk, question_id=tram.pk, moderator=moderator)
    services.question_set_topic(townhall_id=townhall.pk, question_id=tram.pk, moderator=moderator, topic="budget")

    # when the record is built
    townhall.refresh_from_db()
    data = record.townhall_record(townhall)

    # then the counts follow the town hall's order, and the published question has its topic
    assert data["counts"]["by_topic"] == [
        {"topic": "transport", "count": 1},
        {"topic": "housing", "count": 0},
        {"topic": "budget", "count": 1},
        {"topic": "", "count": 1},
    ]
    assert [q["topic"] for q in data["questions"]] == ["budget"]
    # and the page shows the label, in the visitor's language
    # (the locale middleware activates French in this thread: put English back after)
    with translation.override("en"):
        page = client.get(reverse("record", args=[townhall.slug]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-testid="record-topic">Budget et impôts</span>' in page
