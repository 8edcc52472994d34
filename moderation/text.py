"""Cleaning citizen text before it is stored. Pure.

Citizen text is kept as typed (moderators must see what was written), except
for characters no one can type on purpose and that break storage or display:
NUL and other C0/C1 control characters (PostgreSQL refuses NUL in text)
and lone UTF-16 surrogates (valid in JSON, not encodable in UTF-8).
Newlines and tabs stay.
"""

from __future__ import annotations

import re

# C0/C1 controls (not \t \n \r) and lone surrogates, which no database can store.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Strip control characters, normalise newlines, trim surrounding space."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def clean_line(value: str) -> str:
    """Like :func:`clean_text`, on one line: newlines and tabs become spaces."""
    return " ".join(clean_text(value).split())
