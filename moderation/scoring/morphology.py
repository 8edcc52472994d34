"""Verb forms for the default lexicons' ``verb@`` syntax. Pure, no Django.

One lexicon entry names a verb once (``tuer@``, ``kill@``) and matches its
forms in every person and tense that a threat uses, so that the lexicons
generalise by morphology rather than by listing sentences:

- French, from the infinitive, by group: ``-er`` (je tue, tu tueras, il
  tuerait, qu'on le tue, tué), ``-ir`` of the second group (démolir:
  démolis, démolira, démolisse) and ``-re`` (pendre: pends, pendra, qu'on
  le pende, pendu). The futur proche ("je vais te tuer") is the infinitive.
  Stems in ``g``/``c`` keep their ``e`` before ``a``/``o`` (égorgeons,
  égorgeait), stems in ``y`` may turn it into ``i`` (noie, noierai).
- English, from the base form: ``-s``, ``-es``, ``-ed``, ``-ing``, ``-er``
  with a final ``e`` dropped (strangling) or a final consonant doubled
  (stabbed, stabbing), plus a short table of irregular past forms (shot,
  hung, beaten, burnt).

Words arrive already in ``normalize_for_matching`` form (no accents), and
endings are returned as regex text to append to the stem's own regex.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

_FR_ER = (
    "e es ent ons ez er ee ees erai eras era erons erez eront erais erait erions eriez eraient "
    "ais ait ions iez aient ant a as ai erent"
)
_FR_IR = (
    "i is it ie ies issons issez issent ir irai iras ira irons irez iront irais irait irions iriez "
    "iraient isse isses issions issiez issant issais issait issaient"
)
# no present participle: "pendant" is "during"
_FR_RE = (
    "s t ons ez ent re u ue us ues rai ras ra rons rez ront rais rait rions riez raient e es ais ait ions iez aient"
)
_EN = "s es ed d ing er ers"
_EN_IRREGULAR = {
    "shoot": ("shot",),
    "hang": ("hung",),
    "beat": ("beaten", "beat"),
    "burn": ("burnt",),
    "run": ("ran",),
    "cut": ("cut",),
    "bite": ("bit", "bitten"),
    "strike": ("struck",),
    "slit": ("slit",),
    "break": ("broke", "broken"),
    "bury": ("buried", "buries"),
    "hit": ("hit",),
}
_VOWELS = frozenset("aeiou")


def _trie(words: list[str]) -> str:
    """A regex matching exactly ``words``, as a trie: far smaller to compile than a flat alternation."""
    if words == [""]:
        return ""
    branches: dict[str, list[str]] = {}
    for word in words:
        branches.setdefault(word[:1], []).append(word[1:])
    parts = []
    optional = "" in branches
    for head, tails in sorted(branches.items()):
        if head:
            parts.append(head + _trie(sorted(set(tails))))
    body = parts[0] if len(parts) == 1 and len(parts[0]) == 1 else "(?:" + "|".join(parts) + ")"
    return body + "?" if optional else body


@lru_cache(maxsize=64)
def _endings(spec: str) -> str:
    return _trie(sorted(set(spec.split())))


def _french(word: str, body: Callable[[str], str]) -> list[str]:
    if len(word) < 4 or word[-2:] not in ("er", "ir", "re"):
        raise ValueError(f"{word!r} is not a French infinitive in -er, -ir or -re")
    stem, group = word[:-2], word[-2:]
    if group == "ir":
        return [body(stem) + _endings(_FR_IR)]
    if group == "re":
        return [body(stem) + _endings(_FR_RE)]
    forms = [body(stem) + _endings(_FR_ER)]
    if stem[-1] in "gc":
        forms.append(body(stem) + "e(?:ons|ais|ait|aient|ant|a|as|ai)")
    if stem[-1] == "y":
        forms.append(body(stem[:-1]) + "i" + _endings("e es ent erai eras era erons erez eront erais erait eraient"))
    return forms


def _english(word: str, body: Callable[[str], str]) -> list[str]:
    forms = [body(word) + _endings(_EN) + "?"]
    if word.endswith("e"):
        forms.append(body(word[:-1]) + _endings("ing ed er ers"))
    elif len(word) >= 3 and word[-1] not in _VOWELS | set("wxy") and word[-2] in _VOWELS and word[-3] not in _VOWELS:
        forms.append(body(word + word[-1]) + _endings("ed ing er ers"))
    forms += [body(irregular) for irregular in _EN_IRREGULAR.get(word, ())]
    return forms


def verb_forms(word: str, lang: str, body: Callable[[str], str]) -> str:
    """Regex for the forms of the verb ``word`` (infinitive or base form) in ``lang``.

    ``body`` turns a literal stem into its regex (the lexicon's letter rules).
    Raises ``ValueError`` for another language or a French word that is not
    an infinitive.
    """
    if lang == "fr":
        forms = _french(word, body)
    elif lang == "en":
        forms = _english(word, body)
    else:
        raise ValueError(f"no verb forms for language {lang!r}")
    return "(?:" + "|".join(forms) + ")"
