"""Personal data in what citizens type (moderation/personal_data.py). Pure, no database."""

from __future__ import annotations

import pytest

from moderation.personal_data import ADDRESS, EMAIL, KINDS, PHONE, detect, kinds_in

PHONES = [
    # French
    "06 98 76 54 32",
    "06.98.76.54.32",
    "06-98-76-54-32",
    "0698765432",
    "01 42 68 53 00",
    "+33 6 98 76 54 32",
    "+33 (0)6 98 76 54 32",
    "+33698765432",
    "0033 6 98 76 54 32",
    "appelez-moi au 06 98 76 54 32 svp",
    "tél:0698765432",
    # English and international
    "+44 20 7946 0958",
    "020 7946 0958",
    "07700 900123",
    "(555) 123-4567",
    "555-123-4567",
    "555.123.4567",
    "+1 555 123 4567",
    "+32 2 555 12 34",
    "call me on +44 7700 900123 tonight",
]

EMAILS = [
    "marie@exemple.fr",
    "marie.dupont+mairie@exemple.co.uk",
    "écrivez à jean_paul@quartier-nord.org",
    "marie [at] exemple.fr",
    "marie (at) exemple (dot) fr",
    "marie [arobase] exemple.fr",
    "marie at exemple dot fr",
    "marie arobase exemple point fr",
    "MARIE AT EXEMPLE DOT COM",
]

ADDRESSES = [
    # French
    "12 rue de la Paix",
    "j'habite au 12, rue de la Paix",
    "3 bis av. Foch",
    "3bis avenue Foch",
    "5 bd Voltaire",
    "40 boulevard Haussmann",
    "8 allée des Lilas",
    "8 allee des Lilas",
    "2 impasse Verte",
    "12 chemin des Vignes",
    "1 place Bellecour",
    "4 quai Saint-Antoine",
    "15 route de Lyon",
    "10 cours Lafayette",
    "7 rue Victor Hugo, 69003 Lyon",
    "Résidence Les Pins bât. B",
    "bâtiment C",
    "appartement 12",
    "appt 4",
    "escalier B",
    # English
    "221B Baker Street",
    "10 Downing St",
    "12 Abbey Road",
    "1600 Pennsylvania Avenue",
    "4 Privet Drive",
    "7 Eccleston Close",
    "3 Milton Keynes Way",
    "Apt 4B",
    "Flat 3",
]

NOT_PERSONAL = [
    "en 2026",
    "Le budget passe de 1 500 000 € à 2 000 000 € en 2026",
    "3,5 millions d'euros",
    "une hausse de 12 %",
    "12,5%",
    "à 18 h 30",
    "à 18h30",
    "le conseil du 12/05/2026",
    "le 01.02.2026",
    "69003 Lyon",
    "Quartier Nord",
    "Lyon 3e",
    "ligne 12 du tram",
    "le bus 38 et la ligne C3",
    "Pourquoi la rue de la République est-elle fermée ?",
    "Why is Baker Street closed on Sundays?",
    "12 cours de yoga par semaine",
    "12 places de parking en moins",
    "2 close friends",
    "the 2025 budget, 2026 and 2027",
    "appelez le 3949",
    "at the meeting at 7 pm",
    "Marie",
    "Élodie",
    "",
    "Pourquoi le bâtiment de la mairie est-il fermé ?",
    "The flat fee is 3% higher",
    "le numéro 15 du journal",
    "les 30 km/h en ville",
    "1 500 logements, 250 000 habitants",
    "code postal 75011",
]


@pytest.mark.parametrize("value", PHONES)
def test_phone_numbers_are_found(value: str):
    # given / when / then
    assert PHONE in kinds_in(value)


@pytest.mark.parametrize("value", EMAILS)
def test_email_addresses_are_found(value: str):
    # given / when / then
    assert kinds_in(value) == [EMAIL]


@pytest.mark.parametrize("value", ADDRESSES)
def test_street_addresses_are_found(value: str):
    # given / when / then
    assert ADDRESS in kinds_in(value)


@pytest.mark.parametrize("value", NOT_PERSONAL)
def test_what_is_not_personal_data_is_not_flagged(value: str):
    # given / when / then
    assert kinds_in(value) == []


def test_the_issue_place_is_flagged_as_a_phone_and_an_address():
    # given the place that was projected in the issue
    place = "Résidence Les Pins bât. B, tél 06 98 76 54 32"

    # when
    found = detect(text="Quand la piscine rouvre-t-elle ?", author="Élodie", place=place)

    # then
    assert found == [{"field": "place", "kind": PHONE}, {"field": "place", "kind": ADDRESS}]


def test_each_field_is_checked_and_listed_in_order():
    # given
    found = detect(
        text="Appelez-moi au 06 98 76 54 32 ou marie@exemple.fr",
        author="marie at exemple dot fr",
        place="12 rue de la Paix",
    )

    # when / then
    assert found == [
        {"field": "text", "kind": PHONE},
        {"field": "text", "kind": EMAIL},
        {"field": "author", "kind": EMAIL},
        {"field": "place", "kind": ADDRESS},
    ]


def test_nothing_is_flagged_in_an_ordinary_question():
    # given / when / then
    assert detect(text="Pourquoi le tram ne va-t-il pas au Quartier Nord ?", author="Marie", place="Lyon 3e") == []


def test_the_kinds_are_the_documented_ones():
    # given / when / then
    assert KINDS == ("phone", "email", "address")
