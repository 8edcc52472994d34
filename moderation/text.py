"""Cleaning citizen text before it is stored. Pure.

Citizen text is kept as typed (moderators must see what was written), except
for characters no one can type on purpose and that break storage or display:

- NUL and other C0/C1 control characters (PostgreSQL refuses NUL in text)
  and lone UTF-16 surrogates (valid in JSON, not encodable in UTF-8);
- bidirectional override, embedding and isolate controls (U+202A–U+202E,
  U+2066–U+2069): they make a page show other text than the one stored,
  scored and matched against held terms (``\\u202etoidi\\u202c`` shows
  "idiot"). Before they go, the letters inside a right-to-left override are
  put in the order they were displayed in, so the stored text is what the
  author saw and meant every reader to see ("idiot"), and that is what is
  scored, matched and shown. Scripts written right to left need none of
  these controls: their direction comes from the letters themselves.

Newlines and tabs stay. Text made only of spaces and invisible characters
(zero-width spaces, joiners, BOM, Hangul fillers...) is empty: nothing a
moderator or the screen could read.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (not \t \n \r), lone surrogates, which no database can store,
# and the bidi embedding, override and isolate controls.
_REMOVED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")

# A right-to-left override and what it reverses on screen: up to the pop
# (U+202C), the end of an isolate (U+2069), or the end of the line.
_RTL_OVERRIDE = re.compile("\u202e([^\u202c\u2069\n]*)")

# Not in the categories below, yet drawn as nothing (or as a blank).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Format (Cf: zero-width space, joiners, BOM, marks), controls (Cc) and every
# kind of space or separator (Zs, Zl, Zp).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def is_invisible(value: str) -> bool:
    """Whether ``value`` shows nothing: only spaces and invisible characters (or nothing)."""
    return all(ch in _BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def clean_text(value: str) -> str:
    """Put right-to-left override segments in display order, strip control
    and bidi characters, normalise newlines, trim surrounding space; ``""``
    when nothing visible is left."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _RTL_OVERRIDE.sub(lambda m: m.group(1)[::-1], value)
    value = _REMOVED.sub("", value).strip()
    return "" if is_invisible(value) else value


def clean_line(value: str) -> str:
    """Like :func:`clean_text`, on one line: newlines and tabs become spaces."""
    return " ".join(clean_text(value).split())
