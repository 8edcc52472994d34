"""Fetch a Detoxify model for offline use, and check which scorer this server would use.

    manage.py toxicity_model fetch --dir /srv/townhall/models    # the model TOXICITY_MODEL names
    manage.py toxicity_model fetch --model original --dir /srv/townhall/models
    manage.py toxicity_model check

``fetch`` needs internet access (github.com for the checkpoint, huggingface.co
for the tokenizer and config): run it on a connected machine, copy the
directory to the server, and set ``TOXICITY_MODEL_DIR`` there. Both commands
end with the same offline verification: load, time it, score sample questions.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.scoring import registry
from moderation.scoring.base import Scorer, ScorerUnavailable
from moderation.scoring.detoxify_engine import (
    CHECKPOINT_FILE,
    HF_DIR,
    MODELS,
    DetoxifyScorer,
    enter_offline_mode,
    file_sha256,
    model_spec,
    offline_variables_set,
    write_manifest,
)

# (language, kind, text): what `check` and `fetch` score to show the model at work.
SAMPLES = [
    ("en", "civil", "When will the tram reach the north district?"),
    ("en", "insulting", "You are a stupid idiot and a liar, shut up."),
    ("fr", "civil", "Pourquoi la piscine est-elle fermée le dimanche ?"),
    ("fr", "insulting", "Vous êtes un imbécile et un menteur, taisez-vous."),
]


# --- downloads: small, and the only part that needs the network ------------------------------


def download_checkpoint(url: str, dest: Path) -> None:
    """Download the checkpoint at ``url`` to ``dest``.

    The sha256 prefix in the release file's name is checked (RuntimeError if it
    differs); network failures raise OSError.
    """
    match = torch.hub.HASH_REGEX.search(url.rsplit("/", 1)[-1])
    torch.hub.download_url_to_file(url, str(dest), hash_prefix=match.group(1) if match else None, progress=True)


def download_hf_files(
    hf_model_type: str, *, model_class: str, tokenizer_class: str, num_labels: int, dest: Path
) -> None:
    """Save the Hugging Face config (with ``num_labels``) and tokenizer of ``hf_model_type`` into ``dest``.

    Network failures raise OSError.
    """
    config_class = getattr(transformers, model_class).config_class
    config = config_class.from_pretrained(hf_model_type, num_labels=num_labels)
    tokenizer = getattr(transformers, tokenizer_class).from_pretrained(hf_model_type)
    dest.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(dest)
    tokenizer.save_pretrained(dest)


def _unreachable(host: str, what: str, exc: BaseException, model_dir: Path) -> CommandError:
    offline = offline_variables_set()
    note = f" {' and '.join(offline)} is set in this shell: unset it for `fetch`." if offline else ""
    return CommandError(
        f"cannot reach {host} to download {what} ({type(exc).__name__}: {exc}).{note} `fetch` needs internet access "
        f"to github.com and huggingface.co: run this on a machine with internet access, then copy {model_dir.parent} "
        f"to the server and set TOXICITY_MODEL_DIR={model_dir.parent} there."
    )


class Command(BaseCommand):
    help = "Fetch a Detoxify model for offline use (fetch), or show the scorer this server would use (check)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser(
            "fetch", help="download a model into DIR/<model> (needs internet), then verify it offline"
        )
        fetch.add_argument(
            "--model",
            choices=list(MODELS),
            default=None,
            help="Detoxify model name (default: TOXICITY_MODEL, whose default is multilingual)",
        )
        fetch.add_argument(
            "--dir", dest="directory", required=True, help="the model directory (TOXICITY_MODEL_DIR on the server)"
        )
        sub.add_parser("check", help="load the configured scorer as the service would, time it, score samples")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        {"fetch": self.do_fetch, "check": self.do_check}[action](**options)

    # --- fetch ------------------------------------------------------------------------------

    def do_fetch(self, *, model: str | None, directory: str, **_: object) -> None:
        model = model or settings.TOXICITY_MODEL
        if model not in MODELS:
            raise CommandError(f"TOXICITY_MODEL={model!r} is not a Detoxify model: use one of {', '.join(MODELS)}.")
        spec = model_spec(model)
        root = Path(directory).expanduser().resolve()
        model_dir = root / model
        model_dir.mkdir(parents=True, exist_ok=True)
        checkpoint = model_dir / CHECKPOINT_FILE

        expected = torch.hub.HASH_REGEX.search(spec.url.rsplit("/", 1)[-1])
        if checkpoint.is_file() and expected and file_sha256(checkpoint).startswith(expected.group(1)):
            self.stdout.write(f"Checkpoint already present and verified: {checkpoint}")
        else:
            self.stdout.write(f"Downloading {spec.url}\n  to {checkpoint}")
            try:
                download_checkpoint(spec.url, checkpoint)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    model_dir.rmdir()  # only if this run left it empty
                raise _unreachable("github.com", f"the '{model}' checkpoint", exc, model_dir) from exc
            except RuntimeError as exc:  # torch.hub's hash check
                raise CommandError(f"the downloaded checkpoint is damaged ({exc}): run `fetch` again.") from exc
        sha256 = file_sha256(checkpoint)

        args = self._checkpoint_args(checkpoint)
        self.stdout.write(f"Downloading the {args['model_type']} config and tokenizer from huggingface.co")
        try:
            download_hf_files(
                args["model_type"],
                model_class=spec.model_class,
                tokenizer_class=spec.tokenizer_class,
                num_labels=int(args["num_classes"]),
                dest=model_dir / HF_DIR,
            )
        except OSError as exc:
            raise _unreachable(
                "huggingface.co", f"the {args['model_type']} config and tokenizer", exc, model_dir
            ) from exc
        write_manifest(
            model_dir, model=model, source_url=spec.url, sha256=sha256, checkpoint_bytes=checkpoint.stat().st_size
        )
        self.stdout.write(f"Wrote {model_dir} (checkpoint {checkpoint.stat().st_size / 1e6:.0f} MB, sha256 {sha256}).")

        self.stdout.write("Verifying: loading it offline, as the server will.")
        started = time.perf_counter()
        try:
            enter_offline_mode()
            scorer = DetoxifyScorer(model, model_dir=root, device="cpu")
        except ScorerUnavailable as exc:
            raise CommandError(f"the downloaded model does not load: {exc}") from exc
        self._report(scorer, time.perf_counter() - started)
        self.stdout.write(
            self.style.SUCCESS(
                f"OK. Copy {root} to the server and set TOXICITY_MODEL_DIR={root} and TOXICITY_MODEL={model} there."
            )
        )

    def _checkpoint_args(self, checkpoint: Path) -> dict[str, Any]:
        # Read back what we just downloaded from detoxify's release page (a pickle, like every load).
        loaded = torch.load(checkpoint, map_location="cpu", weights_only=False)
        try:
            return dict(loaded["config"]["arch"]["args"])
        except (KeyError, TypeError) as exc:
            raise CommandError(
                f"{checkpoint} is not a Detoxify checkpoint (no config.arch.args): delete it and fetch again."
            ) from exc

    # --- check ------------------------------------------------------------------------------

    def do_check(self, **_: object) -> None:
        self.stdout.write(
            f"Configured: TOXICITY_SCORER={settings.TOXICITY_SCORER} TOXICITY_MODEL={settings.TOXICITY_MODEL} "
            f"TOXICITY_MODEL_DIR={settings.TOXICITY_MODEL_DIR or '(not set: Detoxify would download from the internet)'} "
            f"TOXICITY_DEVICE={settings.TOXICITY_DEVICE} TOXICITY_QUANTIZE={settings.TOXICITY_QUANTIZE} "
            f"TOXICITY_THREADS={settings.TOXICITY_THREADS or '0 (one per core)'}"
        )
        registry.reset()  # build it from the current settings, exactly as the service does
        try:
            scorer = registry.get_scorer()
        except ScorerUnavailable as exc:
            raise CommandError(f"no scorer can be loaded: {exc}") from exc
        details = registry.scorer_details()
        self._report(scorer, details["load_seconds"], fallback_reason=details.get("fallback_reason"))

    # --- shared: the verification report ------------------------------------------------------

    def _report(self, scorer: Scorer, load_seconds: float | None, *, fallback_reason: str | None = None) -> None:
        """Print the scorer, its load time and its scores of the sample questions."""
        line = f"Active scorer: {scorer.name}"
        if fallback_reason:
            line += f" (fallback to offline scorer because {fallback_reason})"
        self.stdout.write(line)
        self.stdout.write(f"Load time: {load_seconds:.2f} s" if load_seconds is not None else "Load time: unknown")
        if isinstance(scorer, DetoxifyScorer):
            self._describe(scorer)
        self.stdout.write("Sample scores (score = highest label):")
        results = scorer.score_batch([text for _, _, text in SAMPLES])
        for (language, kind, text), result in zip(SAMPLES, results, strict=True):
            top = max(result.labels, key=result.labels.__getitem__) if result.labels else "-"
            self.stdout.write(f"  {result.score:6.3f}  {top:<16} {language} {kind:<10} {text}")
        if isinstance(scorer, DetoxifyScorer) and scorer.detoxify_model != "multilingual":
            self.stdout.write(
                f"Note: '{scorer.detoxify_model}' is trained on English only; for French questions "
                "use TOXICITY_MODEL=multilingual."
            )

    def _describe(self, scorer: DetoxifyScorer) -> None:
        if scorer.model_dir is not None:
            manifest = scorer.manifest or {}
            self.stdout.write(
                f"Model files: {scorer.model_dir} (source {manifest.get('source_url', 'unknown: no manifest.json')}, "
                f"fetched {manifest.get('fetched_at', 'unknown')})"
            )
        self.stdout.write(
            f"Device: {scorer.device}, torch threads: {scorer.threads}, int8: {'yes' if scorer.quantized else 'no'}"
        )
        self.stdout.write(f"Labels: {', '.join(scorer.labels)}")
