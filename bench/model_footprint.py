"""Memory and latency of Detoxify ``original`` against ``multilingual``, on full-size random-weight replicas.

    .venv/bin/python bench/model_footprint.py [--threads 2] [--root var/bench-models]

Builds (once, cached under ``--root``) two checkpoints with random weights and
the real architectures and sizes: ``original`` (bert-base-uncased, 30,522
tokens, via ``harness.checkpoints.build_full_size_checkpoint``) and
``multilingual`` (xlm-roberta-base: 250,002 tokens, hidden 768, 12 layers).
The XLM-R tokenizer cannot be downloaded here, so this script makes one: a
Unigram model over 250,002 generated pieces (real EN/FR words first), saved
as ``tokenizer.json``. It splits text into a similar number of pieces as the
real one, but not the same pieces: latency is indicative.

Each model is loaded through the real engine (``DetoxifyScorer``) in its own
child process, which reports its resident memory after loading and after
scoring (``ru_maxrss``), the load time, and the median latency of one
question and of a batch of 16 (bench/questions.py). Markdown on stdout.
Memory is read from /proc/self/status (Linux).
The scores mean nothing (random weights).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

XLMR_VOCAB = 250_002
MULTILINGUAL_CLASSES = ["toxicity"]


def _pieces(size: int) -> list[str]:
    """``size`` distinct sentencepiece-style pieces: specials, EN/FR words, then generated fragments."""
    from questions import town_hall_questions

    from harness.checkpoints import _full_vocab

    words = {w for q in town_hall_questions(2000, seed=1) for w in q.text.lower().split()}
    pieces = ["<s>", "<pad>", "</s>", "<unk>"]
    pieces += sorted("▁" + w for w in words)
    pieces += [p for p in _full_vocab(40_000) if not p.startswith("[")]
    pieces = list(dict.fromkeys(pieces))
    n = 0
    while len(pieces) < size - 1:
        n += 1
        pieces.append(("▁" if n % 2 else "") + format(n, "x").translate(str.maketrans("0123456789", "ghijklmnop")))
        pieces = pieces if len(pieces) % 50_000 else list(dict.fromkeys(pieces))
    return list(dict.fromkeys(pieces))[: size - 1] + ["<mask>"]


def build_multilingual(root: Path) -> Path:
    """Write a random xlm-roberta-base-sized Detoxify ``multilingual`` into ``root/multilingual``."""
    import torch
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification, XLMRobertaTokenizer

    from moderation.scoring.detoxify_engine import CHECKPOINT_FILE, HF_DIR, file_sha256, write_manifest

    model_dir = root / "multilingual"
    if (model_dir / CHECKPOINT_FILE).is_file():
        return model_dir
    hf = model_dir / HF_DIR
    hf.mkdir(parents=True, exist_ok=True)
    pieces = _pieces(XLMR_VOCAB)
    core = Tokenizer(Unigram([(p, -1.0 - i / 1000) for i, p in enumerate(pieces)], unk_id=3))
    core.normalizer = normalizers.NFKC()
    core.pre_tokenizer = pre_tokenizers.Metaspace()
    core.decoder = decoders.Metaspace()
    tokenizer = XLMRobertaTokenizer(tokenizer_object=core, model_max_length=512)
    tokenizer.save_pretrained(hf)
    config = XLMRobertaConfig(
        vocab_size=XLMR_VOCAB,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        num_labels=len(MULTILINGUAL_CLASSES),
        architectures=["XLMRobertaForSequenceClassification"],
    )
    config.save_pretrained(hf)
    torch.manual_seed(0)
    state_dict = XLMRobertaForSequenceClassification(config).state_dict()
    checkpoint = model_dir / CHECKPOINT_FILE
    args = {
        "model_type": "xlm-roberta-base",
        "model_name": "XLMRobertaForSequenceClassification",
        "tokenizer_name": "XLMRobertaTokenizer",
        "num_classes": len(MULTILINGUAL_CLASSES),
    }
    torch.save(
        {
            "config": {"arch": {"args": args}, "dataset": {"args": {"classes": MULTILINGUAL_CLASSES}}},
            "state_dict": state_dict,
        },
        checkpoint,
    )
    write_manifest(
        model_dir,
        model="multilingual",
        source_url="bench/model_footprint.py (random weights)",
        sha256=file_sha256(checkpoint),
    )
    return model_dir


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (``VmRSS`` now, ``VmHWM`` peak), in MB.

    Not ``ru_maxrss``: Linux keeps it across ``execve``, so a child would inherit the builder's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def measure(model: str, root: Path, threads: int) -> dict:
    """In this process: load ``model`` from ``root`` and time it. Returns the figures."""
    import django

    django.setup()
    import torch
    from questions import town_hall_questions

    from moderation.scoring.detoxify_engine import DetoxifyScorer

    torch.set_num_threads(threads)
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    scorer = DetoxifyScorer(model, model_dir=root, threads=threads)
    load = time.perf_counter() - start
    loaded = _status_mb("VmRSS")
    texts = [q.text for q in town_hall_questions(16 * 6, seed=2)]
    scorer.score_batch(texts[:16])  # warm-up
    singles, batches = [], []
    for text in texts[16:24]:
        start = time.perf_counter()
        scorer.score_batch([text])
        singles.append(time.perf_counter() - start)
    for i in range(2, 5):
        start = time.perf_counter()
        scorer.score_batch(texts[16 * i : 16 * (i + 1)])
        batches.append(time.perf_counter() - start)
    tokens = statistics.mean(len(scorer.tokenizer(t)["input_ids"]) for t in texts)
    params = sum(p.numel() for p in scorer.model.parameters())
    return {
        "model": model,
        "params_m": params / 1e6,
        "file_mb": (root / model / "checkpoint.ckpt").stat().st_size / 1e6,
        "rss_before_mb": before,
        "rss_loaded_mb": loaded,
        "rss_peak_mb": _status_mb("VmHWM"),
        "loadavg": os.getloadavg()[0],
        "load_s": load,
        "single_ms": 1000 * statistics.median(singles),
        "batch16_ms": 1000 * statistics.median(batches),
        "tokens_per_question": tokens,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--root", default=str(ROOT / "var" / "bench-models"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = Path(args.root)
    if args.child:
        print(json.dumps(measure(args.child, root, args.threads)))
        return 0
    from harness.checkpoints import build_full_size_checkpoint

    root.mkdir(parents=True, exist_ok=True)
    build_full_size_checkpoint(root)
    build_multilingual(root)
    rows = []
    for model in ("original", "multilingual"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", model, "--root", str(root), "--threads", str(args.threads)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    loads = ", ".join(f"{r['loadavg']:.1f}" for r in rows)
    print(
        f"torch threads: {args.threads}; CPU: {os.cpu_count()} cores; 1-min load average at the end: {loads}; random weights, real sizes\n"
    )
    print(
        "| model | parameters | checkpoint file | RSS after load (process) | peak RSS after scoring | load time | 1 question | batch of 16 | pieces per question |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['model']} | {r['params_m']:.0f} M | {r['file_mb']:.0f} MB | {r['rss_loaded_mb']:.0f} MB "
            f"(+{r['rss_loaded_mb'] - r['rss_before_mb']:.0f}) | {r['rss_peak_mb']:.0f} MB | {r['load_s']:.1f} s "
            f"| {r['single_ms']:.0f} ms | {r['batch16_ms']:.0f} ms | {r['tokens_per_question']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
