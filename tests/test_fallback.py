"""When Detoxify cannot be loaded the service still scores, says so once, and shows it."""

from __future__ import annotations

import json
import logging

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient

from harness.checkpoints import build_tiny_checkpoint
from moderation.scoring import registry
from moderation.scoring.offline import OfflineScorer
from tests.support import factories
from tests.support.ws import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_registry():
    registry.reset()
    yield
    registry.reset()


def corrupt(root):
    model_dir = build_tiny_checkpoint(root, "original")
    (model_dir / "checkpoint.ckpt").write_bytes(b"\x80\x04 not a checkpoint at all")
    return root


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
@pytest.mark.asyncio
async def test_a_missing_or_corrupt_model_dir_falls_back_with_one_warning_and_shows_it(
    broken, settings, fresh_registry, tmp_path, caplog, connect
):
    # given Detoxify configured on a model directory that is missing or corrupt
    settings.TOXICITY_SCORER = "detoxify"
    settings.TOXICITY_MODEL = "original"
    settings.TOXICITY_MODEL_DIR = str(tmp_path / "nowhere" if broken == "missing" else corrupt(tmp_path / "models"))
    caplog.set_level(logging.WARNING, logger="moderation.scoring.registry")

    # when the process loads its scorer (twice: it is loaded once)
    scorer = registry.get_scorer()
    assert registry.get_scorer() is scorer

    # then it scores with the offline scorer, after exactly one clear warning
    assert isinstance(scorer, OfflineScorer)
    assert scorer.score_batch(["You are a bunch of idiots"])[0].score >= 0.5
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Detoxify is not available" in warnings[0] and "toxicity_model fetch" in warnings[0]

    # and /healthz says so
    response = await AsyncClient().get("/healthz")
    body = json.loads(response.content)
    assert body["scorer"]["status"] == "fallback" and body["scorer"]["name"] == scorer.name
    assert body["scorer"]["fallback_reason"]

    # and so does the moderators' console header (the snapshot's townhall.scorer)
    @database_sync_to_async
    def room():
        moderator = factories.make_user("alice")
        factories.make_townhall(moderators=[moderator], slug="room")
        return factories.login_session(moderator)

    mod = await connect("/ws/t/room/moderate/", session=await room())
    snapshot = await expect(mod, "snapshot")
    assert snapshot["townhall"]["scorer"] == {"name": scorer.name, "status": "fallback"}
