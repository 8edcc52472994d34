"""The duplicate engine (moderation/duplicates.py): pure, no database."""

from __future__ import annotations

from moderation.duplicates import THRESHOLD, Matcher, normal_form, suggest

OPEN = [
    (1, "When will the tram line 3 extension to Eastfield open?"),
    (2, "Why are the bins in Riverside only collected every two weeks?"),
    (3, "Pourquoi la piscine est-elle fermée depuis juin ?"),
    (4, "Can the library stay open later on Thursdays?"),
    (5, "Quel est le budget des écoles pour 2027 ?"),
]


def top(text: str, candidates=OPEN) -> int | None:
    found = suggest(text, candidates)
    return found[0].id if found else None


def test_the_normal_form_folds_case_accents_punctuation_and_function_words():
    assert normal_form("Pourquoi la piscine est-elle FERMÉE ?") == "pourquoi piscine fermee"
    assert normal_form("the of and") == "the of and"  # nothing else: all kept


def test_words_in_another_order_are_suggested():
    # given a question asked with its words moved around
    # then the first one is suggested, above the threshold
    found = suggest("Riverside bins: why are they collected only every two weeks?", OPEN)
    assert [s.id for s in found][:1] == [2]
    assert found[0].similarity >= THRESHOLD


def test_spelling_changes_and_sms_register_are_suggested():
    assert top("why r the bins in riversid only colected every 2 weeks??") == 2
    assert top("could the libary stay open later on thursday evenings") == 4


def test_french_without_accents_matches_french_with_accents():
    assert top("pourquoi la piscine est fermee depuis juin") == 3


def test_a_hard_negative_on_the_same_topic_is_not_suggested():
    # same budget, another year; same tram line, another question
    assert top("Quel est le budget des écoles pour 2029 et 2030 ?") in (None, 5)
    assert top("What time does the last tram on line 3 run at night?") is None
    assert top("Can the library buy more books in Polish?") is None


def test_only_the_candidates_given_are_suggested_best_first_at_most_three():
    # given the same question open four times (the caller passes open questions only)
    same = [(i, "Why are the bins in Riverside only collected every two weeks?") for i in (9, 7, 8, 6)]
    found = suggest("Why are bins in Riverside only collected every two weeks?", same)
    # then three, ties broken by the older (smaller) id
    assert [s.id for s in found] == [6, 7, 8]
    assert suggest("anything", []) == []


def test_a_closed_question_is_not_suggested_when_left_out_of_the_candidates():
    # the selector passes only open questions: without id 2, nothing close enough remains
    open_only = [item for item in OPEN if item[0] != 2]
    assert top("Why are the bins in Riverside only collected every two weeks?", open_only) is None


def test_the_threshold_and_limit_are_settings():
    loose = Matcher(threshold=0.0, limit=5)
    assert len(loose.suggest("library", OPEN)) == 5
    assert Matcher(threshold=1.01).suggest(OPEN[0][1], OPEN) == []


def test_the_cached_hashed_features_give_tfidf_vectorizers_cosines():
    # the engine claims TfidfVectorizer(char_wb, 2-4, sublinear_tf) similarities without refitting it
    from sklearn.feature_extraction.text import TfidfVectorizer

    from moderation.duplicates import NGRAM_RANGE

    texts = [text for _, text in OPEN] + ["why r the bins in riverside only colected every 2 weeks??"]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, lowercase=False)
    matrix = vectorizer.fit_transform([normal_form(text) for text in [texts[-1], *texts[:-1]]])
    expected = (matrix[1:] @ matrix[0].T).toarray().ravel()
    got = Matcher().similarities(texts[-1], texts[:-1])
    assert max(abs(expected - got)) < 0.002
