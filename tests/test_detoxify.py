"""The Detoxify engine, on a tiny random model built offline (tests/support/checkpoints.py).

The tiny model's scores mean nothing; these tests check the loading path,
the batching, the offline guarantee and every failure message.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import huggingface_hub.constants
import pytest
import torch
from detoxify import Detoxify
from detoxify.detoxify import MODEL_URLS

from harness.checkpoints import build_full_size_checkpoint, build_tiny_checkpoint
from moderation.scoring import registry
from moderation.scoring.base import Scorer, ScoreResult, ScorerUnavailable
from moderation.scoring.detoxify_engine import (
    CHECKPOINT_FILE,
    HF_DIR,
    MANIFEST_FILE,
    DetoxifyScorer,
    build_detoxify_scorer,
    checkpoint_version,
    file_sha256,
)

STANDARD_LABELS = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]
TEXTS = [
    "When will the tram reach the north district?",
    "You are a stupid idiot",
    "Pourquoi la piscine est-elle fermée le dimanche ? Et le lundi, la bibliothèque est-elle ouverte ?",
    "",
    "budget " * 700,  # longer than the model's 512 positions: truncated
]
# Measured on tiny random models (5 seeds x 15 texts x 6 labels): int8 differs from fp32 by at most
# 0.025 (mean 0.005); 0.013 on this seed and these texts. See docs/toxicity.md.
INT8_TOLERANCE = 0.05


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TOXICITY_MODEL_DIR with a tiny `original` whose checkpoint names "bert-base-uncased", as the real one does."""
    root = tmp_path_factory.mktemp("models")
    build_tiny_checkpoint(root, stored_model_type="bert-base-uncased")
    return root


@pytest.fixture(scope="module")
def local_type_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, with the checkpoint's model_type already pointing at its local hf/ directory."""
    root = tmp_path_factory.mktemp("models-local-type")
    build_tiny_checkpoint(root)
    return root


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loading sets these for the whole process; monkeypatch puts them back after each test.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)


@pytest.fixture(autouse=True)
def torch_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def configured(settings, models_root: Path):
    settings.TOXICITY_SCORER = "detoxify"
    settings.TOXICITY_MODEL = "original"
    settings.TOXICITY_MODEL_DIR = str(models_root)
    settings.TOXICITY_DEVICE = "cpu"
    settings.TOXICITY_QUANTIZE = False
    settings.TOXICITY_THREADS = 0
    return settings


@pytest.fixture(scope="module")
def scorer(models_root: Path) -> DetoxifyScorer:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        mp.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        return DetoxifyScorer("original", model_dir=models_root, threads=torch.get_num_threads())


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every way out of the process raises; the attempts are recorded."""
    attempts: list[tuple] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def broken_root(tmp_path: Path, models_root: Path) -> Path:
    """A private copy of the tiny model directory, for a test to break."""
    root = tmp_path / "models"
    shutil.copytree(models_root, root)
    return root


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    registry.reset()
    yield
    registry.reset()


def max_difference(a: list[ScoreResult], b: list[ScoreResult]) -> float:
    return max(abs(x.labels[label] - y.labels[label]) for x, y in zip(a, b, strict=True) for label in x.labels)


# --- loading through detoxify ---------------------------------------------------------------


def test_loads_through_the_real_detoxify_class(scorer):
    # given / when / then it is a Detoxify, scoring with detoxify's own predict
    assert isinstance(scorer, Detoxify)
    assert isinstance(scorer, Scorer)
    assert type(scorer).predict is Detoxify.predict
    assert type(scorer.model).__name__ == "BertForSequenceClassification"


def test_labels_are_the_six_standard_names(scorer):
    # given / when / then the checkpoint's "toxic", "identity_hate", ... are standardised as detoxify does
    assert scorer.labels == STANDARD_LABELS
    (result,) = scorer.score_batch([TEXTS[0]])
    assert list(result.labels) == STANDARD_LABELS


def test_scores_are_floats_in_0_1_one_result_per_text_in_order(scorer):
    # given / when
    results = scorer.score_batch(TEXTS)

    # then
    assert len(results) == len(TEXTS)
    for result in results:
        assert all(type(v) is float and 0.0 <= v <= 1.0 for v in result.labels.values())
        assert result.model == scorer.name
    assert scorer.score_batch([]) == []


def test_batched_scores_equal_one_by_one_scores(scorer):
    # given texts of different lengths, so the batch is padded
    lengths = {len(scorer.tokenizer(t)["input_ids"]) for t in TEXTS}
    assert len(lengths) == len(TEXTS)

    # when
    batched = scorer.score_batch(TEXTS)
    one_by_one = [scorer.score_batch([text])[0] for text in TEXTS]

    # then
    assert max_difference(batched, one_by_one) < 1e-5


def test_the_batch_is_one_forward_pass(scorer, monkeypatch):
    # given a count of the model's forward calls
    calls = []
    original_forward = scorer.model.forward
    monkeypatch.setattr(scorer.model, "forward", lambda *a, **k: calls.append(1) or original_forward(*a, **k))

    # when
    scorer.score_batch(TEXTS)

    # then
    assert len(calls) == 1


def test_the_name_records_the_model_and_the_checkpoint_version(scorer, models_root):
    # given the sha256 the manifest records
    manifest = json.loads((models_root / "original" / MANIFEST_FILE).read_text())

    # when / then
    assert scorer.name == f"detoxify-original (sha256:{manifest['sha256'][:12]})"
    assert manifest["sha256"] == file_sha256(models_root / "original" / CHECKPOINT_FILE)
    assert len(scorer.name + "+int8") <= 120  # Question.toxicity_model


def test_a_release_checkpoint_is_named_by_its_release_file():
    # given the real release URL, whose file name carries the sha256 prefix
    url = MODEL_URLS["original"]

    # when / then
    assert checkpoint_version(url, "c1212f89" + "0" * 56) == "toxic_original-c1212f89"
    assert checkpoint_version(url, "deadbeef" * 8) == "sha256:deadbeefdead"  # not that file: its own hash
    assert checkpoint_version(None, "abc123" * 10) == "sha256:abc123abc123"


def test_a_directory_without_manifest_loads_and_is_named_by_its_sha256(broken_root):
    # given
    checkpoint = broken_root / "original" / CHECKPOINT_FILE
    (broken_root / "original" / MANIFEST_FILE).unlink()

    # when
    scorer = DetoxifyScorer("original", model_dir=broken_root)

    # then
    assert scorer.name == f"detoxify-original (sha256:{file_sha256(checkpoint)[:12]})"


def test_build_reads_the_settings(configured):
    # given
    configured.TOXICITY_THREADS = 1

    # when
    scorer = build_detoxify_scorer()

    # then
    assert scorer.detoxify_model == "original"
    assert scorer.device == "cpu" and not scorer.quantized
    assert torch.get_num_threads() == 1 == scorer.threads


def test_the_thread_setting_applies_in_the_thread_that_scores(models_root):
    # given a scoring thread that has already run torch with its own thread count
    with ThreadPoolExecutor(max_workers=1) as scoring_thread:
        scoring_thread.submit(torch.get_num_threads).result()
        scorer = DetoxifyScorer("original", model_dir=models_root, threads=1)  # loaded in another thread

        # when
        scoring_thread.submit(scorer.score_batch, TEXTS[:2]).result()

        # then (OpenMP thread counts are per thread)
        assert scoring_thread.submit(torch.get_num_threads).result() == 1


# --- offline --------------------------------------------------------------------------------


@pytest.mark.parametrize("root_fixture", ["models_root", "local_type_root"])
def test_loading_and_scoring_make_no_network_call(configured, no_network, request, root_fixture):
    # given the network is unreachable, and the checkpoint names either "bert-base-uncased" or its local hf/
    configured.TOXICITY_MODEL_DIR = str(request.getfixturevalue(root_fixture))

    # when
    scorer = build_detoxify_scorer()
    results = scorer.score_batch(TEXTS[:3])

    # then it loaded and scored without even trying to connect
    assert len(results) == 3
    assert no_network == []
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_stock_detoxify_cannot_load_the_same_directory_offline(models_root, no_network):
    # given the checkpoint names "bert-base-uncased" (as the real one does), and no cached copy of it
    if huggingface_hub.try_to_load_from_cache("bert-base-uncased", "config.json"):
        pytest.skip("bert-base-uncased is in the Hugging Face cache on this machine")
    model_dir = models_root / "original"

    # when / then stock Detoxify still asks huggingface.co for the config: the engine's workaround is needed
    with pytest.raises(OSError):
        Detoxify(checkpoint=str(model_dir / CHECKPOINT_FILE), huggingface_config_path=str(model_dir / HF_DIR))


def test_without_a_model_dir_and_no_network_it_is_unavailable(configured, no_network, monkeypatch, tmp_path):
    # given no TOXICITY_MODEL_DIR, downloads allowed, an empty torch hub cache, and no network
    configured.TOXICITY_MODEL_DIR = ""
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    # when / then
    with pytest.raises(ScorerUnavailable, match=r"tried to download the 'original' model .* toxicity_model fetch"):
        build_detoxify_scorer()


def test_without_a_model_dir_in_offline_mode_it_fails_fast(configured, no_network):
    # given
    configured.TOXICITY_MODEL_DIR = ""

    # when / then it does not even try
    with pytest.raises(ScorerUnavailable, match="HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE forbid downloads"):
        build_detoxify_scorer()
    assert no_network == []


# --- failures -------------------------------------------------------------------------------


def _rewrite_checkpoint(root: Path, transform) -> None:
    path = root / "original" / CHECKPOINT_FILE
    loaded = torch.load(path, weights_only=False)
    torch.save(transform(loaded), path)
    _refresh_manifest(root)


def _refresh_manifest(root: Path) -> None:
    # As if `fetch` had fetched the damaged file: the manifest matches it.
    path = root / "original" / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["sha256"] = file_sha256(root / "original" / CHECKPOINT_FILE)
    path.write_text(json.dumps(manifest))


def _missing_dir(root: Path, settings) -> None:
    settings.TOXICITY_MODEL_DIR = str(root.parent / "no-such-dir")


def _model_not_in_dir(root: Path, settings) -> None:
    settings.TOXICITY_MODEL = "unbiased"


def _missing_checkpoint(root: Path, settings) -> None:
    (root / "original" / CHECKPOINT_FILE).unlink()


def _random_bytes(root: Path, settings) -> None:
    # Not a pickle at all: b"\x80" announces a pickle protocol, 0xff is none.
    (root / "original" / CHECKPOINT_FILE).write_bytes(b"\x80\xff" + random.Random(0).randbytes(4094))
    _refresh_manifest(root)


def _truncated(root: Path, settings) -> None:
    path = root / "original" / CHECKPOINT_FILE
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _refresh_manifest(root)


def _copied_incompletely(root: Path, settings) -> None:
    path = root / "original" / CHECKPOINT_FILE
    path.write_bytes(path.read_bytes()[:-1000])


def _no_state_dict(root: Path, settings) -> None:
    _rewrite_checkpoint(root, lambda loaded: {"config": loaded["config"]})


def _not_a_dict(root: Path, settings) -> None:
    _rewrite_checkpoint(root, lambda loaded: list(loaded["state_dict"].values()))


def _no_classes(root: Path, settings) -> None:
    _rewrite_checkpoint(root, lambda loaded: {**loaded, "config": {"arch": loaded["config"]["arch"]}})


def _other_architecture(root: Path, settings) -> None:
    def transform(loaded):
        loaded["config"]["arch"]["args"].update(
            model_name="RobertaForSequenceClassification", tokenizer_name="RobertaTokenizer"
        )
        return loaded

    _rewrite_checkpoint(root, transform)


def _bert_under_the_multilingual_name(root: Path, settings) -> None:
    build_tiny_checkpoint(root, "multilingual")
    settings.TOXICITY_MODEL = "multilingual"


def _lightning_keys(root: Path, settings) -> None:
    _rewrite_checkpoint(
        root, lambda loaded: {**loaded, "state_dict": {f"model.{k}": v for k, v in loaded["state_dict"].items()}}
    )


def _missing_tokenizer_files(root: Path, settings) -> None:
    for name in ("tokenizer.json", "vocab.txt"):
        (root / "original" / HF_DIR / name).unlink()


def _truncated_vocabulary(root: Path, settings) -> None:
    hf = root / "original" / HF_DIR
    (hf / "tokenizer.json").unlink()
    vocab = (hf / "vocab.txt").read_text().splitlines()
    (hf / "vocab.txt").write_text("\n".join(vocab[:100]) + "\n")


def _missing_config(root: Path, settings) -> None:
    (root / "original" / HF_DIR / "config.json").unlink()


def _wrong_num_labels(root: Path, settings) -> None:
    path = root / "original" / HF_DIR / "config.json"
    config = json.loads(path.read_text())
    config.pop("id2label"), config.pop("label2id")
    path.write_text(json.dumps(config))  # num_labels falls back to 2


def _unknown_model(root: Path, settings) -> None:
    settings.TOXICITY_MODEL = "toxic-bert-xl"


def _unsupported_device(root: Path, settings) -> None:
    settings.TOXICITY_DEVICE = "tpu"


FAILURES = {
    _missing_dir: r"TOXICITY_MODEL_DIR=.*no-such-dir does not exist",
    _model_not_in_dir: r"has no 'unbiased' model \(it has: original\)",
    _missing_checkpoint: r"The checkpoint .*checkpoint\.ckpt is missing",
    _random_bytes: r"is corrupt or truncated \(\w+: ",
    _truncated: r"is corrupt or truncated",
    _copied_incompletely: r"does not match manifest\.json .* copied incompletely",
    _no_state_dict: r"is not a Detoxify checkpoint \(it needs a 'config' and a 'state_dict'\)",
    _not_a_dict: r"is not a Detoxify checkpoint",
    _no_classes: r"is not a Detoxify checkpoint: its config has no 'dataset'",
    _other_architecture: r"holds a RobertaForSequenceClassification/RobertaTokenizer model, but Detoxify 'original' is a Bert",
    _bert_under_the_multilingual_name: r"holds a BertForSequenceClassification/BertTokenizer model, but Detoxify 'multilingual'",
    _lightning_keys: r"lacks \d+ of the model's weights",
    _missing_tokenizer_files: r"The tokenizer files are missing from .*hf \(need tokenizer\.json or vocab\.txt\)",
    _truncated_vocabulary: r"The tokenizer in .* has 100 tokens but the model has \d+",
    _missing_config: r"The Hugging Face config .*config\.json is missing",
    _wrong_num_labels: r"do not fit the checkpoint .* num_labels=6",
    _unknown_model: r"TOXICITY_MODEL='toxic-bert-xl' is not a Detoxify model: use one of original, unbiased, multilingual",
    _unsupported_device: r"TOXICITY_DEVICE='tpu' is not supported",
}


def test_any_damaged_checkpoint_is_unavailable_not_a_crash(configured, broken_root):
    # given: a hundred different ways for a copy to be garbled (the unpickler
    # answers them with many exception types, not only UnpicklingError)
    configured.TOXICITY_MODEL_DIR = str(broken_root)
    checkpoint = broken_root / "original" / CHECKPOINT_FILE
    failures = []
    for seed in range(100):
        checkpoint.write_bytes(random.Random(seed).randbytes(4096))
        _refresh_manifest(broken_root)

        # when
        try:
            build_detoxify_scorer()
        except ScorerUnavailable as exc:
            if "is corrupt or truncated" not in str(exc):
                failures.append((seed, str(exc)[:200]))
        else:
            failures.append((seed, "loaded"))

    # then
    assert failures == []


@pytest.mark.parametrize("breakage", list(FAILURES), ids=lambda f: f.__name__.strip("_"))
def test_each_failure_is_unavailable_with_an_actionable_message(configured, broken_root, breakage):
    # given
    configured.TOXICITY_MODEL_DIR = str(broken_root)
    breakage(broken_root, configured)

    # when / then
    with pytest.raises(ScorerUnavailable, match=FAILURES[breakage]) as caught:
        build_detoxify_scorer()
    if breakage not in (_unknown_model, _unsupported_device):
        assert "toxicity_model fetch" in str(caught.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_unavailable(configured):
    # given
    configured.TOXICITY_DEVICE = "cuda"

    # when / then
    with pytest.raises(
        ScorerUnavailable, match="TOXICITY_DEVICE=cuda but torch .* sees no CUDA GPU.*Set TOXICITY_DEVICE=cpu"
    ):
        build_detoxify_scorer()


def test_quantization_on_cuda_is_refused(configured, monkeypatch):
    # given a GPU, as far as torch can tell
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    configured.TOXICITY_DEVICE = "cuda"
    configured.TOXICITY_QUANTIZE = True

    # when / then
    with pytest.raises(ScorerUnavailable, match="TOXICITY_QUANTIZE works on the CPU only"):
        build_detoxify_scorer()


def test_a_failure_falls_back_to_the_offline_scorer_with_the_reason(configured, fresh_registry, tmp_path):
    # given
    configured.TOXICITY_MODEL_DIR = str(tmp_path / "missing")

    # when
    scorer = registry.get_scorer()

    # then
    assert not isinstance(scorer, DetoxifyScorer)
    assert registry.scorer_details()["status"] == "fallback"
    assert "does not exist" in registry.scorer_details()["fallback_reason"]


# --- int8 -----------------------------------------------------------------------------------


def test_quantized_scorer_loads_scores_in_0_1_and_agrees_with_fp32(configured, scorer):
    # given
    configured.TOXICITY_QUANTIZE = True

    # when
    quantized = build_detoxify_scorer()
    results = quantized.score_batch(TEXTS)

    # then
    assert quantized.name == scorer.name + "+int8"
    assert isinstance(quantized, Detoxify) and quantized.quantized
    assert type(quantized.model.classifier).__module__.startswith("torch.ao.nn.quantized")
    assert all(0.0 <= v <= 1.0 for result in results for v in result.labels.values())
    assert all(result.model == quantized.name for result in results)
    assert max_difference(results, scorer.score_batch(TEXTS)) < INT8_TOLERANCE


# --- full size (builds a 440 MB model in a temporary directory, about 10 s) ---------------------


def test_full_size_checkpoint_loads_offline_and_is_built_once(configured, no_network, tmp_path):
    # given a full-size checkpoint (cached where TOXICITY_FULL_SIZE_DIR says, if it says)
    root = Path(os.environ.get("TOXICITY_FULL_SIZE_DIR") or tmp_path)
    model_dir = build_full_size_checkpoint(root)
    built_at = (model_dir / CHECKPOINT_FILE).stat().st_mtime_ns

    # when
    configured.TOXICITY_MODEL_DIR = str(root)
    scorer = build_detoxify_scorer()
    results = scorer.score_batch(TEXTS)

    # then
    assert scorer.model.config.hidden_size == 768 and len(scorer.tokenizer) == 30522
    assert len(results) == len(TEXTS) and no_network == []
    assert build_full_size_checkpoint(root) == model_dir
    assert (model_dir / CHECKPOINT_FILE).stat().st_mtime_ns == built_at
