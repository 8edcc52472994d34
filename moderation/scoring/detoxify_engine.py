"""Detoxify, loaded from a local model directory (offline) or, without one, from the internet.

Model directory layout (written by ``manage.py toxicity_model fetch``, read here)::

    D/<model>/checkpoint.ckpt   the Detoxify checkpoint, {"config": ..., "state_dict": ...} (a pickle)
    D/<model>/hf/               Hugging Face config.json (num_labels = the checkpoint's num_classes)
                                and the tokenizer files of the model's architecture
    D/<model>/manifest.json     model, source_url, sha256 of checkpoint.ckpt, detoxify_version, fetched_at

``TOXICITY_MODEL_DIR`` is ``D``; ``TOXICITY_MODEL`` picks ``<model>``.

Stock Detoxify asks Hugging Face for the architecture's config
(``config_class.from_pretrained(model_type)``) even when it is given a local
``huggingface_config_path``, so it cannot load offline. ``DetoxifyScorer`` is a
subclass of ``detoxify.Detoxify`` whose local loader reads the checkpoint once,
points the checkpoint's ``model_type`` at ``D/<model>/hf`` and then calls
detoxify's own ``get_model_and_tokenizer``; ``predict`` is detoxify's own.
docs/toxicity.md explains the choice. The checkpoint is a pickle: it is read
only from ``TOXICITY_MODEL_DIR``, which must be as trusted as the code itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
import transformers
from detoxify import Detoxify
from detoxify.detoxify import MODEL_URLS, get_model_and_tokenizer
from django.conf import settings

from moderation.scoring.base import ScoreResult, ScorerUnavailable

# A server log has no use for download/loading progress bars.
transformers.utils.logging.disable_progress_bar()

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "checkpoint.ckpt"
HF_DIR = "hf"
MANIFEST_FILE = "manifest.json"

# detoxify.detoxify.load_checkpoint standardises the original model's class names the same way.
STANDARD_LABELS = {"toxic": "toxicity", "identity_hate": "identity_attack", "severe_toxic": "severe_toxicity"}


@dataclass(frozen=True)
class ModelSpec:
    """What a Detoxify model is built from: its checkpoint URL and Hugging Face architecture."""

    url: str
    model_class: str
    tokenizer_class: str
    vocab_files: tuple[str, ...]  # the tokenizer's own files, when there is no tokenizer.json


# Each checkpoint names its base model (bert-base-uncased, roberta-base, xlm-roberta-base, albert-base-v2).
_BERT = ("BertForSequenceClassification", "BertTokenizer", ("vocab.txt",))
_ROBERTA = ("RobertaForSequenceClassification", "RobertaTokenizer", ("vocab.json", "merges.txt"))
_XLMR = ("XLMRobertaForSequenceClassification", "XLMRobertaTokenizer", ("sentencepiece.bpe.model",))
_ALBERT = ("AlbertForSequenceClassification", "AlbertTokenizer", ("spiece.model",))
MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(MODEL_URLS[name], *arch)
    for name, arch in {
        "original": _BERT,
        "unbiased": _ROBERTA,
        "multilingual": _XLMR,
        "original-small": _ALBERT,
        "unbiased-small": _ALBERT,
    }.items()
}


def model_spec(model: str) -> ModelSpec:
    """The spec of a Detoxify model name. Raises ``ScorerUnavailable`` for an unknown name."""
    try:
        return MODELS[model]
    except KeyError:
        raise ScorerUnavailable(
            f"TOXICITY_MODEL={model!r} is not a Detoxify model: use one of {', '.join(MODELS)}."
        ) from None


# --- the model directory -------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(model_dir: Path, *, model: str, source_url: str, sha256: str, **extra: Any) -> Path:
    """Write ``manifest.json`` for the checkpoint in ``model_dir`` (used by ``fetch`` and test builders)."""
    manifest = {
        "model": model,
        "source_url": source_url,
        "sha256": sha256,
        "detoxify_version": metadata.version("detoxify"),
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }
    path = model_dir / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(model_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when there is none. Raises ``ScorerUnavailable`` if it is unreadable."""
    path = model_dir / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScorerUnavailable(f"{path} is unreadable ({exc}): copy the model directory again.") from exc
    if not isinstance(manifest, dict):
        raise ScorerUnavailable(f"{path} is not a manifest (a JSON object): copy the model directory again.")
    return manifest


def checkpoint_version(source_url: str | None, sha256: str) -> str:
    """A checkpoint's version: the release file's name when its hash suffix matches, else a sha256 prefix.

    Detoxify's release files are named ``<name>-<first 8 hex of sha256>.ckpt``.
    """
    if source_url:
        stem = Path(source_url.rsplit("/", 1)[-1]).stem
        match = re.search(r"-([0-9a-f]{8,})$", stem)
        if match and sha256.startswith(match.group(1)):
            return stem
    return f"sha256:{sha256[:12]}"


def _refetch_hint(model: str) -> str:
    return (
        f"To install the model: on a machine with internet access run `manage.py toxicity_model fetch --model {model} "
        "--dir DIR`, copy DIR to this server and set TOXICITY_MODEL_DIR=DIR."
    )


def _check_files(model_dir: Path, model: str, spec: ModelSpec) -> None:
    hint = _refetch_hint(model)
    if not model_dir.parent.is_dir():
        raise ScorerUnavailable(f"TOXICITY_MODEL_DIR={model_dir.parent} does not exist or is not a directory. {hint}")
    if not model_dir.is_dir():
        found = sorted(p.name for p in model_dir.parent.iterdir() if p.is_dir())
        raise ScorerUnavailable(
            f"{model_dir} does not exist: TOXICITY_MODEL_DIR has no '{model}' model "
            f"(it has: {', '.join(found) or 'nothing'}). Set TOXICITY_MODEL to one of those. {hint}"
        )
    checkpoint = model_dir / CHECKPOINT_FILE
    if not checkpoint.is_file():
        raise ScorerUnavailable(f"The checkpoint {checkpoint} is missing. {hint}")
    if not os.access(checkpoint, os.R_OK):
        raise ScorerUnavailable(f"The checkpoint {checkpoint} is not readable by this user: fix its permissions.")
    hf = model_dir / HF_DIR
    if not (hf / "config.json").is_file():
        raise ScorerUnavailable(f"The Hugging Face config {hf / 'config.json'} is missing. {hint}")
    has_vocab = all((hf / name).is_file() for name in spec.vocab_files)
    if not (hf / "tokenizer.json").is_file() and not has_vocab:
        raise ScorerUnavailable(
            f"The tokenizer files are missing from {hf} (need tokenizer.json or {' + '.join(spec.vocab_files)}). {hint}"
        )


def _read_checkpoint(path: Path, device: str, model: str) -> dict[str, Any]:
    # A pickle: torch.load can run code. It is only ever read from TOXICITY_MODEL_DIR.
    # Damaged bytes surface as almost any exception type from the unpickler
    # (UnpicklingError, EOFError, ValueError, KeyError, IndexError...), so every
    # failure to read the file is reported as a damaged checkpoint.
    try:
        return torch.load(path, map_location=device, weights_only=False)
    except Exception as exc:
        raise ScorerUnavailable(
            f"The checkpoint {path} is corrupt or truncated ({type(exc).__name__}: {exc}). "
            f"Copy it again (its sha256 is in manifest.json), or fetch it again. {_refetch_hint(model)}"
        ) from exc


def _checkpoint_args(loaded: Any, path: Path, model: str, spec: ModelSpec) -> tuple[dict[str, Any], list[str]]:
    """The architecture arguments and class names of a loaded checkpoint, checked against ``spec``."""
    hint = _refetch_hint(model)
    if not isinstance(loaded, dict) or "config" not in loaded or "state_dict" not in loaded:
        raise ScorerUnavailable(f"{path} is not a Detoxify checkpoint (it needs a 'config' and a 'state_dict'). {hint}")
    try:
        args = dict(loaded["config"]["arch"]["args"])
        classes = list(loaded["config"]["dataset"]["args"]["classes"])
        wanted = {key: args[key] for key in ("model_type", "model_name", "tokenizer_name", "num_classes")}
    except (KeyError, TypeError) as exc:
        raise ScorerUnavailable(
            f"{path} is not a Detoxify checkpoint: its config has no {exc} (needs arch.args and dataset.args.classes). {hint}"
        ) from exc
    if (wanted["model_name"], wanted["tokenizer_name"]) != (spec.model_class, spec.tokenizer_class):
        raise ScorerUnavailable(
            f"{path} holds a {wanted['model_name']}/{wanted['tokenizer_name']} model, but Detoxify '{model}' is a "
            f"{spec.model_class}/{spec.tokenizer_class}: the directory holds another model. {hint}"
        )
    if not isinstance(loaded["state_dict"], dict) or not classes or len(classes) > int(wanted["num_classes"]):
        raise ScorerUnavailable(f"{path} has no usable weights or class names. {hint}")
    return wanted, [STANDARD_LABELS.get(name, name) for name in classes]


def _fingerprint(tensor: torch.Tensor) -> tuple[tuple[int, ...], tuple[float, ...]]:
    return tuple(tensor.shape), tuple(tensor.detach().reshape(-1)[:16].float().cpu().tolist())


def _verified_manifest(model_dir: Path, model: str) -> tuple[dict[str, Any] | None, str]:
    """The manifest (None if there is none) and the checkpoint's sha256, checked against each other."""
    manifest, checkpoint = read_manifest(model_dir), model_dir / CHECKPOINT_FILE
    if manifest is not None and manifest.get("model", model) != model:
        raise ScorerUnavailable(
            f"{model_dir / MANIFEST_FILE} describes the '{manifest.get('model')}' model, not '{model}'. {_refetch_hint(model)}"
        )
    sha256 = file_sha256(checkpoint)
    if manifest is None:
        logger.warning("%s has no %s: the checkpoint cannot be checked against its source", model_dir, MANIFEST_FILE)
    elif manifest.get("sha256") and manifest["sha256"] != sha256:
        raise ScorerUnavailable(
            f"{checkpoint} does not match {MANIFEST_FILE} (sha256 {sha256[:12]}…, expected {str(manifest['sha256'])[:12]}…): "
            f"it was changed or copied incompletely. Copy the model directory again. {_refetch_hint(model)}"
        )
    return manifest, sha256


def _check_loaded(
    model: Any, tokenizer: Any, state_dict: dict[str, Any], model_dir: Path, model_name: str, spec: ModelSpec
) -> None:
    """Catch what transformers 5 lets through silently: random weights, a stub tokenizer.

    Transformers 5 initialises weights missing from ``state_dict`` at random (it
    only prints a report), and a tokenizer without its vocabulary files loads with
    5 tokens. Weights are compared by value, not name: transformers may rename keys.
    """
    provided = {_fingerprint(t) for t in state_dict.values() if torch.is_tensor(t) and t.is_floating_point()}
    missing = [name for name, param in model.named_parameters() if _fingerprint(param) not in provided]
    if missing:
        raise ScorerUnavailable(
            f"{model_dir / CHECKPOINT_FILE} lacks {len(missing)} of the model's weights (e.g. {', '.join(missing[:3])}): "
            f"it is not a {spec.model_class} checkpoint in Detoxify's format. {_refetch_hint(model_name)}"
        )
    if len(tokenizer) != model.config.vocab_size:
        raise ScorerUnavailable(
            f"The tokenizer in {model_dir / HF_DIR} has {len(tokenizer)} tokens but the model has {model.config.vocab_size}: "
            f"the tokenizer files are incomplete or belong to another model. {_refetch_hint(model_name)}"
        )


def _check_device(device: str, quantize: bool) -> None:
    if device != "cpu" and not re.fullmatch(r"cuda(:\d+)?", device):
        raise ScorerUnavailable(f"TOXICITY_DEVICE={device!r} is not supported: use 'cpu' or 'cuda'.")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ScorerUnavailable(
            f"TOXICITY_DEVICE={device} but torch {torch.__version__} sees no CUDA GPU on this machine "
            "(a CPU-only torch build, or no NVIDIA driver). Set TOXICITY_DEVICE=cpu."
        )
    if quantize and device != "cpu":
        raise ScorerUnavailable("TOXICITY_QUANTIZE works on the CPU only: unset it, or set TOXICITY_DEVICE=cpu.")


def offline_variables_set() -> list[str]:
    """Which of HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set to a true value, as huggingface_hub reads them."""
    return [
        name
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
        if os.environ.get(name, "").upper() in ("1", "ON", "YES", "TRUE")
    ]


def enter_offline_mode() -> None:
    """Forbid Hugging Face downloads in this process.

    huggingface_hub reads HF_HUB_OFFLINE once, when it is imported (detoxify has
    imported it already), so its flag is set too.
    """
    import huggingface_hub.constants

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    huggingface_hub.constants.HF_HUB_OFFLINE = True


def _quantize(model: torch.nn.Module) -> torch.nn.Module:
    quantize_dynamic = getattr(getattr(torch.ao, "quantization", None), "quantize_dynamic", None)
    if quantize_dynamic is None:
        raise ScorerUnavailable(
            f"TOXICITY_QUANTIZE is set but torch {torch.__version__} has no torch.ao.quantization.quantize_dynamic: "
            "unset TOXICITY_QUANTIZE."
        )
    with warnings.catch_warnings():
        # torch deprecates torch.ao.quantization in favour of torchao; it still works in this pinned torch.
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


# --- the scorer ----------------------------------------------------------------------------


class DetoxifyScorer(Detoxify):
    """A ``detoxify.Detoxify`` that is also a ``Scorer``.

    With ``model_dir`` (``TOXICITY_MODEL_DIR``) it loads ``model_dir/<model>``
    without any network access; without it, stock Detoxify downloads the model.
    ``name`` records the model and its version, e.g. ``detoxify-original
    (toxic_original-c1212f89)``, with ``+int8`` when quantized. Raises
    ``ScorerUnavailable`` with an actionable message for every load failure.
    Not thread-safe: use it from one thread (the scoring thread) at a time.
    """

    def __init__(
        self,
        model: str = "multilingual",
        *,
        model_dir: str | Path | None = None,
        device: str = "cpu",
        quantize: bool = False,
        threads: int = 0,
    ) -> None:
        spec = model_spec(model)
        _check_device(device, quantize)
        torch.set_num_threads(threads or os.cpu_count() or 1)
        self.detoxify_model = model
        self.manifest: dict[str, Any] | None = None
        if model_dir is None:
            self._load_online(model, device)
            self.version = Path(spec.url).stem  # the release file name (stock detoxify does not check its hash)
            self.model_dir: Path | None = None
        else:
            self.model_dir = Path(model_dir).expanduser() / model
            self.version = self._load_local(self.model_dir, model, spec, device)
        self._fit_max_length()
        self.model.eval()
        if quantize:
            self.model = _quantize(self.model)
        self.quantized = quantize
        self.threads = torch.get_num_threads()
        self.labels = list(self.class_names)
        self.name = f"detoxify-{model} ({self.version})" + ("+int8" if quantize else "")

    def _load_online(self, model: str, device: str) -> None:
        if offline_variables_set():
            raise ScorerUnavailable(
                f"TOXICITY_MODEL_DIR is not set and HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE forbid downloads, so there is "
                f"no Detoxify '{model}' model to load. {_refetch_hint(model)}"
            )
        try:
            super().__init__(model_type=model, device=device)
        except Exception as exc:  # downloads and loads through third-party code: any failure means "unavailable"
            raise ScorerUnavailable(
                f"TOXICITY_MODEL_DIR is not set, so Detoxify tried to download the '{model}' model from github.com "
                f"and huggingface.co, and that failed ({type(exc).__name__}: {exc}). "
                f"{_refetch_hint(model)}"
            ) from exc

    def _load_local(self, model_dir: Path, model: str, spec: ModelSpec, device: str) -> str:
        """Load ``model_dir`` offline into this Detoxify; return the checkpoint's version."""
        _check_files(model_dir, model, spec)
        checkpoint, hf = model_dir / CHECKPOINT_FILE, model_dir / HF_DIR
        self.manifest, sha256 = _verified_manifest(model_dir, model)
        loaded = _read_checkpoint(checkpoint, device, model)
        args, class_names = _checkpoint_args(loaded, checkpoint, model, spec)
        # The workaround: detoxify builds the config from `model_type`, which must be local to work offline.
        args["model_type"] = str(hf)
        try:
            self.model, self.tokenizer = get_model_and_tokenizer(
                **args, state_dict=loaded["state_dict"], huggingface_config_path=str(hf)
            )
        except (OSError, ValueError, RuntimeError, TypeError, KeyError) as exc:
            raise ScorerUnavailable(
                f"The files in {hf} do not fit the checkpoint {checkpoint} ({type(exc).__name__}: {exc}). "
                f"config.json must have num_labels={args['num_classes']}. {_refetch_hint(model)}"
            ) from exc
        _check_loaded(self.model, self.tokenizer, loaded["state_dict"], model_dir, model, spec)
        self.class_names = class_names
        self.device = device
        self.model.to(device)
        return checkpoint_version(self.manifest.get("source_url") if self.manifest else None, sha256)

    def _fit_max_length(self) -> None:
        # A tokenizer saved without model_max_length would let long texts overflow the position embeddings.
        limit = self.model.config.max_position_embeddings
        if self.model.config.model_type in ("roberta", "xlm-roberta"):
            limit -= self.model.config.pad_token_id + 1  # RoBERTa's positions start after the padding index
        if self.tokenizer.model_max_length > limit:
            self.tokenizer.model_max_length = limit

    def score_batch(self, texts: list[str]) -> list[ScoreResult]:
        """Score ``texts`` in one batched forward pass. Returns one result per text, in order."""
        if not texts:
            return []
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)  # OpenMP thread counts are per thread: apply ours in the scoring thread
        with torch.inference_mode():
            raw = self.predict(list(texts))  # detoxify's own: tokenizes with padding and truncation
        columns = {label: raw[label] if isinstance(raw[label], list) else [raw[label]] for label in self.class_names}
        return [
            ScoreResult(labels={label: float(columns[label][i]) for label in self.class_names}, model=self.name)
            for i in range(len(texts))
        ]


def build_detoxify_scorer() -> DetoxifyScorer:
    """The Detoxify scorer the settings describe.

    With ``TOXICITY_MODEL_DIR`` set, loading is fully offline (downloads are
    forbidden for this process first). Without it, stock Detoxify downloads the
    model. Raises ``ScorerUnavailable`` with a message an administrator can act on.
    """
    model = settings.TOXICITY_MODEL
    model_spec(model)
    options = {
        "device": settings.TOXICITY_DEVICE,
        "quantize": settings.TOXICITY_QUANTIZE,
        "threads": settings.TOXICITY_THREADS,
    }
    if settings.TOXICITY_MODEL_DIR:
        enter_offline_mode()
        return DetoxifyScorer(model, model_dir=settings.TOXICITY_MODEL_DIR, **options)
    return DetoxifyScorer(model, **options)
