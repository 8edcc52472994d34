"""`manage.py toxicity_model`: check what the server would use; fetch a model (the network part is faked or blocked)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import huggingface_hub.utils._http
import pytest
import torch
from django.core.management import CommandError, call_command

from harness.checkpoints import build_tiny_checkpoint
from moderation.management.commands import toxicity_model
from moderation.scoring import registry
from moderation.scoring.detoxify_engine import CHECKPOINT_FILE, HF_DIR, MANIFEST_FILE, MODELS, file_sha256

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("toxicity_model", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("models"), stored_model_type="bert-base-uncased")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Loading offline sets these for the whole process, and `check` loads into the registry: undo both.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    threads = torch.get_num_threads()
    registry.reset()
    yield
    registry.reset()
    torch.set_num_threads(threads)


@pytest.fixture
def configured(settings, tiny_model: Path):
    settings.TOXICITY_SCORER = "detoxify"
    settings.TOXICITY_MODEL = "original"
    settings.TOXICITY_MODEL_DIR = str(tiny_model.parent)
    settings.TOXICITY_DEVICE = "cpu"
    settings.TOXICITY_QUANTIZE = False
    settings.TOXICITY_THREADS = 1
    return settings


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def network_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # `fetch` runs on a connected machine: no offline mode there.
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


# --- check ----------------------------------------------------------------------------------


def test_check_prints_the_scorer_its_load_time_and_sample_scores(configured, tiny_model):
    # given the tiny model configured
    manifest = json.loads((tiny_model / MANIFEST_FILE).read_text())

    # when
    output = run("check")

    # then
    assert f"Active scorer: detoxify-original (sha256:{manifest['sha256'][:12]})\n" in output
    assert "fallback" not in output
    assert "Load time: " in output and " s\n" in output
    assert f"Model files: {tiny_model}" in output
    assert "Device: cpu, torch threads: 1, int8: no" in output
    for text in [sample[2] for sample in toxicity_model.SAMPLES]:
        assert text in output
    assert "en insulting" in output and "fr civil" in output
    assert "for French questions use TOXICITY_MODEL=multilingual" in output


def test_check_with_a_missing_dir_explains_the_fallback(configured, tmp_path):
    # given
    configured.TOXICITY_MODEL_DIR = str(tmp_path / "not-copied-yet")

    # when
    output = run("check")

    # then it shows the scorer the service would really use, and why
    assert (
        f"Active scorer: {registry.get_scorer().name} (fallback to offline scorer because TOXICITY_MODEL_DIR=" in output
    )
    assert "Active scorer: detoxify" not in output
    assert "not-copied-yet does not exist" in output
    assert "toxicity_model fetch --model original" in output
    assert "Load time: " in output
    assert "Sample scores" in output


def test_check_with_the_offline_scorer_configured(configured):
    # given
    configured.TOXICITY_SCORER = "offline"

    # when
    output = run("check")

    # then
    assert f"Active scorer: {registry.get_scorer().name}\n" in output
    assert "Active scorer: detoxify" not in output and "fallback" not in output


# --- fetch ----------------------------------------------------------------------------------


def test_fetch_without_network_names_what_it_could_not_reach_and_what_to_do(tmp_path, no_network, network_allowed):
    # given no network at all
    target = tmp_path / "models"

    # when / then
    with pytest.raises(CommandError) as caught:
        run("fetch", "--model", "original", "--dir", str(target))
    message = str(caught.value)
    assert message.startswith("cannot reach github.com to download the 'original' checkpoint")
    assert "run this on a machine with internet access, then copy" in message
    assert f"TOXICITY_MODEL_DIR={target}" in message
    assert not (target / "original").exists()  # nothing half-written is left behind


def test_fetch_names_huggingface_when_only_it_is_unreachable(
    tmp_path, tiny_model, no_network, network_allowed, monkeypatch
):
    # given the checkpoint download works (faked) and huggingface.co does not answer
    monkeypatch.setattr(
        toxicity_model, "download_checkpoint", lambda url, dest: shutil.copyfile(tiny_model / CHECKPOINT_FILE, dest)
    )
    # huggingface_hub retries for ~25 s before giving up: fake its clock, not the outcome.
    no_wait = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    no_wait.sleep = lambda seconds: None
    monkeypatch.setattr(huggingface_hub.utils._http, "time", no_wait)

    # when / then
    with pytest.raises(CommandError, match=r"^cannot reach huggingface\.co to download the bert-base-uncased config"):
        run("fetch", "--model", "original", "--dir", str(tmp_path / "models"))


def test_fetch_in_offline_mode_says_to_unset_it(tmp_path, tiny_model, no_network, monkeypatch):
    # given HF_HUB_OFFLINE copied from the server's environment
    monkeypatch.setattr(
        toxicity_model, "download_checkpoint", lambda url, dest: shutil.copyfile(tiny_model / CHECKPOINT_FILE, dest)
    )

    # when / then
    with pytest.raises(CommandError, match="HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE is set in this shell: unset it"):
        run("fetch", "--model", "original", "--dir", str(tmp_path / "models"))


def test_fetch_writes_the_layout_and_verifies_it_offline(tmp_path, monkeypatch):
    # given a "release" served from a file:// URL, named like detoxify's (<name>-<sha256 prefix>.ckpt), whose
    # checkpoint names a local Hugging Face directory: the real download functions run, without network
    tiny = build_tiny_checkpoint(tmp_path / "source")
    sha256 = file_sha256(tiny / CHECKPOINT_FILE)
    release = tmp_path / "release" / f"toxic_tiny-{sha256[:8]}.ckpt"
    release.parent.mkdir()
    shutil.copyfile(tiny / CHECKPOINT_FILE, release)
    monkeypatch.setitem(MODELS, "original", dataclasses.replace(MODELS["original"], url=release.as_uri()))
    target = tmp_path / "models"

    # when
    output = run("fetch", "--model", "original", "--dir", str(target))

    # then the directory has the engine's layout and a manifest with the sha256, and it was loaded offline
    model_dir = target / "original"
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    assert (manifest["model"], manifest["source_url"], manifest["sha256"]) == ("original", release.as_uri(), sha256)
    assert file_sha256(model_dir / CHECKPOINT_FILE) == sha256
    assert {"detoxify_version", "fetched_at", "checkpoint_bytes"} <= set(manifest)
    assert json.loads((model_dir / HF_DIR / "config.json").read_text())["id2label"].keys() == {str(i) for i in range(6)}
    assert f"Active scorer: detoxify-original (toxic_tiny-{sha256[:8]})" in output
    assert "Load time: " in output and "Sample scores" in output
    assert f"set TOXICITY_MODEL_DIR={target} and TOXICITY_MODEL=original" in output

    # and a second run finds the checkpoint already there
    assert "Checkpoint already present and verified" in run("fetch", "--model", "original", "--dir", str(target))


def test_fetch_refuses_a_download_whose_hash_does_not_match_its_name(tmp_path, monkeypatch):
    # given a release file whose name promises another sha256
    tiny = build_tiny_checkpoint(tmp_path / "source")
    release = tmp_path / "toxic_tiny-deadbeef.ckpt"
    shutil.copyfile(tiny / CHECKPOINT_FILE, release)
    monkeypatch.setitem(MODELS, "original", dataclasses.replace(MODELS["original"], url=release.as_uri()))

    # when / then
    with pytest.raises(CommandError, match=r"the downloaded checkpoint is damaged \(invalid hash value"):
        run("fetch", "--model", "original", "--dir", str(tmp_path / "models"))
    assert not (tmp_path / "models" / "original" / CHECKPOINT_FILE).exists()


def test_fetch_without_model_fetches_the_default_multilingual_model(tmp_path, no_network, network_allowed, settings):
    # given the default of townhall/settings.py (the test run sets no TOXICITY_MODEL) and no network
    from townhall import settings as defaults

    assert "TOXICITY_MODEL" not in os.environ
    assert defaults.TOXICITY_MODEL == "multilingual"
    settings.TOXICITY_MODEL = defaults.TOXICITY_MODEL
    target = tmp_path / "models"

    # when / then: it tried to download the multilingual checkpoint, the one the default needs
    with pytest.raises(CommandError, match=r"^cannot reach github.com to download the 'multilingual' checkpoint"):
        run("fetch", "--dir", str(target))


def test_fetch_without_model_follows_toxicity_model(tmp_path, no_network, network_allowed, settings):
    # given TOXICITY_MODEL=original-small
    settings.TOXICITY_MODEL = "original-small"

    # when / then
    with pytest.raises(CommandError, match=r"^cannot reach github.com to download the 'original-small' checkpoint"):
        run("fetch", "--dir", str(tmp_path / "models"))


def test_fetch_without_model_refuses_a_misspelled_toxicity_model(settings):
    # given / when / then
    settings.TOXICITY_MODEL = "multilingal"
    with pytest.raises(CommandError, match="TOXICITY_MODEL='multilingal' is not a Detoxify model"):
        run("fetch", "--dir", "/nonexistent")


def test_fetch_of_an_unknown_model_is_refused():
    # given / when / then
    with pytest.raises(CommandError, match="invalid choice: 'toxic-bert-xl'"):
        run("fetch", "--model", "toxic-bert-xl", "--dir", "/nonexistent")


def test_fetch_from_the_command_line_without_network_exits_non_zero_without_traceback(tmp_path):
    # given a real process whose only way out is a proxy that refuses connections
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower()
        not in ("https_proxy", "http_proxy", "all_proxy", "no_proxy", "hf_hub_offline", "transformers_offline")
    }
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", TORCH_HOME=str(tmp_path / "torch"))

    # when
    process = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "toxicity_model",
            "fetch",
            "--model",
            "original",
            "--dir",
            str(tmp_path / "models"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert process.returncode == 1
    assert "CommandError: cannot reach github.com" in process.stderr
    assert "run this on a machine with internet access" in process.stderr
    assert "Traceback" not in process.stderr + process.stdout
