"""Held terms: word lists matched after normalisation. Pure, no Django.

Two uses:

- moderators' per-town-hall lists, in any language, matched literally:
  ``matches_held_terms(text, terms)`` (the domain holds a question when it
  returns anything);
- the curated default lexicons ``lexicons/en.txt`` and ``lexicons/fr.txt``
  that the offline scorer combines with its model: ``default_lexicon(lang)``.

Both the text and every term go through ``normalize_for_matching`` (case,
accents, look-alike letters, zero-width characters, leetspeak, spaced letters,
repeats), then a term matches on word boundaries: "con" never matches
"contrat", "conseil" or "constitution", and "cunt" never matches "Scunthorpe".
Beyond that, each letter of a term may be repeated ("connnnard") or replaced
by a ``*`` ("f*ck", at most half of a word), and the words of a plain
multi-word term of eight letters or more may be run together ("filsdepute";
but "le con" never matches "leçon"). Letters spelled out one by one
("i d i o t", "c.o.n.n.a.r.d") are joined by the normalisation. A word split
anywhere else ("conn ard") is not matched: checked against English and French
word lists, such splits mostly produced ordinary phrases ("mer des" for
"merdes", "en foire" for "enfoiré"). The default lexicons also use a small pattern syntax, described
in ``lexicons/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from moderation.scoring.morphology import verb_forms
from moderation.scoring.normalize import matching_variants, normalize_for_matching

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
LEXICON_VERSION = "v7"
DEFAULT_LANGUAGES = ("en", "fr")
MODERATOR_CATEGORY = "held_term"

_BEFORE = r"(?<![\w*])"
_AFTER = r"(?![\w*])"
_GAP = re.compile(r"~(\d+)")
_MACRO = re.compile(r"\$(\w+)")
_MIN_RUN_TOGETHER = 8
# ``word+``: the word with an inflection ending, so one entry covers French
# feminine and plural forms ("abruti+": abrutie, abrutis, abruties; accents are
# stripped, so "tarée" is "taree") and English plurals and verb forms
# ("moron+": morons; "stab+": stabs, stabbed is not covered, write it).
_INFLECTION = r"(?:e(?:[sd]|rs?)?|s(?:ses?)?|x|ing)?"  # e es ed er ers s sse sses x ing


class LexiconError(ValueError):
    """A lexicon line cannot be parsed (bad weight, bad pattern)."""


@dataclass(frozen=True)
class Entry:
    """One held term: a pattern, the weight it gives a question, a category."""

    pattern: str
    weight: float = 1.0
    category: str = MODERATOR_CATEGORY


@dataclass(frozen=True)
class Match:
    """A term found in a text: the entry as written and the normalised text it matched."""

    term: str
    weight: float
    category: str
    matched: str


def _word_body(word: str) -> str:
    """Regex for one normalised word: each letter may repeat or be hidden by a '*'.

    The text has runs of 3+ letters cut to 2, so a letter that is single in
    the term matches one or two in the text ("fuuuuck" -> "fuuck" matches
    "fuck"), and a double one matches two ("connnnard" -> "connard").
    """
    runs: list[tuple[str, int]] = []
    for ch in word:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    parts: list[str] = []
    for ch, n in runs:
        if ch.isalpha() and n == 1:
            # one character class, not a group: the text has runs cut to two letters,
            # and the lexicons compile thousands of these (``_plausible`` still bounds the stars)
            parts.append(f"[{re.escape(ch)}*]{{1,2}}")
        elif ch.isalpha():
            parts.append(f"(?:{re.escape(ch)}{{{n},}}|\\*{{1,{n}}})")
        else:
            parts.append(re.escape(ch) * n)
    return "".join(parts)


def _runnable(pattern: str) -> bool:
    """Whether a multi-word term may also match with its spaces removed.

    Only long ones: "fils de pute" -> "filsdepute", but never "le con" ->
    "lecon" (the French "leçon").
    """
    return len(normalize_for_matching(pattern).replace(" ", "")) >= _MIN_RUN_TOGETHER


@lru_cache(maxsize=8192)
def _alternative(alt: str, lang: str | None) -> str | None:
    """Regex for one alternative of a pattern word.

    ``word*`` is a prefix, ``word+`` inflected, ``verb@`` the verb's forms in ``lang``.
    """
    if alt.endswith("@"):
        normalized = normalize_for_matching(alt[:-1])
        if lang is None or " " in normalized:
            raise LexiconError(f"{alt!r}: verb forms need one word and a lexicon language")
        try:
            return verb_forms(normalized, lang, _word_body)
        except ValueError as exc:
            raise LexiconError(str(exc)) from exc
    suffix = {"*": r"[\w*]*", "+": _INFLECTION}.get(alt[-1:], "")
    normalized = normalize_for_matching(alt[:-1] if suffix else alt)
    if not normalized:
        return None
    # An alternative that normalises to several words ("d'abord") stays a sequence.
    body = " ".join(_word_body(w) for w in normalized.split())
    return body + suffix


def _compile(pattern: str, *, syntax: bool, lang: str | None = None) -> re.Pattern[str] | None:
    """Compile one term; None if it normalises to nothing."""
    if not syntax:
        words = normalize_for_matching(pattern).split()
        if not words:
            return None
        joiner = " ?" if _runnable(pattern) else " "
        return re.compile(_BEFORE + joiner.join(_word_body(w) for w in words) + _AFTER)
    tokens = pattern.split()
    plain = (
        not any(c in t for t in tokens for c in "|*+@")
        and not any(_GAP.fullmatch(t) for t in tokens)
        and _runnable(pattern)
    )
    pieces: list[str] = []
    pending_gap = ""
    for token in tokens:
        gap = _GAP.fullmatch(token)
        if gap:
            pending_gap = f"(?: [\\w*]+){{0,{int(gap.group(1))}}}"
            continue
        alternatives = [a for a in (_alternative(alt, lang) for alt in token.split("|") if alt) if a]
        if not alternatives:
            raise LexiconError(f"pattern {pattern!r}: {token!r} normalises to nothing")
        word = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        if pieces:
            pieces.append(pending_gap + (" ?" if plain else " "))
        pieces.append(word)
        pending_gap = ""
    if not pieces:
        return None
    return re.compile(_BEFORE + "".join(pieces) + _AFTER)


def _plausible(matched: str) -> bool:
    """A '*' may hide letters, but at most half of any word, never a whole one."""
    for word in matched.split():
        stars = word.count("*")
        if stars and (stars * 2 > len(word) or word.startswith("*")):
            return False
    return True


class HeldTerms:
    """A compiled list of held terms. Immutable and thread-safe once built.

    ``syntax=False`` (moderators' lists): every term is literal text.
    ``syntax=True`` (default lexicons): ``|``, ``word*``, ``word+``, ``verb@`` and ``~N`` are patterns;
    ``lang`` says how ``verb@`` conjugates.
    ``exceptions`` are phrases blanked before matching ("pros and cons").
    Raises ``LexiconError`` for a pattern that cannot be compiled.
    """

    def __init__(
        self,
        entries: Iterable[Entry | str],
        *,
        syntax: bool = False,
        exceptions: Iterable[str] = (),
        lang: str | None = None,
    ) -> None:
        self.entries: tuple[Entry, ...] = tuple(e if isinstance(e, Entry) else Entry(e) for e in entries)
        self._compiled: list[tuple[Entry, re.Pattern[str]]] = []
        for entry in self.entries:
            try:
                regex = _compile(entry.pattern, syntax=syntax, lang=lang)
            except re.error as exc:
                raise LexiconError(f"pattern {entry.pattern!r}: {exc}") from exc
            if regex is not None:
                self._compiled.append((entry, regex))
        self._exceptions = [r for r in (_compile(p, syntax=syntax, lang=lang) for p in exceptions) if r is not None]

    @classmethod
    def from_lines(cls, lines: Iterable[str], *, source: str = "<lines>", lang: str | None = None) -> HeldTerms:
        """Parse a lexicon file's lines: ``pattern[TAB weight[TAB category]]``, ``#`` comments, ``!exception``.

        ``$name = a|b|c`` defines a word class that later lines use as ``$name``.
        """
        entries: list[Entry] = []
        exceptions: list[str] = []
        classes: dict[str, str] = {}
        for number, raw in enumerate(lines, 1):
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            definition = re.fullmatch(r"\$(\w+)\s*=\s*(\S+)", line.strip())
            try:
                line = _MACRO.sub(lambda m: classes[m.group(1)], definition.group(2) if definition else line)
            except KeyError as exc:
                raise LexiconError(f"{source}:{number}: undefined word class ${exc.args[0]}") from exc
            if definition:
                classes[definition.group(1)] = line
                continue
            if line.startswith("!"):
                exceptions.append(line[1:].strip())
                continue
            fields = line.split("\t")
            try:
                weight = float(fields[1]) if len(fields) > 1 and fields[1].strip() else 1.0
            except ValueError as exc:
                raise LexiconError(f"{source}:{number}: bad weight {fields[1]!r}") from exc
            if not 0.0 <= weight <= 1.0:
                raise LexiconError(f"{source}:{number}: weight {weight} is not in [0, 1]")
            category = fields[2].strip() if len(fields) > 2 and fields[2].strip() else "held"
            entries.append(Entry(fields[0].strip(), weight, category))
        return cls(entries, syntax=True, exceptions=exceptions, lang=lang)

    def __len__(self) -> int:
        return len(self._compiled)

    def find_normalized(self, normalized: str) -> list[Match]:
        """Matches in text already in ``normalize_for_matching`` form, in entry order."""
        for exception in self._exceptions:
            normalized = exception.sub(" # ", normalized)
        found: list[Match] = []
        for entry, regex in self._compiled:
            for hit in regex.finditer(normalized):
                if _plausible(hit.group(0)):
                    found.append(Match(entry.pattern, entry.weight, entry.category, hit.group(0)))
                    break
        return found

    def find(self, text: str) -> list[Match]:
        """Every entry found in ``text`` (as typed), with its weight and category."""
        variants = matching_variants(text)
        found = self.find_normalized(variants[0])
        for variant in variants[1:]:
            seen = {m.term for m in found}
            found += [m for m in self.find_normalized(variant) if m.term not in seen]
        return found

    def match(self, text: str) -> list[str]:
        """The terms (as written in the list) found in ``text``; empty if none."""
        return [m.term for m in self.find(text)]

    def strongest(self, text: str) -> Match | None:
        """The match with the highest weight, or None."""
        return max(self.find(text), key=lambda m: m.weight, default=None)

    @classmethod
    def combine(cls, *lists: HeldTerms) -> HeldTerms:
        """One matcher for several compiled lists (each keeps its own exceptions)."""
        combined = cls(())
        for held_terms in lists:
            combined.entries += held_terms.entries
            combined._compiled += held_terms._compiled
            combined._exceptions += held_terms._exceptions
        return combined


@lru_cache(maxsize=8)
def default_lexicon(lang: str) -> HeldTerms:
    """The curated default lexicon for ``lang`` ("en" or "fr"), loaded once.

    Raises ``ValueError`` for another language and ``LexiconError`` for a bad file.
    """
    if lang not in DEFAULT_LANGUAGES:
        raise ValueError(f"no default lexicon for {lang!r} (have: {', '.join(DEFAULT_LANGUAGES)})")
    path = LEXICON_DIR / f"{lang}.txt"
    return HeldTerms.from_lines(path.read_text(encoding="utf-8").splitlines(), source=str(path), lang=lang)


def default_lexicons(langs: Sequence[str] = DEFAULT_LANGUAGES) -> HeldTerms:
    """Several default lexicons as one (the offline scorer applies EN and FR to every text)."""
    return HeldTerms.combine(*(default_lexicon(lang) for lang in langs))


@lru_cache(maxsize=256)
def _moderator_terms(terms: tuple[str, ...]) -> HeldTerms:
    return HeldTerms(terms, syntax=False)


def matches_held_terms(text: str, terms: Sequence[str]) -> list[str]:
    """The moderators' held terms found in ``text``, as they wrote them; empty if none.

    Terms are literal text in any language (no pattern syntax), matched on word
    boundaries after normalisation. Blank terms are ignored.
    """
    cleaned = tuple(t for t in terms if t and t.strip())
    if not cleaned:
        return []
    return _moderator_terms(cleaned).match(text)
