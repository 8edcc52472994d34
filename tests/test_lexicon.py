"""Held terms: moderators' lists and the default EN/FR lexicons. Pure, no database."""

from __future__ import annotations

import pytest

from moderation.scoring.lexicon import (
    DEFAULT_LANGUAGES,
    Entry,
    HeldTerms,
    LexiconError,
    default_lexicon,
    default_lexicons,
    matches_held_terms,
)

CATEGORIES = {"insult", "obscenity", "threat", "identity_attack", "mild"}
HOLD = 0.5


@pytest.fixture(scope="module")
def lexicon() -> HeldTerms:
    return default_lexicons()


def held(lexicon: HeldTerms, text: str) -> bool:
    strongest = lexicon.strongest(text)
    return strongest is not None and strongest.weight >= HOLD


# --- moderators' per-town-hall lists ---------------------------------------------------


def test_a_moderator_term_is_found_and_returned_as_written():
    # given
    terms = ["Dupont", "parking sauvage"]

    # when / then
    assert matches_held_terms("Le maire DUPONT ment sur le parking sauvage", terms) == ["Dupont", "parking sauvage"]


def test_nothing_found_is_an_empty_list():
    # given / when / then
    assert matches_held_terms("When will the tram reach the north?", ["Dupont"]) == []


@pytest.mark.parametrize("terms", [[], [""], ["   "]])
def test_blank_terms_are_ignored(terms: list[str]):
    # given / when / then
    assert matches_held_terms("anything at all", terms) == []


@pytest.mark.parametrize(
    "text",
    [
        "Dupontel a raison",  # a longer word
        "redupont",
    ],
)
def test_a_moderator_term_matches_whole_words_only(text: str):
    # given / when / then
    assert matches_held_terms(text, ["Dupont"]) == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Мэр вор", "вор"),  # Russian
        ("Der Bürgermeister ist ein Arschloch", "arschloch"),  # German, case folded
        ("ÇA SUFFIT", "ca suffit"),  # accents optional on both sides
        ("il est stronzo", "stronzo"),  # Italian
        ("رئيس البلدية كاذب", "كاذب"),  # Arabic
    ],
)
def test_moderator_terms_work_in_any_language(text: str, term: str):
    # given / when / then
    assert matches_held_terms(text, [term]) == [term]


@pytest.mark.parametrize(
    "text",
    [
        "the project of mister s\u200bm\u200bi\u200bt\u200bh",
        "S M I T H again",
        "ｓｍｉｔｈ",
        "\u0455mith",
        "smiiiiith",
        "sm1th",
    ],
)
def test_moderator_terms_match_after_normalisation(text: str):
    # given / when / then
    assert matches_held_terms(text, ["smith"]) == ["smith"]


def test_a_long_multi_word_moderator_term_matches_with_its_spaces_removed():
    # given / when / then
    assert matches_held_terms("stop the parkinggate now", ["parking gate"]) == ["parking gate"]


def test_moderator_terms_are_literal_not_patterns():
    # given: the default lexicons' syntax means nothing in a moderator's list
    terms = ["con*", "a|b"]

    # when / then
    assert matches_held_terms("le contrat", terms) == []
    assert matches_held_terms("a b", terms) == []


# --- word boundaries and ordinary words (no false matches) ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Le contrat du conseil communal",
        "La constitution d'une commission",
        "Flooding on the Scunthorpe Road underpass",
        "What are the pros and cons of the tram?",
        "Les pros et les cons du projet",
        "Will the council assess the damage?",
        "The cul-de-sac on Birch Close needs lights",
        "Le pique-nique du quartier",
        "Le retard des travaux est inacceptable",
        "Une leçon de civisme, des leçons d'histoire",
        "Le ramassage des ordures ménagères",
        "Des cafards et des rats dans les HLM",
        "Les trottinettes bridées",
        "Mon pneu a crevé rue Pasteur",
        "Des douches pour les sans-abri",
        "Le carrefour est casse-gueule",
        "La ville va-t-elle abattre les platanes ?",
        "Pourquoi laisser les migrants dormir dehors ?",
        "There is a huge hole in the road",
        "The heat could kill elderly residents",
        "Can I shoot you an email with the photos?",
        "Speeding will get someone killed on Hill Road",
        "A chink in the armour of the budget",
        "Classic cocktail bar licence renewal",
        "Le député viendra-t-il ?",
        "Il faut pendre les guirlandes plus haut",
        "On va vous battre aux prochaines élections",
        "Un raton laveur dans le parc",
        "You treat us like idiots with this consultation",
        "Le maire nous prend pour des imbéciles",
    ],
)
def test_ordinary_words_and_phrases_are_not_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), lexicon.find(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is the city doing for disabled residents?",
        "La mosquée, la synagogue et l'église du quartier",
        "Les personnes homosexuelles et transgenres",
        "Comment la commune accueille-t-elle les immigrés ?",
        "Services for gay and lesbian teenagers",
        "Black and Muslim residents, Jewish students, refugees and migrants",
        "Les élèves juifs et musulmans, les personnes noires et arabes",
    ],
)
def test_neutral_mentions_of_identities_are_not_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert lexicon.find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Why was this contract awarded without a tender?",
        "Your answer was evasive.",
        "This policy is a disaster.",
        "Incompetent management from start to finish.",
        "The mayor is a liar and a hypocrite.",
        "You lied to us, this is corrupt and shameful.",
        "Vous nous mentez depuis des années sur ce dossier.",
        "Vous êtes des menteurs.",
        "Vous êtes nuls et incompétents, c'est une honte.",
        "Bande de voleurs, rendez l'argent du contribuable !",
        "Cette majorité est incapable, c'est scandaleux.",
    ],
)
def test_criticism_of_officials_is_not_held_however_harsh(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), lexicon.find(text)


# --- what the default lexicons hold ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # French insults and their inflections
        "connard",
        "connasse",
        "connards",
        "connarde",
        "salaud",
        "salope",
        "salopes",
        "enculé",
        "enculée",
        "enculés",
        "pute",
        "nique",
        "niquer",
        "nique ta mère",
        "ta gueule",
        "ferme ta gueule",
        "fils de pute",
        "batard",
        "bâtard",
        "abruti",
        "abrutis",
        "crétin",
        "espèce de débile",
        "imbécile",
        "conne",
        "espèce de con",
        "bande de cons",
        "t'es con",
        "pédé",
        "sale pd",
        "enfoiré",
        "trou du cul",
        "va te faire foutre",
        # French identity attacks
        "sale arabe",
        "sale juif",
        "sale noir",
        "sales immigrés",
        "retourne dans ton pays",
        "les immigrés sont des parasites",
        "mort aux juifs",
        # French threats
        "je vais te tuer",
        "on va vous brûler",
        "on sait où tu habites",
        "une balle dans la tête",
        "je vais te faire la peau",
        "je vais te défoncer la gueule",
        # English insults, obscenities, slurs
        "idiot",
        "moron",
        "asshole",
        "bitch",
        "cunt",
        "dickhead",
        "you stupid cow",
        "piece of shit",
        "fuck",
        "fucking",
        "motherfucker",
        "shit",
        "bullshit",
        "faggot",
        "go back to your country",
        "muslims are vermin",
        "dirty immigrants",
        # English threats
        "i will kill you",
        "I'm going to kill him",
        "you should be shot",
        "we know where you live",
        "a bullet in your head",
        "kill yourself",
        "I hope you die",
        "watch your back",
    ],
)
def test_insults_obscenities_slurs_and_threats_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "i\u200dd\u200di\u200do\u200dt",  # zero-width joiners
        "idi\u043et",  # Cyrillic о
        "ｉｄｉｏｔ",  # fullwidth
        "\u202eidiot\u202c",  # bidi override
        "i d i o t",  # spaced
        "i.d.i.o.t",
        "1d10t",  # leet
        "iiiidiooot",  # repeats
        "what a m o r o n",  # spaced after "a"
        "c0nnard",
        "c o n n a r d",
        "connnnnard",
        "CONNARD",
        "encule",  # accents removed
        "n1que t@ m3re",
        "filsdepute",  # spaces removed
        "f*ck you",
        "f**k off",
        "sh1t",
        "\u0430$$h\u043ele",
    ],
)
def test_obfuscated_terms_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize("text", ["****", "*** you", "f***"])
def test_stars_alone_do_not_make_a_word(lexicon: HeldTerms, text: str):
    # given / when / then
    assert lexicon.find(text) == []


@pytest.mark.parametrize("text", ["this is crap", "what the hell", "quel bordel ce chantier", "damn traffic"])
def test_mild_vulgarity_ranks_but_does_not_hold(lexicon: HeldTerms, text: str):
    # given / when
    strongest = lexicon.strongest(text)

    # then
    assert strongest is not None and 0.0 < strongest.weight < HOLD


def test_find_reports_weight_category_and_matched_text(lexicon: HeldTerms):
    # given / when
    (match,) = [m for m in lexicon.find("Le maire est un c0nnard") if m.category == "insult"][:1]

    # then
    assert match.weight >= HOLD
    assert match.matched == "connard"
    assert "connard" in match.term


# --- the lexicon files ------------------------------------------------------------------


@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_each_default_lexicon_loads_with_valid_weights_and_categories(lang: str):
    # given / when
    lexicon = default_lexicon(lang)

    # then
    assert len(lexicon) > 50
    for entry in lexicon.entries:
        assert 0.0 <= entry.weight <= 1.0
        assert entry.category in CATEGORIES, entry


def test_default_lexicons_are_loaded_once():
    # given / when / then
    assert default_lexicon("fr") is default_lexicon("fr")


def test_there_is_no_default_lexicon_for_another_language():
    # given / when / then
    with pytest.raises(ValueError):
        default_lexicon("de")


def test_lexicon_lines_parse_weights_categories_comments_and_exceptions():
    # given
    lines = [
        "# a comment",
        "",
        "bad|worse\t0.7\tinsult",
        "terrible ~1 word\t0.9\tthreat",
        "plain",
        "!not bad",
    ]

    # when
    terms = HeldTerms.from_lines(lines)

    # then
    assert terms.entries == (
        Entry("bad|worse", 0.7, "insult"),
        Entry("terrible ~1 word", 0.9, "threat"),
        Entry("plain", 1.0, "held"),
    )
    assert terms.match("worse") == ["bad|worse"]
    assert terms.match("terrible long word") == ["terrible ~1 word"]
    assert terms.match("terrible very long word") == []
    assert terms.match("that is not bad") == []
    assert terms.match("that is bad") == ["bad|worse"]


def test_a_prefix_pattern_matches_inflections():
    # given
    terms = HeldTerms.from_lines(["encul*\t0.9\tinsult"])

    # when / then
    assert terms.match("enculés") == terms.match("enculer") == ["encul*"]
    assert terms.match("en cul") == []


@pytest.mark.parametrize("line", ["word\tnot-a-number", "word\t1.5"])
def test_a_bad_weight_is_a_lexicon_error(line: str):
    # given / when / then
    with pytest.raises(LexiconError):
        HeldTerms.from_lines([line])


# --- v2: inflections, and target + predicate families (issue 12) ----------------------


@pytest.mark.parametrize("word", ["abruti", "abrutie", "abrutis", "abruties", "Abrutiiie"])
def test_a_plus_entry_matches_the_feminine_and_plural_forms(word: str):
    # given
    terms = HeldTerms.from_lines(["abruti+\t0.9\tinsult"])

    # when / then
    assert terms.match(f"quel {word} ce type") == ["abruti+"]


@pytest.mark.parametrize("text", ["abrutissement général", "abr", "brutie"])
def test_a_plus_entry_still_matches_whole_words_only(text: str):
    # given
    terms = HeldTerms.from_lines(["abruti+\t0.9\tinsult"])

    # when / then
    assert terms.match(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Quelle abrutie, cette adjointe.",  # feminine
        "Espèce d'abrutis !",  # elision + plural
        "T'es qu'un tocard.",  # elision, "que" + noun
        "vous êtes des neuneus",
        "Maudite conne",
        "Je vais te buter.",  # intent + violent verb
        "On va cramer ta bagnole.",
        "Les migrants sont des rats.",  # group + dehumanising predicate
        "Les Arabes dehors !",  # exclusion
        "Muslims are a plague on this town.",
        "Send the refugees back.",
        "Somebody ought to shoot the council.",
        "You are a spineless weasel.",
        "vous êtes des 🐷",  # emoji for a word
        "🖕 the mayor",
        "You are an \u202etoidi\u202c",  # displayed as "idiot"
    ],
)
def test_v2_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Pourquoi laisser les migrants dormir dehors en hiver ?",
        "Le ramassage des ordures ménagères passera-t-il à deux fois par semaine ?",
        "Il y a des rats derrière le marché couvert.",
        "How is the council tackling rats behind the shops?",
        "Can we kill the weeds without glyphosate?",
        "Someone should shoot a video of the flooding for the insurers.",
        "Les poids lourds nous tuent avec leur vitesse.",
        "The elderly are sick of waiting for a bus.",
        "Will the gay and lesbian youth group keep its room?",
        "La préfecture va-t-elle expulser les familles du squat ?",
        "The mayor is a liar and the plan is idiotic.",
        "Vous êtes des incapables et des menteurs.",
        "Il a été agressé à coups de poing, que fait la police ?",
        # found by reviewing the v2 patterns against ordinary town-hall phrasing
        "The rats behind the bakery are back.",
        "Is the old pig farm being sold?",
        "The little pigs exhibition at the museum",
        "Il y a de gros rats derrière le marché.",
        "Un gros chien m'a mordu au parc.",
        "Le parc, c'est plein d'ordures.",
        "Ce sont des parasites des platanes ?",
        "Pouvez-vous faire baisser les impôts ?",  # "baiser" with a repeated letter
        "On vous attend nombreux samedi à la salle des fêtes.",
        "On va abattre les platanes ?",
        "Vous allez tuer le petit commerce avec ce parking.",
        "Je vous retrouverai à la réunion de jeudi.",
        "We need to kill the knotweed before it spreads.",
        "Someone should deal with the potholes.",
        "Someone will hurt themselves on this pavement.",
        "You could break your neck on these pavements.",
        "On va se casser la jambe sur ce trottoir.",
        "Les enfants handicapés sont plus souvent malades l'hiver.",
        "Les réfugiés sont souvent victimes de voleurs.",
        "Migrants are taking jobs in the care sector: is there training?",
        "Mettez les personnes handicapées au premier rang.",
        "Peut-on renvoyer les élèves chez eux quand il neige ?",
        "Someone threw a brick through the window of the library.",
        "Faites gaffe à vous sur la route verglacée.",
        "La voiture a brûlé devant la mairie.",
        "C'est un coup de couteau dans le dos des commerçants.",
        "Can we get the refugees out of the flooded hotel?",
        "Dogs off the lead: keep them out of our park.",
        "Immigrants are often victims of criminals.",
        "La navette viendra vous chercher à domicile le jour du vote.",
        "La restauration du tabernacle de l'église est-elle financée ?",
        "Un tas de chiens errants traîne près de l'école.",
    ],
)
def test_v2_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


# --- v3: verb forms ("verb@") and word classes ("$class") (issue 12) ------------------


@pytest.mark.parametrize(
    "form",
    ["tuer", "tue", "tues", "tuent", "tuerai", "tueras", "tuerait", "tuerions", "tuait", "tué", "tuée"],
)
def test_a_french_er_verb_matches_its_forms_in_every_tense(form: str):
    # given
    terms = HeldTerms.from_lines(["je ~3 te ~0 tuer@\t0.9\tthreat"], lang="fr")

    # when / then
    assert terms.match(f"je vais te {form}") or terms.match(f"je te {form}"), form


@pytest.mark.parametrize(
    ("verb", "forms", "not_forms"),
    [
        ("pendre@", ["pends", "pendra", "pende", "pendu", "pendrait"], ["pendant", "pend"]),
        ("égorger@", ["égorgeons", "égorgeait", "égorgera", "egorges"], ["gorge"]),
        ("démolir@", ["démolis", "démolira", "démolisse", "démolissez"], ["démolition"]),
        ("noyer@", ["noie", "noierai", "noyons", "noyé"], ["noyau"]),
    ],
)
def test_french_verb_groups_and_stem_changes(verb: str, forms: list[str], not_forms: list[str]):
    # given
    terms = HeldTerms.from_lines([f"on ~0 le ~0 {verb}\t0.9\tthreat"], lang="fr")

    # when / then
    for form in forms:
        assert terms.match(f"on le {form}"), form
    for form in not_forms:
        assert not terms.match(f"on le {form}"), form


@pytest.mark.parametrize(
    ("verb", "forms", "not_forms"),
    [
        ("kill@", ["kill", "kills", "killed", "killing"], ["skill", "kiln"]),
        ("stab@", ["stabs", "stabbed", "stabbing"], ["stable", "stabilise"]),
        ("strangle@", ["strangles", "strangled", "strangling"], ["strange"]),
        ("shoot@", ["shoots", "shooting", "shot"], ["shoo", "shots"]),
        ("hang@", ["hangs", "hanged", "hanging", "hung"], ["hangar"]),
    ],
)
def test_an_english_verb_matches_its_forms(verb: str, forms: list[str], not_forms: list[str]):
    # given
    terms = HeldTerms.from_lines([f"i ~2 {verb} ~0 you\t0.9\tthreat"], lang="en")

    # when / then
    for form in forms:
        assert terms.match(f"i will {form} you"), form
    for form in not_forms:
        assert not terms.match(f"i will {form} you"), form


def test_verb_forms_need_a_language_and_an_infinitive():
    # given / when / then
    with pytest.raises(LexiconError):
        HeldTerms.from_lines(["je ~0 tuer@\t0.9\tthreat"])
    with pytest.raises(LexiconError):
        HeldTerms.from_lines(["je ~0 tue@\t0.9\tthreat"], lang="fr")


def test_a_word_class_is_defined_once_and_used_in_later_lines():
    # given
    terms = HeldTerms.from_lines(
        ["$verb = tuer@|buter@", "$who = je|on", "$who ~3 te ~0 $verb|cramer\t0.9\tthreat"], lang="fr"
    )

    # when / then
    assert terms.match("on va te buter") == ["je|on ~3 te ~0 tuer@|buter@|cramer"]
    assert terms.match("je te tuerai")
    assert terms.match("tu vas te tuer") == []


def test_an_undefined_word_class_is_a_lexicon_error():
    # given / when / then
    with pytest.raises(LexiconError):
        HeldTerms.from_lines(["$nowhere ~0 word\t0.9\tthreat"])


@pytest.mark.parametrize(
    "text",
    [
        "On finira par te trouver et on te saignera.",  # futur, clitic object
        "Je t'étranglerais bien avec ta cravate.",  # conditionnel, elision
        "Qu'on la pende, cette adjointe.",  # subjonctif
        "Vous méritez qu'on vous fusille.",
        "J'vais t'défoncer la tronche.",  # spoken elisions
        "Il faudrait l'abattre comme un chien, ce préfet.",
        "Tu finiras dans un fossé, comme les autres.",
        "On sait où dorment tes gosses.",
        "Les Roumains sont une plaie pour le quartier.",
        "Les musulmanes devraient être renvoyées chez elles.",
        "Pas d'Arabes ici.",
        "Espèce de sale fumier.",
        "Ce connard d'adjoint n'a rien foutu.",
        "I'm gonna strangle that councillor.",
        "We'll stab every last one of you.",
        "I hope a bus runs the mayor over.",
        "You'll end up in a ditch if you keep this up.",
        "We know what car your wife drives.",
        "Immigrants should be rounded up and shipped back.",
        "Jews are not welcome in this town.",
        "Go back to the jungle where you came from.",
        "You absolute tool.",
        "Je vais te planter, t'as compris ?",
        "Vous êtes une bande de branquignols.",  # the v3 insult class
        "Espèce de vieux schnock.",
        "Cette cruche de présidente a encore menti.",
        "Le préfet, cette ordure.",
        "Vous n'êtes que des charlots.",
        "Les Arabes, tous des voleurs.",  # group + predicate class
        "Les gitans, une race de voleurs.",
        "Les Noirs n'ont rien à faire dans notre quartier.",
        "Les étrangers nous volent nos logements.",
        "Les handicapés, faudrait les enfermer.",
        "Renvoyez-les tous dans leur pays, ces migrants.",
        "I swear I'll strangle you with your own chain of office.",  # body part, verb forms
        "I'm going to break every bone in your body.",
        "I'd slit your throat without a second thought.",
        "It would be a shame if your house caught fire.",
        "Next time we meet, you're dead.",
        "Je vais t'arracher la tête.",
        "Je te tranche la gorge si tu signes.",
        "Un jour on va te retrouver dans le canal.",
        "Ce serait dommage qu'il arrive quelque chose à tes enfants.",
        "Il va lui arriver malheur, à ce préfet.",
        "The blacks are ruining this town.",
        "Foreigners should go home.",
        "Send them all back to Africa.",
        "Disabled people are useless eaters.",
        "Councillor Price is a dozy cow.",
    ],
)
def test_v3_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Les frelons, on les tue comment sans pesticides ?",
        "Il faut les pendre à l'entrée, les guirlandes de Noël ?",
        "On va vous frapper d'une amende si vous stationnez là ?",
        "Les arbres malades, on va les abattre quand ?",
        "Il faudrait le tuer dans l'oeuf, ce projet de rocade.",
        "Un cycliste a failli se faire tuer au carrefour de la gare.",
        "Ces camions vont vous tuer un enfant un jour, faites quelque chose.",
        "La police a tiré des balles de défense lors de la manifestation : pourquoi ?",
        "Faites attention à vous pendant la canicule.",
        "Les migrants vont-ils être expulsés du gymnase cette semaine ?",
        "Les femmes de la cuisine centrale ont-elles reçu leur prime ?",
        "Est-ce qu'on peut venir chez vous pour la visite du logement témoin ?",
        "On les plantera où, les nouveaux tilleuls ?",
        "Tu vas finir à quelle heure la réunion ?",
        "Pas de logement social pour les familles nombreuses ?",
        "We will beat them at the ballot box next May.",
        "You'll end up in hospital if you cycle on that road.",
        "Watch your step on the icy pavements near the library.",
        "Refugees should be housed closer to the schools.",
        "Are refugees not welcome in our town anymore?",
        "Women belong on the council as much as men do.",
        "The app is a useless tool for reporting potholes.",
        "Killing the council tax rise was the right call.",
        "Someone will kill a child on this road, have you even looked at it?",
        "We are killing ourselves to pay the rent, can you help us?",
        "Je vais vous taper un courrier officiel.",
        "On va vous planter un arbre devant la mairie pour la fête.",
        "Tu vas rentrer en Afrique pour les vacances ?",
        "Faut-il les abattre, ces platanes malades ?",
        "On va lui tirer le portrait pour le bulletin municipal.",
        "Ils sont attaqués par des rats dans la cave, que fait le bailleur ?",
        "Un tas de déchets traîne devant l'école depuis une semaine.",
        "Une espèce de rat envahit les berges du canal, est-ce dangereux ?",
        "Quelle race de chien est interdite dans les parcs ?",
        "Les migrants que des voleurs ont dépouillés ont-ils porté plainte ?",
        "C'est une belle cloche, la nouvelle de l'église, qui l'a payée ?",
        "Les élèves musulmans pourront-ils sortir pour qu'ils rentrent chez eux déjeuner ?",
        "Vous êtes des vaches à lait pour la mairie, nous les contribuables !",
        "Are you dead set on closing the library?",
        "We'll twist your arm until you fund the youth club!",
        "The potholes will break your legs one day, fix them.",
        "Je vais vous ouvrir les yeux sur ce budget.",
        "Je vais encore vous casser la tête avec le stationnement, désolé.",
        "On vous retrouvera au canal à 18 h pour le nettoyage.",
        "Un malheur est vite arrivé sur ce carrefour sans feu.",
        "It would be a shame if the festival were cancelled again.",
        "We'll be waiting for your answer on the car park fees.",
        "Foreigners should register to vote by March, is that right?",
        "Send them all back the forms, please.",
        "The old cow sheds at the farm are being demolished?",
        "Women are too often ignored in planning meetings.",
    ],
)
def test_v3_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


# --- v4: a few more families, written from the retired first test part (issue 12) -------


@pytest.mark.parametrize(
    "text",
    [
        "Je vais lui casser les dents, à ce maire.",
        "On va te casser les genoux si tu signes.",
        "Je te traquerai jusqu'au bout.",
        "On va vous pourchasser, vous et vos adjoints.",
        "Si le projet passe, on crame la mairie.",
        "On va foutre le feu à la permanence du député.",
        "Les immigrés n'ont rien à faire au conseil municipal.",
        "Les handicapés ? C'est des boulets pour la ville.",
        "Quand est-ce que ce crétin va démissionner ?",
        "Maudit cave, réponds à la question !",
        "Ostie de twit de conseiller.",
        "We will track you down, councillor.",
        "Muslims should not be allowed in the council.",
        "What a clusterfuck this budget is.",
    ],
)
def test_v4_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Je me suis cassé le bras sur ce trottoir, qui paie ?",
        "Les enfants vont se casser les dents sur ce toboggan.",
        "On brûle encore les déchets verts au dépôt ?",
        "Les femmes n'ont rien à faire de plus que les hommes pour obtenir une place en crèche ?",
        "Ces abris de bus sont une honte.",
        "La cave de la mairie est-elle accessible aux visites ?",
        "Can the council track down the owner of the abandoned car?",
        "Refugees should not be in temporary hotels for years, what is the plan?",
        "Women should be on the council in equal numbers: what is the plan?",
    ],
)
def test_v4_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


# --- v5: more person nouns in the same frames, from the development misses of writers g and n -------


@pytest.mark.parametrize(
    "text",
    [
        "Fix the bloody road, ya drongo.",
        "Perhaps the brainless Portfolio Holder for Education could explain the closures.",
        "Could the council's dim-witted press officer read the report first?",
        "Only a dolt would put speed bumps on an ambulance route.",
        "Listen here, knucklehead, the flooding is your fault.",
        "Is the mayor stupid or just pretending to be?",
        "r u too dumb to find the potholes",
        "The cabinet are a pack of nincompoops.",
        "Pourquoi ce nigaud de conseiller a-t-il choisi ce soir-là ?",
        "Mais quelle buse, ce maire ! Un centre de tri sur le captage d'eau.",
        "Le conseiller du district, c'est un gros épais.",
        "Ferme-la, le clown, et laisse parler les citoyens.",
        "Dégage, vieux schnock, personne veut ton avis.",
        "Quelle bande d'ignares au conseil.",
        "Eh le débile, réponds à la question sur le bus 14.",
        "Madame, vous êtes la fonctionnaire la plus bornée que je connaisse.",
    ],
)
def test_v5_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Quelle tâche reste-t-il à faire sur le pont ?",
        "La buse sous le chemin des Vignes est bouchée depuis l'orage.",
        "C'est une belle cloche, la nouvelle de l'église, qui l'a payée ?",
        "Vous êtes des incapables, ça fait dix ans que rien n'avance.",
        "Quelle gourde réutilisable la mairie distribue-t-elle aux écoliers ?",
        "C'est une grosse patate, le budget de la voirie : où va l'argent ?",
        "The way you treat young people like idiots in these meetings is insulting.",
        "The golf club says a duffer can still book the council course on Sundays?",
        "Is the dipstick check part of the council fleet's safety inspection?",
        "Which tool library is the council funding this year?",
    ],
)
def test_v5_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


@pytest.mark.parametrize(
    "text",
    ["Is the Dick Whittington panto at the civic hall still on?", "Faggots and peas back at the Christmas market?"],
)
def test_british_names_and_dishes_are_not_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


# --- v6: reported threats, veiled threats, slurs with a determiner, from the development misses of eighteen writers


@pytest.mark.parametrize(
    "text",
    [
        "Enjoy your last summer in that office, councillor.",
        "There'll be blood at the depot if the route goes.",
        "Close the youth club and see what happens to your car.",
        "Vote for the cuts and you won't make it to Christmas.",
        "I'll pay him a visit he won't forget.",
        "The planning chair will get what's coming to him.",
        "None of you will sleep safely in this borough again.",
        "Next time he comes round I'm taking a cricket bat to him.",
        "I'll slash your tyres in the council car park.",
        "Why are we paying for a day centre for retards?",
        "No chinks on our street, tell the landlord.",
        "Muslims out of our schools.",
        "Women don't belong on the planning committee.",
        "Remigration is the only housing policy we need.",
        "Vous finirez tous pendus à la grille de la mairie.",
        "Le prochain huissier repartira avec des dents en moins.",
        "Le maire a intérêt à surveiller ses arrières.",
        "Votez ce budget et vous ne dormirez plus jamais tranquilles.",
        "On vous coincera à la sortie du marché.",
        "Gare à vous en sortant du conseil ce soir.",
        "Ces macaques du quartier nord n'ont rien à faire ici.",
        "Les requérants sont des parasites.",
        "Le grand remplacement, c'est à la mairie qu'il se décide.",
    ],
)
def test_v6_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        # reported threats ask for help
        "My neighbour threatened to burn my house down over a hedge. Who do I call?",
        "A lodger said he'd burn our flat down. Can the council rehouse us?",
        "Mon voisin a menacé de brûler ma voiture, la mairie peut-elle agir ?",
        # violent-sounding civil questions and the other sense of a word
        "Will the parking charges cripple the high street?",
        "Is there a chink in the flood barrier on the quay?",
        "Le bus 12 a encore vingt minutes de retard, pourquoi ?",
        "Les retards du tram sont-ils compensés ?",
        "The new tram is a great replacement for the old bus.",
        "Is Dyke Road getting a cycle lane?",
        "Is the Cock and Bull charity run on this year?",
        "Can we plant pussy willow along the canal?",
        "Enjoy your last week of roadworks: when does the bridge reopen?",
        "Les demandeurs d'asile attendent des mois : que fait la préfecture ?",
        "The way you treat the people of Ballymun like idiots is shameful.",
        "Is it legal to burn my garden waste on a Sunday?",
        "Someone slashed my tyres outside the leisure centre. Is there CCTV?",
    ],
)
def test_v6_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))


# --- v7: short live replies, from the development misses of writers ls and cr ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "Can the muppet in charge of parking explain the new zones?",
        "What a pathetic excuse for a mayor.",
        "sit down, you sad little man",
        "thick as two short planks, the lot of them",
        "idiots. the lot of you",
        "You'll be swinging from a lamppost by Christmas.",
        "People like you used to get strung up.",
        "The Polish are filth.",
        "Quel abruti à la voirie a posé ces plots ?",
        "Nos élus débiles ont encore voté la hausse.",
        "Vous êtes des nuls, tous.",
        "Pauv' type, va.",
        "Montez encore les loyers et y aura du sang.",
        "On vous aura tôt ou tard.",
        "Votre permanence flamberait bien, non ?",
        "Ce préfet mériterait une balle.",
        "Les trans sont des monstres.",
        "Les migrants ramènent la délinquance partout.",
    ],
)
def test_v7_families_are_held(lexicon: HeldTerms, text: str):
    # given / when / then
    assert held(lexicon, text), text


@pytest.mark.parametrize(
    "text",
    [
        "Vous êtes nuls en gestion, la Cour des comptes l'a écrit.",
        "Quelle idée débile, ce sens unique !",
        "La mairie est nulle pour répondre aux courriers.",
        "Le conseiller incapable de répondre devrait démissionner.",
        "Les élus sont des incapables.",
        "Les réfugiés sont des victimes de la guerre.",
        "Faites attention en sortant, il y a du verglas.",
        "Will the polish on the town hall floor be redone?",
        "That's a poor excuse for a bus service.",
        "The lot of you voted for the cuts.",
    ],
)
def test_v7_families_leave_civil_questions_alone(lexicon: HeldTerms, text: str):
    # given / when / then
    assert not held(lexicon, text), (text, lexicon.find(text))
