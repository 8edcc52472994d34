"""The offline default scorer: quality on the labelled town-hall questions, and its contract.

These are quality regression tests on the development part of the labelled
questions, moderation/scoring/data/labelled_questions.tsv (see
tests/data/README.md), not timing tests. The learned classifier is trained on
that file, so the quality tests score it cross-validated: each question by a
classifier that did not learn from it. No database.
"""

from __future__ import annotations

import csv

import pytest
from sklearn.metrics import roc_auc_score

from moderation.scoring.base import Scorer
from moderation.scoring.classifier import TRAINING_DATA, LearnedClassifier, read_labelled, writer_of
from moderation.scoring.lexicon import default_lexicons
from moderation.scoring.offline import (
    CLASSIFIER_HOLDS_AT,
    CLASSIFIER_LABEL,
    CLASSIFIER_MIN_WORDS,
    CLASSIFIER_RANK_SCALE,
    FRENCH_MODEL_SCALE,
    LEXICON_LABEL,
    MODEL_LABEL,
    PROFANITY_NEEDS_CLASSIFIER,
    QUOTED_THREAT_NEEDS_CLASSIFIER,
    OfflineScorer,
    classifier_label,
    cross_validated,
    lexicon_label,
    looks_french,
    model_text,
    profanity_label,
)

DATA = TRAINING_DATA
THRESHOLD = 0.5  # the town halls' default hold threshold
CATEGORIES = {
    "civil": "civil",
    "criticism": "civil",
    "identity_neutral": "civil",
    "insult": "toxic",
    "threat": "toxic",
    "identity_attack": "toxic",
    "obscenity": "toxic",
    "obfuscated": "toxic",
}
ZWJ = "\u200d"


def _load() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _load()


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    return OfflineScorer()


@pytest.fixture(scope="module")
def cross_validated_results() -> list:
    examples = [(r["text"], r["label"] == "toxic", r["lang"] + r["category"]) for r in ROWS]
    return cross_validated(examples, writers=[writer_of(r["id"]) for r in ROWS])


@pytest.fixture(scope="module")
def scored(cross_validated_results) -> list[tuple[dict[str, str], float]]:
    return [(row, result.score) for row, result in zip(ROWS, cross_validated_results, strict=True)]


# --- the evaluation set itself ---------------------------------------------------------


def test_the_evaluation_set_is_well_formed():
    # given / when
    ids = [r["id"] for r in ROWS]

    # then
    assert len(ROWS) >= 150
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert set(row) == {"id", "lang", "label", "category", "text"}
        assert row["lang"] in ("en", "fr")
        assert CATEGORIES[row["category"]] == row["label"], row
        assert row["text"].strip()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_evaluation_set_covers_every_category_in_each_language(lang: str):
    # given / when
    rows = [r for r in ROWS if r["lang"] == lang]

    # then
    assert len(rows) >= 75
    assert {r["category"] for r in rows} == set(CATEGORIES)


# --- quality on the evaluation set ---------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_it_holds_at_least_80_percent_of_a_new_writers_toxic_questions(scored, lang: str):
    # given: each writer's questions scored by a classifier trained on the other writers'
    toxic = [(r, s) for r, s in scored if r["lang"] == lang and r["label"] == "toxic"]

    # when
    missed = [r["id"] for r, s in toxic if s < THRESHOLD]

    # then: issue 12's goal is 90% on blind samples; measured here 86.5% (EN) and 87.4% (FR), twenty-one writers,
    # so this fails if a change loses more than a few points (docs/toxicity.md)
    assert 1 - len(missed) / len(toxic) >= 0.80, missed


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_it_holds_at_most_1_percent_of_civil_questions(scored, lang: str):
    # given
    civil = [(r, s) for r, s in scored if r["lang"] == lang and r["label"] == "civil"]

    # when
    false_holds = [r["id"] for r, s in civil if s >= THRESHOLD]

    # then
    assert len(false_holds) / len(civil) <= 0.01, false_holds


def test_it_holds_at_most_2_percent_of_a_new_writers_criticism_of_officials(scored):
    # given / when
    criticism = [(r["id"], r["text"], s) for r, s in scored if r["category"] == "criticism"]
    held = [(row_id, text) for row_id, text, s in criticism if s >= THRESHOLD]

    # then: measured 13 of 888 (1.5%), each writer's scored by a classifier that never saw them
    assert len(held) / len(criticism) <= 0.02, held


@pytest.mark.parametrize(
    "text",
    [
        "You lied to us about the stadium and the mayor is a liar.",
        "This council is corrupt, incompetent and a disgrace.",
        "Your answer was evasive and pathetic.",
        "Vous êtes des menteurs et des incompétents.",
        "Vous nous mentez depuis des années sur ce dossier.",
        "What services exist for gay and lesbian teenagers?",
        "Le retard des travaux du tram est inacceptable.",
        "Speeding on Hill Road will get someone killed.",
        "You treat us like idiots every single time, why even bother holding these town halls",
    ],
)
def test_harsh_criticism_and_neutral_mentions_are_not_held(scorer: OfflineScorer, text: str):
    # given / when
    (result,) = scorer.score_batch([text])

    # then
    assert result.score < THRESHOLD, result.labels


# --- obfuscation scores like the plain word ----------------------------------------------


@pytest.mark.parametrize(
    "obfuscated",
    [ZWJ.join("idiot"), ZWJ.join("i d i o t"), "i d i o t", "ｉｄｉｏｔ", "idi\u043et"],
)
def test_an_obfuscated_idiot_scores_like_idiot(scorer: OfflineScorer, obfuscated: str):
    # given
    (plain,) = scorer.score_batch(["You are an idiot"])

    # when
    (hidden,) = scorer.score_batch([f"You are an {obfuscated}"])

    # then
    assert hidden.labels == pytest.approx(plain.labels)
    assert hidden.score >= THRESHOLD


def test_the_model_sees_the_normalised_text_without_neutral_words():
    # given / when / then
    assert model_text(f"The mayor is a LIAR and an {ZWJ.join('idiot')}") == "the mayor is a and an idiot"


# --- labels and the combination ---------------------------------------------------------


def test_a_french_insult_the_model_cannot_see_is_held_by_the_lexicon(scorer: OfflineScorer):
    # given / when
    (result,) = scorer.score_batch(["Le maire est un connard"])

    # then
    assert result.labels[LEXICON_LABEL] >= THRESHOLD
    assert result.labels[MODEL_LABEL] < THRESHOLD


def test_an_english_insult_outside_the_lexicon_is_still_ranked_by_the_model(scorer: OfflineScorer):
    # given: "douche" (alone, not "douchebag") is in no lexicon
    (result,) = scorer.score_batch(["You are such a douche"])

    # when / then
    assert result.labels[LEXICON_LABEL] == 0.0
    assert result.labels[MODEL_LABEL] >= THRESHOLD


def test_on_french_text_the_english_model_alone_never_holds(scorer: OfflineScorer):
    # given: French words the English model reads as insults ("retard", "va")
    (result,) = scorer.score_batch(["On va vous battre aux élections, le retard est énorme"])

    # when / then
    assert looks_french("On va vous battre aux élections")
    assert result.labels[MODEL_LABEL] <= FRENCH_MODEL_SCALE


def test_mild_vulgarity_is_ranked_but_not_held(scorer: OfflineScorer):
    # given / when
    (mild,) = scorer.score_batch(["The bus service is crap"])
    (civil,) = scorer.score_batch(["The bus service is late"])

    # then
    assert civil.score < mild.score < THRESHOLD


def test_it_scores_a_batch_in_order_with_labels_in_0_1(scorer: OfflineScorer):
    # given
    texts = ["When will the tram reach the north?", "fuck you", "Quand rouvre la piscine ?", "", "je vais te tuer"]

    # when
    results = scorer.score_batch(texts)

    # then
    assert [r.score >= THRESHOLD for r in results] == [False, True, False, False, True]
    for result in results:
        assert set(result.labels) == {MODEL_LABEL, LEXICON_LABEL, CLASSIFIER_LABEL}
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in result.labels.values())
        assert result.score == max(result.labels.values())
        assert result.model == scorer.name


def test_an_empty_batch_is_empty(scorer: OfflineScorer):
    # given / when / then
    assert scorer.score_batch([]) == []


def test_it_is_a_scorer_named_with_its_model_and_lexicon_versions(scorer: OfflineScorer):
    # given / when / then
    assert isinstance(scorer, Scorer)
    assert scorer.name.startswith("offline (alt-profanity-check 1.")
    assert "lexicon en/fr v7" in scorer.name
    assert f"classifier of {len(ROWS)} questions" in scorer.name


# --- the learned classifier ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_classifier_ranks_questions_it_did_not_learn_from_better_than_the_rest_alone(
    cross_validated_results, lang: str
):
    # given: each question scored by a classifier trained without it
    rows = [(r, result) for r, result in zip(ROWS, cross_validated_results, strict=True) if r["lang"] == lang]
    toxic = [r["label"] == "toxic" for r, _ in rows]

    # when
    with_classifier = roc_auc_score(toxic, [result.score for _, result in rows])
    without = roc_auc_score(
        toxic, [max(v for k, v in result.labels.items() if k != CLASSIFIER_LABEL) for _, result in rows]
    )

    # then
    assert with_classifier >= 0.97
    assert with_classifier > without


@pytest.mark.parametrize("text", ["", "?", "ok", "Oui", "No", "Merci !", "LOL"])
def test_on_one_or_two_words_the_classifier_only_ranks(scorer: OfflineScorer, text: str):
    # given / when
    (result,) = scorer.score_batch([text])

    # then
    assert result.labels[CLASSIFIER_LABEL] < 0.5
    assert result.score < THRESHOLD


@pytest.mark.parametrize(
    "text",
    ["Who repairs the bridge?", "Who pays for this?", "Who owns the car park?", "Qui paie les travaux ?"],
)
def test_a_short_civil_question_is_not_held_by_the_classifier(scorer: OfflineScorer, text: str):
    # given: short questions, which the labelled set lacks (its civil ones have a median of 16 words)
    # when
    (result,) = scorer.score_batch([text])

    # then
    assert result.score < THRESHOLD, result.labels


def test_a_sure_classifier_holds_from_six_words():
    # given / when / then
    assert classifier_label(0.95, words=5) == pytest.approx(0.95 * CLASSIFIER_RANK_SCALE)
    assert classifier_label(0.95, words=CLASSIFIER_MIN_WORDS) == 0.95


def test_the_profanity_model_holds_alone_only_when_the_classifier_agrees():
    # given / when / then
    assert profanity_label(0.9, PROFANITY_NEEDS_CLASSIFIER) == 0.9
    assert profanity_label(0.9, PROFANITY_NEEDS_CLASSIFIER - 0.01) == pytest.approx(0.9 * CLASSIFIER_RANK_SCALE)
    assert profanity_label(1.0, 0.0) < THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        'Teenagers yelled "we know where you live" at my father. What can the council do?',
        "Mon voisin m'a dit « je vais te crever » dans l'escalier. Le bailleur peut-il agir ?",
        "A man told the bin crew “I'll smash your face in”. Do staff get support?",
    ],
)
def test_a_quoted_threat_holds_only_when_the_classifier_is_sure(text: str):
    # given: reported speech, a threat between quotation marks
    lexicon = default_lexicons()
    unquoted = text.replace('"', "").replace("«", "").replace("»", "").replace("“", "").replace("”", "")

    # when / then: it ranks, unless the classifier would hold the question on its own
    assert lexicon_label(lexicon, text, QUOTED_THREAT_NEEDS_CLASSIFIER - 0.01) < THRESHOLD
    assert lexicon_label(lexicon, text, QUOTED_THREAT_NEEDS_CLASSIFIER) >= THRESHOLD
    # and the same words outside quotation marks hold, whatever the classifier says
    assert lexicon_label(lexicon, unquoted, 0.0) >= THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        'A man on the bus called me a "fucking whore". Is there CCTV?',
        "Un voisin crie « sales bougnoules » à mes enfants. Qui peut nous aider ?",
        'He wrote "I will kill you" and then "you faggot" on my door.',
    ],
)
def test_a_quoted_slur_or_obscenity_still_holds(text: str):
    # given: the reported-abuse rule: a repeated slur or obscenity must not reach the screen unread
    lexicon = default_lexicons()

    # when / then
    assert lexicon_label(lexicon, text, 0.0) >= THRESHOLD


@pytest.mark.parametrize(
    "text",
    ['"We know where you live."', 'Mayor: "we know where you live"', "lol « je vais te crever » lol"],
)
def test_a_quotation_that_is_the_whole_message_is_not_a_report(text: str):
    # given: too few words outside the quotation marks to report anything
    # when / then: the threat holds, whatever the classifier says
    assert lexicon_label(default_lexicons(), text, 0.0) >= THRESHOLD


def test_a_threat_outside_the_quotation_marks_still_holds():
    # given: the quotation is harmless, the threat is the writer's own
    text = 'You said "we will review it". I know where you live, councillor.'

    # when / then
    assert lexicon_label(default_lexicons(), text, 0.0) >= THRESHOLD


def test_below_its_hold_point_the_classifier_only_ranks():
    # given / when / then
    assert classifier_label(0.0, CLASSIFIER_MIN_WORDS) == 0.0
    assert classifier_label(CLASSIFIER_HOLDS_AT - 0.001, CLASSIFIER_MIN_WORDS) < 0.5
    assert classifier_label(0.5, CLASSIFIER_MIN_WORDS) == pytest.approx(0.5 * CLASSIFIER_RANK_SCALE)
    assert classifier_label(CLASSIFIER_HOLDS_AT, CLASSIFIER_MIN_WORDS) == CLASSIFIER_HOLDS_AT
    assert classifier_label(0.97, CLASSIFIER_MIN_WORDS) == 0.97


def test_the_classifier_is_trained_on_the_shipped_questions_and_the_same_every_time():
    # given
    texts = ["When does the pool reopen?", "Je vais te retrouver, fais gaffe ce soir", "ur a clown"]

    # when
    first, second = LearnedClassifier(), LearnedClassifier()

    # then
    assert first.size == len(read_labelled()) == len(ROWS)
    assert first.probabilities(texts) == second.probabilities(texts)
    assert all(0.0 <= p <= 1.0 for p in first.probabilities(texts))


def test_a_scorer_uses_the_classifier_it_is_given():
    # given: a classifier that learned that pineapples are abuse
    examples = [("pineapple pineapples", True), ("you pineapple", True), ("the bus", False), ("a tram", False)] * 3
    scorer = OfflineScorer(classifier=LearnedClassifier(examples))

    # when
    pineapple, bus = scorer.score_batch(["what a pineapple", "when is the bus"])

    # then
    assert pineapple.labels[CLASSIFIER_LABEL] > bus.labels[CLASSIFIER_LABEL]
    assert pineapple.labels[LEXICON_LABEL] == 0.0
    assert scorer.name.endswith("classifier of 12 questions)")


def test_a_classifier_needs_both_labels():
    # given / when / then
    with pytest.raises(ValueError, match="toxic and civil"):
        LearnedClassifier([("the bus", False), ("the tram", False)])


def test_missing_training_data_makes_the_offline_scorer_unavailable_with_the_reason(tmp_path, monkeypatch):
    # given: a deployment whose package data lost the labelled questions
    from moderation.scoring import classifier
    from moderation.scoring.base import ScorerUnavailable

    monkeypatch.setattr(classifier, "TRAINING_DATA", tmp_path / "missing.tsv")

    # when / then
    with pytest.raises(ScorerUnavailable, match="training data cannot be read"):
        OfflineScorer()


@pytest.mark.parametrize(
    ("row_id", "writer"),
    [("en-001", "a"), ("fr-240", "a"), ("en-t172", "a"), ("fr-g017", "g"), ("en-k200", "k")],
)
def test_a_labelled_questions_writer_is_read_from_its_id(row_id: str, writer: str):
    assert writer_of(row_id) == writer


@pytest.mark.parametrize("row_id", ["", "de-001", "en-", "en-g", "en_g001", "en-G001"])
def test_an_id_that_names_no_writer_is_refused(row_id: str):
    with pytest.raises(ValueError):
        writer_of(row_id)


def test_every_writer_is_scored_by_a_classifier_that_never_saw_their_questions(monkeypatch):
    # given three writers, each with a phrase no other writer uses, labelled toxic in their own questions only
    rows = []
    for writer, phrase in (("g", "zorblax"), ("h", "quindle"), ("j", "vorpent")):
        rows += [(f"you are a {phrase} number {i}", True, "entoxic", writer) for i in range(6)]
        rows += [(f"when will bus {i} run for {writer}?", False, "encivil", writer) for i in range(6)]
    trained_on: list[set[str]] = []
    real = LearnedClassifier.__init__

    def spy(self, examples=None):
        trained_on.append({text for text, _ in examples})
        real(self, examples)

    monkeypatch.setattr(LearnedClassifier, "__init__", spy)

    # when
    results = cross_validated([row[:3] for row in rows], writers=[row[3] for row in rows])

    # then one classifier per writer, none trained on the writer it scores
    assert len(results) == len(rows) and len(trained_on) == 3
    for texts in trained_on:
        left_out = {writer for text, *_, writer in rows if text not in texts}
        assert len(left_out) == 1
