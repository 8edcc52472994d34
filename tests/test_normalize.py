"""Normal forms for scoring and matching: pure functions, no database."""

from __future__ import annotations

import pytest

from moderation.scoring.normalize import (
    display_order,
    matching_variants,
    normalize,
    normalize_for_matching,
    normalize_for_model,
    remove_invisible,
)

ZWJ = "\u200d"

INVISIBLES = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space
    "\u00ad",  # soft hyphen
]
BIDI_CONTROLS = [
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u061c",
]


# --- invisible characters -------------------------------------------------------------


@pytest.mark.parametrize("char", INVISIBLES + [c for c in BIDI_CONTROLS if c != "\u202e"])
def test_invisible_and_bidi_characters_are_removed_inside_a_word(char: str):
    # given
    text = f"id{char}iot"

    # when / then
    assert normalize_for_model(text) == "idiot"
    assert normalize_for_matching(text) == "idiot"


def test_zero_width_joiners_between_every_letter_are_removed():
    # given / when / then
    assert normalize_for_model(ZWJ.join("idiot")) == "idiot"


def test_remove_invisible_keeps_visible_text():
    # given / when / then
    assert remove_invisible("Budget 2027 : où en est-on ?") == "Budget 2027 : où en est-on ?"


def test_a_right_to_left_override_is_read_in_display_order():
    # given: "toidi" after a right-to-left override, which a reader sees as "idiot"
    text = "You are an \u202etoidi\u202c, councillor."

    # when / then: the model scores what is displayed, and the held terms see both orders
    assert display_order("ab\u202ecd\u202cef") == "ab\u202edc\u202cef"
    assert normalize_for_model(text) == "you are an idiot, councillor."
    assert matching_variants(text)[0] == "you are an idiot councillor"
    assert "you are an toidi councillor" in matching_variants(text)


def test_a_right_to_left_override_runs_to_the_end_of_the_line_when_not_closed():
    # given / when / then
    assert normalize_for_model("va te faire \u202eertuof") == "va te faire foutre"
    assert normalize_for_model("id\u202eiot") == "idtoi"  # displayed so
    assert "idiot" in matching_variants("id\u202eiot")  # and still matched as typed


@pytest.mark.parametrize(
    ("emoji", "word"), [("🖕", "fuck"), ("🐷", "pig"), ("🐖", "pig"), ("🐀", "rat"), ("🤡", "clown"), ("💩", "shit")]
)
def test_an_emoji_that_stands_for_a_word_of_abuse_reads_as_the_word(emoji: str, word: str):
    # given / when / then
    assert normalize_for_matching(f"vous êtes des {emoji} !") == f"vous etes des {word}"


def test_a_dollar_emoji_inside_a_word_reads_as_an_s():
    # given / when / then
    assert normalize_for_matching("Which a💲💲hole cut the night bus?") == "which asshole cut the night bus"


def test_neutral_emoji_are_left_alone():
    # given / when / then
    assert normalize_for_matching("Merci pour le parc 👍❤️🙂") == "merci pour le parc"
    assert normalize_for_model("Merci pour le parc 👍🙂") == "merci pour le parc 👍🙂"


def test_a_bidi_override_does_not_survive():
    # given: a right-to-left override that would display the word reversed
    text = "\u202etoidi\u202c"

    # when
    result = normalize_for_model(text)

    # then
    assert "\u202e" not in result and "\u202c" not in result


# --- NFKC, case, look-alikes -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ＩＤＩＯＴ",  # fullwidth
        "𝐢𝐝𝐢𝐨𝐭",  # mathematical bold
        "ɪᴅɪᴏᴛ",  # small capitals
        "ıdıot",  # dotless i
        "IDIOT",
    ],
)
def test_styled_letters_become_plain_lower_case(text: str):
    # given / when / then
    assert normalize_for_model(text) == "idiot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("idi\u043et", "idiot"),  # Cyrillic о
        ("\u0441onnard", "connard"),  # Cyrillic с
        ("\u0430sshole", "asshole"),  # Cyrillic а
        ("id\u03b9ot", "idiot"),  # Greek ι
        ("m\u03bfron", "moron"),  # Greek ο
        ("\u0420\u0423TE", "pyte"),  # Cyrillic capitals Р and У read as Latin P and Y
        ("\u0455\u0440ic", "spic"),  # Cyrillic ѕ and р
        ("\u0501ick", "dick"),  # Cyrillic ԁ
    ],
)
def test_look_alike_letters_from_other_scripts_are_folded_to_latin(text: str, expected: str):
    # given / when / then
    assert normalize_for_model(text) == expected


def test_a_real_cyrillic_word_is_left_alone():
    # given: Russian, with letters that have no Latin look-alike
    text = "Путин идиот"

    # when / then
    assert normalize_for_model(text) == "путин идиот"


def test_case_folding_is_full():
    # given / when / then
    assert normalize_for_model("STRAßE") == "strasse"


# --- spaced-out letters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i d i o t", "idiot"),
        ("c.o.n.n.a.r.d", "connard"),
        ("c-o-n-n-a-r-d", "connard"),
        ("c - o - n", "con"),
        ("f_u_c_k", "fuck"),
        ("you are an i d i o t", "you are an idiot"),
    ],
)
def test_three_or_more_single_letters_in_a_row_are_joined(text: str, expected: str):
    # given / when / then
    assert normalize_for_model(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "il y a à genève des bus",
        "y a-t-il un plan ?",
        "lignes 1 2 3 du tram",
        "plan b",
        "the a1 road",
    ],
)
def test_ordinary_single_letter_words_are_not_joined(text: str):
    # given / when / then
    assert normalize_for_model(text) == text


def test_spelled_words_after_a_one_letter_word_are_read_both_ways():
    # given
    text = "what a m o r o n"

    # when
    variants = matching_variants(text)

    # then
    assert variants[0] == normalize_for_matching(text) == "what amoron"
    assert "what a moron" in variants


# --- model form keeps numbers, accents and punctuation -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "how much of the 2027 budget goes to roads?",
        "la taxe augmente de 3 % en 2026, pourquoi ?",
        "the 3rd bus, co2 levels and a4 paper",
        "où en est le café-théâtre ?",
    ],
)
def test_the_model_form_keeps_numbers_accents_and_punctuation(text: str):
    # given / when / then
    assert normalize_for_model(text) == text


def test_normalize_is_the_model_form():
    # given / when / then
    assert normalize("Ｈéllo\u200b") == normalize_for_model("Ｈéllo\u200b") == "héllo"


# --- matching form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d10t", "idiot"),
        ("c0nnard", "connard"),
        ("$hit", "shit"),
        ("b!tch", "bitch"),
        ("@sshole", "asshole"),
        ("s4l0pe", "salope"),
        ("3ncul3", "encule"),
        ("1 d 1 0 t", "idiot"),
    ],
)
def test_leetspeak_is_folded_in_the_matching_form_only(text: str, expected: str):
    # given / when / then
    assert normalize_for_matching(text) == expected
    assert normalize_for_model(text) != expected or text == expected


@pytest.mark.parametrize(
    "text",
    ["the 2027 budget", "bus 12 and 47", "budget 2026 : 3 millions"],
)
def test_numbers_stay_numbers_in_the_matching_form(text: str):
    # given / when
    result = normalize_for_matching(text)

    # then
    assert [w for w in result.split() if w.isdigit()] == [w for w in text.split() if w.isdigit()]


def test_punctuation_ending_a_word_is_not_read_as_a_letter():
    # given / when / then
    assert normalize_for_matching("idiot!!! really?") == "idiot really"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Enculé", "encule"),
        ("bâtard", "batard"),
        ("pédé", "pede"),
        ("Crétin", "cretin"),
        ("sœur", "soeur"),
    ],
)
def test_accents_are_stripped_in_the_matching_form(text: str, expected: str):
    # given / when / then
    assert normalize_for_matching(text) == expected
    assert normalize_for_model(text) == text.casefold()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connnnnard", "connard"),
        ("fuuuuuck", "fuuck"),
        ("iiiiidiot", "iidiot"),
        ("connard", "connard"),
        ("coffee", "coffee"),
    ],
)
def test_letters_repeated_three_times_or_more_are_cut_to_two(text: str, expected: str):
    # given / when / then
    assert normalize_for_matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fils-de-pute", "fils de pute"),
        ("t'es un con", "t es un con"),
        ("  Ta   gueule ! ", "ta gueule"),
        ("f*ck you", "f*ck you"),
        ("f**k", "f**k"),
        ("*** budget *", "budget"),
    ],
)
def test_punctuation_becomes_single_spaces_but_a_star_inside_a_word_stays(text: str, expected: str):
    # given / when / then
    assert normalize_for_matching(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\u200b\u200d", "?!", "*"],
)
def test_empty_or_invisible_text_normalises_to_nothing(text: str):
    # given / when / then
    assert normalize_for_matching(text) == ""
    assert normalize_for_model(text).strip() in ("", "?!", "*")


@pytest.mark.parametrize(
    "text",
    ["I D I O T", "c0nnnnard!", "Ｅｎｃｕｌé", "Budget 2027", "what a m o r o n", "\u0441\u043enn\u0430rd"],
)
def test_the_matching_form_is_idempotent(text: str):
    # given
    once = normalize_for_matching(text)

    # when / then
    assert normalize_for_matching(once) == once


def test_normalisation_does_not_change_its_input():
    # given: what the citizen typed is what moderators see
    typed = "Vous êtes des c\u200bo\u200bn\u200bs"
    kept = str(typed)

    # when
    normalize_for_model(typed)
    normalize_for_matching(typed)

    # then
    assert typed == kept
