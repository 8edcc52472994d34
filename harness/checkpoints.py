"""Detoxify-format model directories built without network, for tests and benchmarks.

Both builders write the layout ``moderation.scoring.detoxify_engine`` reads
(``<root>/<model>/checkpoint.ckpt``, ``hf/``, ``manifest.json``) and return
``<root>/<model>``; point ``TOXICITY_MODEL_DIR`` at ``root``. The weights are
random: the scores mean nothing, but the code path and (for the full-size one)
the compute are the real ones.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import unicodedata
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

from moderation.scoring.detoxify_engine import CHECKPOINT_FILE, HF_DIR, MANIFEST_FILE, file_sha256, write_manifest

# The class names as stored in the real `original` checkpoint (before detoxify standardises them).
ORIGINAL_CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ENGLISH = """
the a an and or but of to in on at for with from by about as is are was were be been it this that these those
i you he she we they me him her us them my your his our their what when where why how who which will would can
could should may might must do does did have has had not no yes all any some many more most other such only
own same so than too very just now then here there up down out over under again once tram bus train station
road street bridge park school library pool hospital council mayor budget tax taxes money plan project city
town district north south east west center centre year month week day night morning evening sunday monday
question answer meeting hall citizen people community children family housing rent water waste recycling
bike lane parking traffic safety police fire noise repair repairs open closed close reach next last new old
good bad great small big long short high low public private service services cost costs pay paid vote
you're stupid idiot liar shut dumb fool hate kill ugly loser moron disgusting pathetic corrupt useless
""".split()
FRENCH = """
le la les un une des et ou mais de du au aux en dans sur pour avec par est sont était être avoir a ont
je tu il elle nous vous ils elles mon ton son notre votre leur quoi quand où pourquoi comment qui que
ne pas plus oui non tout tous toute toutes ville mairie maire conseil budget impôts argent projet quartier
nord sud est ouest centre année mois semaine jour nuit matin soir dimanche lundi question réponse réunion
citoyen citoyens gens enfants famille logement loyer eau déchets vélo piste stationnement circulation
sécurité police bruit travaux ouvert ouverte fermé fermée prochain prochaine dernier nouveau nouvelle
piscine école bibliothèque hôpital pont rue route gare bus tram
imbécile idiot menteur menteuse taisez-vous tais-toi stupide nul nulle crétin honte dégoûtant corrompu
""".split()


def _words() -> list[str]:
    # bert-base-uncased strips accents ("fermée" -> "fermee"), so French words come in both forms.
    words = [w.lower() for w in ENGLISH + FRENCH]
    stripped = ["".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c)) for w in words]
    return list(dict.fromkeys(words + stripped))


def _tiny_vocab() -> list[str]:
    chars = list("abcdefghijklmnopqrstuvwxyzàâçéèêëîïôûùüœ0123456789") + list(".,;:!?'\"-()")
    tokens = SPECIALS + chars + [f"##{c}" for c in chars if c.isalnum()] + _words()
    return list(dict.fromkeys(tokens))


def _full_vocab(size: int) -> list[str]:
    """A deterministic WordPiece vocabulary of exactly ``size`` tokens."""
    chars = [chr(c) for c in range(33, 127)] + [chr(c) for c in range(0xC0, 0x180)]
    base = SPECIALS + [f"[unused{i}]" for i in range(99)] + chars + [f"##{c}" for c in chars]
    base += _words()
    syllables = [a + b for a in "bcdfghjklmnpqrstvwxz" for b in "aeiouy"] + list("aeiouy")
    synthetic = (
        prefix + "".join(parts)
        for n in itertools.count(1)
        for parts in itertools.product(syllables, repeat=n)
        for prefix in ("", "##")
    )
    vocab = list(dict.fromkeys(base))[:size]
    seen = set(vocab)
    for token in synthetic:
        if len(vocab) >= size:
            break
        if token not in seen:
            seen.add(token)
            vocab.append(token)
    return vocab


def _write_model_dir(
    model_dir: Path,
    *,
    config: BertConfig,
    vocab: list[str],
    model: str,
    stored_model_type: str | None,
    source_url: str,
    seed: int,
    **manifest_extra: object,
) -> Path:
    hf = model_dir / HF_DIR
    hf.mkdir(parents=True, exist_ok=True)
    vocab_file = hf / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # Transformers 5's BertTokenizer takes the vocabulary itself (`vocab_file=` is silently ignored).
    tokenizer = BertTokenizer(
        vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True, model_max_length=512
    )
    tokenizer.save_pretrained(hf)
    config.save_pretrained(hf)
    with torch.random.fork_rng(devices=[]):  # random weights, without disturbing the caller's RNG
        torch.manual_seed(seed)
        state_dict = BertForSequenceClassification(config).state_dict()
    checkpoint = model_dir / CHECKPOINT_FILE
    torch.save(
        {
            "config": {
                "arch": {
                    "args": {
                        "model_type": stored_model_type or str(hf),
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": config.num_labels,
                    }
                },
                "dataset": {"args": {"classes": list(ORIGINAL_CLASSES)}},
            },
            "state_dict": state_dict,
        },
        checkpoint,
    )
    write_manifest(model_dir, model=model, source_url=source_url, sha256=file_sha256(checkpoint), **manifest_extra)
    return model_dir


def build_tiny_checkpoint(
    root: Path, model: str = "original", *, stored_model_type: str | None = None, seed: int = 0
) -> Path:
    """Write a tiny random BERT Detoxify model into ``root/model`` and return that directory.

    ``stored_model_type`` is what the checkpoint records as its Hugging Face
    model (default: the local ``hf/`` directory); pass ``"bert-base-uncased"``,
    as the real checkpoint does, to need the engine's offline workaround.
    ``model`` only names the directory: the architecture is always BERT.
    """
    vocab = _tiny_vocab()
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=512,
        num_labels=len(ORIGINAL_CLASSES),
        architectures=["BertForSequenceClassification"],
        initializer_range=0.2,  # wider than BERT's 0.02, so the random scores spread over (0, 1)
    )
    return _write_model_dir(
        Path(root) / model,
        config=config,
        vocab=vocab,
        model=model,
        stored_model_type=stored_model_type,
        source_url="tests.support.checkpoints:build_tiny_checkpoint (random weights, tests only)",
        seed=seed,
    )


def build_full_size_checkpoint(root: Path, vocab_size: int = 30522) -> Path:
    """Write a random model with bert-base-uncased's size into ``root/original``; return that directory.

    Same architecture and compute as Detoxify ``original`` (hidden 768, 12
    layers, 12 heads, intermediate 3072, 6 labels) and a real-size generated
    WordPiece vocabulary; ``model_type`` is "bert-base-uncased", as in the real
    checkpoint. About 440 MB: it is a cache, rebuilt only when missing or built
    with another ``vocab_size``.
    """
    model_dir = Path(root) / "original"
    manifest_path = model_dir / MANIFEST_FILE
    if manifest_path.is_file() and (model_dir / CHECKPOINT_FILE).is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("builder") == "full-size" and manifest.get("vocab_size") == vocab_size:
            return model_dir
    vocab = _full_vocab(vocab_size)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        max_position_embeddings=512,
        num_labels=len(ORIGINAL_CLASSES),
        architectures=["BertForSequenceClassification"],
    )
    # Build next to the target and swap it in whole, so an interrupted build is never mistaken for a cache.
    partial = Path(root) / f".original.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    _write_model_dir(
        partial,
        config=config,
        vocab=vocab,
        model="original",
        stored_model_type="bert-base-uncased",
        source_url="tests.support.checkpoints:build_full_size_checkpoint (random weights, benchmarks only)",
        seed=0,
        builder="full-size",
        vocab_size=vocab_size,
    )
    shutil.rmtree(model_dir, ignore_errors=True)
    partial.rename(model_dir)
    return model_dir
