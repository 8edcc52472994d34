"""What looks like personal data in what a citizen typed. Pure: no ORM, no I/O.

Name and place are projected and sent to every phone, like the text, so all
three are checked: phone numbers, e-mail addresses (also lightly disguised:
``marie [at] exemple.fr``, ``marie at exemple dot fr``) and street addresses
(a number and a street type, or a building/flat marker), in French and
English formats. The patterns are narrow on purpose: a flag stops batch
approval, so years, sums, percentages, times, a postal code with its commune
("69003 Lyon"), a tram line or a street named without a number are not flagged.
"""

from __future__ import annotations

import re
from typing import Final

PHONE: Final = "phone"
EMAIL: Final = "email"
ADDRESS: Final = "address"
KINDS: Final = (PHONE, EMAIL, ADDRESS)
FIELDS: Final = ("text", "author", "place")

# A separator inside a phone number: space (also no-break ones), dot or dash.
_SEP = r"[ \u00a0\u202f.\-]?"
_BEFORE = r"(?<![\w+.,/])"  # not in the middle of a number, a word or a decimal
_AFTER = r"(?![\w,/]|\.\d)"

_PHONES: Final = tuple(
    re.compile(_BEFORE + pattern + _AFTER)
    for pattern in (
        # French: 06 98 76 54 32, 06.98.76.54.32, 0698765432
        rf"0[1-9](?:{_SEP}\d{{2}}){{4}}",
        # French from abroad: +33 6 98 76 54 32, +33 (0)6 ..., 0033 6 ...
        rf"(?:\+|00)[ \u00a0]?33{_SEP}(?:\(0\){_SEP})?[1-9](?:{_SEP}\d{{2}}){{4}}",
        # Any international number: +44 20 7946 0958, +1 555 123 4567
        r"\+[ \u00a0]?[1-9]\d{0,2}(?:[ \u00a0.\-]?\(?\d{1,4}\)?){2,5}",
        # British national: 020 7946 0958, 07700 900123
        r"0\d{2,4}[ \u00a0\-]\d{3,4}[ \u00a0\-]?\d{3,4}",
        # North American: (555) 123-4567, 555-123-4567, 555.123.4567
        r"\(\d{3}\)[ \u00a0]?\d{3}[ \u00a0.\-]\d{4}",
        r"\d{3}[.\-]\d{3}[.\-]\d{4}",
    )
)
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 9, 15

_TLD = r"(?:fr|com|org|net|eu|be|ch|ca|uk|co\.uk|de|es|it|io|info|gouv\.fr|lu|mc)"
_EMAILS: Final = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+",
        # marie [at] exemple.fr, marie (at) exemple (dot) fr, marie [arobase] exemple.fr
        r"[\w.+\-]+\s*[\[(]\s*(?:at|arobase|@)\s*[\])]\s*[\w\-]+"
        r"(?:\s*(?:\.|[\[(]\s*(?:dot|point)\s*[\])])\s*[\w\-]+)+",
        # marie at exemple dot fr, marie arobase exemple point fr
        rf"\b[\w.+\-]+\s+(?:at|arobase)\s+[\w\-]+(?:\s+(?:dot|point)\s+[\w\-]+)*\s+(?:dot|point)\s+{_TLD}\b",
    )
)

# A house number: 12, 3 bis, 12ter, 221B (not a year: see _is_year).
_NUMBER = r"(?P<number>\d{1,4})(?:\s?(?:bis|ter|quater)\b|[A-Za-z]\b)?,?"
# Street types that are hardly anything else after a number.
_FR_STREET = r"(?:rue|avenue|av\.|bd|boulevard|all[ée]e|impasse|quai|rte|faubourg|fbg)"
# Street types that are also common words ("12 cours de yoga"): a capitalised name must follow.
_FR_STREET_NAMED = r"(?:place|pl\.|chemin|route|cours|square|passage|voie|sentier|mont[ée]e|r[ée]sidence|lotissement)"
_PARTICLES = r"(?:(?:de\s+la|de\s+l'|de|du|des|d'|l'|la|le|les)\s*)?"
_EN_STREET = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Close|Way|Court|Ct\.?|Boulevard|Blvd\.?"
    r"|Terrace|Crescent|Gardens|Square|Place|Mews|Row|Hill)"
)
_CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w'\-]*"

_ADDRESSES: Final = (
    re.compile(rf"(?<![\w,.]){_NUMBER}\s*{_FR_STREET}(?!\w)", re.IGNORECASE),
    re.compile(
        rf"(?<![\w,.]){_NUMBER}\s*(?i:{_FR_STREET_NAMED})\s+(?i:{_PARTICLES}){_CAPITALISED}",
    ),
    re.compile(rf"(?<![\w,.]){_NUMBER}\s+(?:{_CAPITALISED}\s+){{1,3}}{_EN_STREET}(?!\w)"),
    # Building, staircase and flat markers: bât. B, bâtiment 3, appartement 12, appt 4, Apt 4B, Flat 3
    re.compile(
        r"\b(?:b[âa]t(?:\.|iment)?|escalier|esc\.)\s*(?-i:[A-Z0-9]{1,2})\b"
        r"|\b(?:appartement|appart\.?|app?t\.?|apartment|flat)\s*(?:n[°o]\s*)?\d{1,4}[A-Za-z]?\b(?!\s*%)",
        re.IGNORECASE,
    ),
)


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    return _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS


def _is_year(match: re.Match[str]) -> bool:
    number = match.groupdict().get("number")
    if number is None or len(number) != 4:
        return False
    suffix = match.group(0)[len(number) :].lstrip()
    return 1900 <= int(number) <= 2099 and not suffix[:1].isalpha()


def kinds_in(value: str) -> list[str]:
    """The kinds of personal data ``value`` seems to contain, in ``KINDS`` order."""
    found: list[str] = []
    if any(_is_phone(m.group(0)) for pattern in _PHONES for m in pattern.finditer(value)):
        found.append(PHONE)
    if any(pattern.search(value) for pattern in _EMAILS):
        found.append(EMAIL)
    if any(not _is_year(m) for pattern in _ADDRESSES for m in pattern.finditer(value)):
        found.append(ADDRESS)
    return found


def detect(*, text: str = "", author: str = "", place: str = "") -> list[dict[str, str]]:
    """What looks like personal data in each field that can be shown:
    ``[{"field": "place", "kind": "phone"}, ...]``, fields in ``FIELDS`` order."""
    values = {"text": text, "author": author, "place": place}
    return [{"field": name, "kind": kind} for name in FIELDS for kind in kinds_in(values[name])]


def matches_in(value: str) -> list[str]:
    """The pieces of ``value`` that look like personal data (phone numbers,
    e-mail addresses, street addresses), as they are written in it. A
    redaction removes these wherever they are stored (moderation/redaction.py)."""
    found = [m.group(0) for pattern in _PHONES for m in pattern.finditer(value) if _is_phone(m.group(0))]
    found += [m.group(0) for pattern in _EMAILS for m in pattern.finditer(value)]
    found += [m.group(0) for pattern in _ADDRESSES for m in pattern.finditer(value) if not _is_year(m)]
    return found
