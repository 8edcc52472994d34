"""Likely duplicates of a new question among a town hall's open ones. Pure: no ORM.

Character n-grams, not words, so that a question asked again with its words
in another order, a typo, missing accents or SMS spelling still shares most
of its features with the first one ("swiming pool" and "swimming pool",
"fermée" and "fermee"). The features are those of scikit-learn's
``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)``
(scikit-learn is already installed for alt-profanity-check), over a normal
form: the scoring normaliser's form (look-alikes, invisibles, case), accents
stripped, punctuation dropped and the most common French and English
function words removed (they are shared by every question and only add
noise: measured on the development pairs, see ``bench/duplicates.py``).

Cosine similarity against every candidate; the best ``limit`` at or above
``THRESHOLD`` are suggested, best first.

**Cost.** Analysing 2,000 texts on every arrival would be the expensive part,
so each text's raw n-gram counts are computed once and kept (keyed by the
normal form, bounded LRU) in a ``HashingVectorizer`` space (2**20 columns,
the same n-grams as ``TfidfVectorizer`` up to rare hash collisions); an
arrival only stacks the cached rows, computes the IDF of this pool and one
sparse product. ``bench/duplicates.py`` reports the latency.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from moderation.scoring.normalize import normalize_for_model

# Chosen on the development pairs (bench/duplicates.py --split dev).
THRESHOLD = 0.6
LIMIT = 3
NGRAM_RANGE = (2, 4)
# Texts whose counts are kept: a town hall's open questions and more (about 2 kB each).
CACHE_SIZE = 5_000

# Words that nearly every question has, in either language (accents stripped).
STOP_WORDS = frozenset(
    """
    a an and are be by can could did do does for from has have how i in is it its
    of on or our please the their there this to was we what when where which who
    why will with would you your
    au aux avec ce ces c ca d de des du elle est et il ils j l la le les leur
    leurs m ma mais me mes n ne nos notre on ou par pas pour qu que qui s sa se
    ses son sur t ta te tes un une vos votre y
    """.split()
)

_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Suggestion:
    id: int
    similarity: float


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe").replace("æ", "ae")


def normal_form(text: str, *, stop_words: frozenset[str] = STOP_WORDS) -> str:
    """The form compared: scoring's model form, accents stripped, words only,
    common function words removed (all kept if nothing else is left). Pure."""
    words = _NON_WORD.sub(" ", strip_accents(normalize_for_model(text))).replace("_", " ").split()
    kept = [word for word in words if word not in stop_words]
    return " ".join(kept or words)


class _CountCache:
    """Raw n-gram counts of each text's normal form, computed once (thread-safe, bounded).

    A row is kept as its (column indices, counts) arrays: stacking 2,000 of
    them is then two concatenations, not 2,000 sparse matrices."""

    def __init__(self, vectorizer: HashingVectorizer, stop_words: frozenset[str], size: int) -> None:
        self._vectorizer = vectorizer
        self._stop_words = stop_words
        self._rows: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def rows(self, forms: Sequence[str]) -> sp.csr_matrix:
        """The count rows of ``forms`` (texts as stored), in order."""
        with self._lock:
            found = {form: self._rows.get(form) for form in forms}
            missing = sorted({form for form, row in found.items() if row is None})
            if missing:
                normal = [normal_form(form, stop_words=self._stop_words) for form in missing]
                computed = self._vectorizer.transform(normal).tocsr()
                for i, form in enumerate(missing):
                    span = slice(computed.indptr[i], computed.indptr[i + 1])
                    found[form] = self._rows[form] = (computed.indices[span], computed.data[span])
            for form in forms:
                self._rows.move_to_end(form)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
        rows = [found[form] for form in forms]
        indptr = np.concatenate(([0], np.cumsum([len(indices) for indices, _ in rows])))
        indices = np.concatenate([indices for indices, _ in rows])
        data = np.concatenate([data for _, data in rows])
        return sp.csr_matrix((data, indices, indptr), shape=(len(rows), self._vectorizer.n_features))


def _tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """``TfidfVectorizer(sublinear_tf=True)``'s weighting over this pool: 1 + log(tf),
    smooth IDF, rows L2-normalised."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n) / (1.0 + df[counts.indices])) + 1.0
    data = (1.0 + np.log(counts.data.astype(np.float64))) * idf
    weights = sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(np.add.reduceat(data**2, counts.indptr[:-1])) if data.size else np.ones(n)
    norms[norms == 0] = 1.0
    weights.data /= np.repeat(norms, np.diff(counts.indptr))
    return weights


class Matcher:
    """One setting of the engine (the bench compares others on the dev pairs)."""

    def __init__(
        self,
        *,
        analyzer: str = "char_wb",
        ngram_range: tuple[int, int] = NGRAM_RANGE,
        stop_words: frozenset[str] = STOP_WORDS,
        threshold: float = THRESHOLD,
        limit: int = LIMIT,
    ) -> None:
        vectorizer = HashingVectorizer(
            analyzer=analyzer,
            ngram_range=ngram_range,
            n_features=2**20,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            dtype=np.float32,
        )
        self._counts = _CountCache(vectorizer, stop_words, CACHE_SIZE)
        self.stop_words = stop_words
        self.threshold = threshold
        self.limit = limit

    def similarities(self, text: str, candidates: Sequence[str]) -> np.ndarray:
        """Cosine similarity of ``text`` to each candidate text, in order."""
        weights = _tfidf(self._counts.rows([text, *candidates]))
        return (weights[1:] @ weights[0].T).toarray().ravel()

    def suggest(self, text: str, candidates: Sequence[tuple[int, str]]) -> list[Suggestion]:
        """The candidates (``(id, text)``: the open questions other than this
        one) most similar to ``text``: at most ``limit``, similarity at least
        ``threshold``, best first (ties: the smaller, older id first)."""
        if not candidates:
            return []
        similarity = self.similarities(text, [candidate for _, candidate in candidates])
        best = np.flatnonzero(similarity >= self.threshold)
        order = sorted(best, key=lambda i: (-similarity[i], candidates[i][0]))
        return [Suggestion(id=candidates[i][0], similarity=round(float(similarity[i]), 3)) for i in order[: self.limit]]


_default = Matcher()


def suggest(text: str, candidates: Sequence[tuple[int, str]]) -> list[Suggestion]:
    """:meth:`Matcher.suggest` with the measured default setting."""
    return _default.suggest(text, candidates)
