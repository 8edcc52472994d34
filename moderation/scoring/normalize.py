"""Normal forms of citizen text for scoring and term matching. Pure.

Normalisation never changes what is stored or shown: moderators always see
the text the citizen typed. It only decides what a model scores and what a
held-term list is matched against, so that "i d i o t" written with zero-width
joiners, Cyrillic look-alike letters or fullwidth letters counts as "idiot".

Two forms, the second built on the first:

``normalize(text)`` / ``normalize_for_model(text)``
    What a model sees. Text inside a right-to-left override (U+202E, up to
    U+202C or the end of the line) put in the order it is displayed in
    ("\u202etoidi\u202c" shows, and scores, as "idiot"), NFKC (fullwidth and
    styled letters become plain ones), emoji that stand for an insult or an
    obscenity read as the word (🖕 "fuck", 🐷 "pig", 🐀 "rat", 🤡 "clown",
    💩 "shit"), invisible characters removed (zero-width, soft hyphen, bidi controls),
    case folded, look-alike letters from other scripts folded to Latin,
    single letters spaced out with spaces, dots or dashes joined back
    ("i d i o t" -> "idiot"). Accents, digits and punctuation are kept, so the
    text stays readable and "the 2027 budget" is unchanged.

``normalize_for_matching(text)``
    What held terms are matched against. The model form, plus: leetspeak
    folded inside words that contain a letter ("1d10t" -> "idiot",
    "c0nnard" -> "connard"; "2027" stays "2027"), accents stripped
    ("enculé" -> "encule"), any letter repeated 3+ times cut to 2
    ("connnnard" -> "connard", "fuuuuck" -> "fuuck": the matcher lets each
    letter of a term repeat, so both still match), and punctuation turned
    into single spaces ("fils-de-pute" -> "fils de pute",
    "t'es" -> "t es"). A ``*`` between letters is kept ("f*ck"): the matcher
    may read it as any one letter.

``matching_variants(text)``
    The matching form, plus a second reading when spelled-out letters start
    with a one-letter word ("what a m o r o n": "what amoron" and
    "what a moron"), plus the text in stored order when a right-to-left
    override changed it. Held terms are matched against every variant.

Leet folding is only in the matching form: in the model form it would turn
"3rd", "co2" or "a4" into non-words for no gain, since the held-term
lexicons already catch leetspeak insults.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and formatting characters that render as nothing, and the bidi
# controls that reorder what is displayed: removed, never replaced by a space,
# because they are used to split a word without showing it.
_INVISIBLE = re.compile(
    "["
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark (bidi)
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers, rendered blank
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space / non-joiner / joiner, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\ufe00-\ufe0f"  # variation selectors
    "\ufeff"  # zero-width no-break space / BOM
    "]"
)

# Capitals that look like a different Latin letter than their lower case
# (Greek Eta "Η" looks like H but "η" like n), folded before case folding.
_UPPER_HOMOGLYPHS = {
    # Greek
    "Α": "a",
    "Β": "b",
    "Ε": "e",
    "Ζ": "z",
    "Η": "h",
    "Ι": "i",
    "Κ": "k",
    "Μ": "m",
    "Ν": "n",
    "Ο": "o",
    "Ρ": "p",
    "Τ": "t",
    "Υ": "y",
    "Χ": "x",
    # Cyrillic
    "А": "a",
    "В": "b",
    "Е": "e",
    "З": "3",
    "К": "k",
    "М": "m",
    "Н": "h",
    "О": "o",
    "Р": "p",
    "С": "c",
    "Т": "t",
    "У": "y",
    "Х": "x",
    "Ѕ": "s",
    "І": "i",
    "Ј": "j",
    "Ԁ": "d",
    "Ү": "y",
    "Ӏ": "i",
}

# Lower-case letters of other scripts (and a few Latin variants that NFKC
# keeps) that are drawn like a Latin letter.
_LOWER_HOMOGLYPHS = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "г": "r",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ь": "b",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "һ": "h",
    "ԛ": "q",
    "ԝ": "w",
    "ѵ": "v",
    "ӏ": "l",
    "ү": "y",
    "ԍ": "g",
    "ɡ": "g",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "σ": "o",
    "ς": "c",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
    # Armenian
    "օ": "o",
    "ս": "u",
    "ո": "n",
    "հ": "h",
    "ց": "g",
    "զ": "q",
    # Latin letters with no decomposition, and small capitals
    "ı": "i",
    "ȷ": "j",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ŧ": "t",
    "ƀ": "b",
    "ɑ": "a",
    "ɩ": "i",
    "ʀ": "r",
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ꜰ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ꞯ": "q",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
}
_UPPER_TABLE = str.maketrans(_UPPER_HOMOGLYPHS)
_LOWER_TABLE = str.maketrans(_LOWER_HOMOGLYPHS)
_CONFUSABLE = frozenset(_UPPER_HOMOGLYPHS) | frozenset(_LOWER_HOMOGLYPHS)

# Only in the matching form: digits and symbols used as letters.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e", "!": "i", "|": "i"}
)

# A right-to-left override displays what follows it reversed, up to a "pop
# directional formatting", a "pop directional isolate" or the end of the line.
_RTL_OVERRIDE = re.compile("\u202e([^\u202c\u2069\n]*)")

# Emoji that stand for a word of abuse, read as that word (in both forms).
# Neutral pictures (hearts, faces, thumbs) are left alone.
_EMOJI_WORDS = str.maketrans(
    {
        "🖕": " fuck ",
        "🐷": " pig ",
        "🐖": " pig ",
        "🐽": " pig ",
        "🐀": " rat ",
        "🐁": " rat ",
        "🤡": " clown ",
        "💩": " shit ",
        "💲": "s",
    }
)

_TOKEN = re.compile(r"\S+")
# A word as the matching form sees it: letters, digits, leet symbols, and the
# "*" that people use to half-censor a word.
_WORDISH = re.compile(r"[\w@$€!|*]+")
_REPEAT = re.compile(r"(\w)\1{2,}")
# 3+ single letters (or digits) in a row, each separated by the same run of
# spaces, dots, dashes, underscores or middle dots: "i d i o t",
# "c.o.n.n.a.r.d", "c - o - n". Mixed separators ("y a-t-il") are left alone.
_SPACED = re.compile(r"(?<![\w@$])([\w@$])((?:[ .\-_·•/]{1,3}|\s{1,3}))(?:[\w@$]\2){1,}[\w@$](?![\w@$])")
_NOT_LETTER = re.compile(r"[^\w*]+|_+")
_LONE_STAR = re.compile(r"(?<![\w*])\*+|\*+(?![\w*])")
# Runs made only of these are ordinary words, not a spelled-out one
# ("il y a à Genève", "a I ...").
_SINGLE_LETTER_WORDS = frozenset("aàyi")


def _fold_token(token: str) -> str:
    """Fold look-alikes in a word that is Latin-based or made only of look-alikes.

    A real Russian or Greek word keeps its letters: only a word that mixes in
    Latin letters, or could be read entirely as Latin, is folded.
    """
    if not any(ch in _CONFUSABLE for ch in token):
        return token
    letters = [ch for ch in token if ch.isalpha()]
    has_latin = any("a" <= ch <= "z" or "A" <= ch <= "Z" for ch in letters)
    if has_latin or all(ch in _CONFUSABLE for ch in letters):
        return token.translate(_UPPER_TABLE).casefold().translate(_LOWER_TABLE)
    return token


def _join_spaced(text: str, *, detach_article: bool = False) -> str:
    """Join spelled-out words. With ``detach_article``, a leading "a", "i", "y"
    or "à" stays a word of its own ("what a m o r o n" -> "what a moron"
    rather than "what amoron"), provided three letters or more remain.
    """

    def _join(match: re.Match[str]) -> str:
        chars = match.group(0).replace(match.group(2), "")
        # Digits alone ("1 2 3") are a list; "il y a à" is French.
        if not any(ch.isalpha() for ch in chars) or set(chars.casefold()) <= _SINGLE_LETTER_WORDS:
            return match.group(0)
        if detach_article and chars[0].casefold() in _SINGLE_LETTER_WORDS and len(chars) >= 4:
            return chars[0] + " " + chars[1:]
        return chars

    return _SPACED.sub(_join, text)


def remove_invisible(text: str) -> str:
    """Remove zero-width, soft hyphen and bidi control characters."""
    return _INVISIBLE.sub("", text)


def display_order(text: str) -> str:
    """``text`` with each right-to-left override segment reversed, as a reader sees it. Pure.

    "You are an \u202etoidi\u202c" is displayed, and so read, as "You are an idiot".
    The controls themselves stay (``remove_invisible`` removes them).
    """
    return _RTL_OVERRIDE.sub(lambda m: "\u202e" + m.group(1)[::-1], text)


def _clean(text: str, *, displayed: bool = True) -> str:
    if displayed:
        text = display_order(text)
    text = unicodedata.normalize("NFKC", text).translate(_EMOJI_WORDS)
    text = remove_invisible(text)
    text = _TOKEN.sub(lambda m: _fold_token(m.group(0)), text)
    text = text.casefold()
    # Casefolding can produce new compatibility forms (e.g. "ſ"): NFKC again.
    return unicodedata.normalize("NFKC", text)


def normalize_for_model(text: str) -> str:
    """The text a model scores: NFKC, invisibles removed, case folded, look-alikes folded, spaced letters joined.

    Pure; accepts any string (empty gives empty).
    """
    return _join_spaced(_clean(text))


normalize = normalize_for_model


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.replace("œ", "oe").replace("æ", "ae"))


def _fold_leet_word(word: str) -> str:
    """Read digits and symbols as letters in a word that has at least one letter.

    A "!" or "|" at either end is punctuation ("idiot!"), not a hidden "i".
    """
    if not any(ch.isalpha() for ch in word):
        return word
    core = word.strip("!|")
    start = word.index(core)
    return word[:start] + core.translate(_LEET) + word[start + len(core) :]


def normalize_for_matching(text: str) -> str:
    """The text held terms are matched against: words separated by single spaces.

    The model form, plus leet folded inside words with a letter, accents
    stripped, letters repeated 3+ times cut to 2, punctuation turned into
    spaces. Pure; accepts any string.
    """
    return _matching_form(_join_spaced(_clean(text)))


def matching_variants(text: str) -> tuple[str, ...]:
    """Every reading of ``text`` that held terms are matched against.

    The first is ``normalize_for_matching(text)``. A second one is added when
    spelled-out letters start with a one-letter word: "what a m o r o n" is
    read both as "what amoron" and as "what a moron"; another, in stored
    order, when a right-to-left override reorders the display. Pure.
    """
    cleaned = _clean(text)
    variants = [_matching_form(_join_spaced(cleaned)), _matching_form(_join_spaced(cleaned, detach_article=True))]
    if "\u202e" in text:  # the stored order too: a filter must not be beaten either way
        variants.append(_matching_form(_join_spaced(_clean(text, displayed=False))))
    return tuple(dict.fromkeys(variants))


def _matching_form(text: str) -> str:
    text = _strip_accents(text)
    text = _WORDISH.sub(lambda m: _fold_leet_word(m.group(0)), text)
    text = _REPEAT.sub(r"\1\1", text)
    text = _NOT_LETTER.sub(" ", text)
    # A "*" is kept only between letters ("f*ck"), never alone or at an edge.
    text = _LONE_STAR.sub(" ", text)
    return " ".join(text.split())
