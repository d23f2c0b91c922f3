"""The matcher on its own: ranking, confidence, the three outcomes, language twins."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.config import DEFAULT_KNOWLEDGE_DIR
from knowledge.loader import Tutorial, load_directory
from knowledge.matcher import (
    CONFIDENCE_FEATURES,
    DEFAULT_MODEL,
    FEATURES,
    FEW_PHRASINGS,
    STORY_WEIGHT,
    Matcher,
    Measures,
)


def tutorial(id_: str, title: str, lang: str = "fr", *questions: str, body: str = "") -> Tutorial:
    return Tutorial(
        id=id_,
        title=title,
        lang=lang,
        category=None,
        tags=(),
        questions=questions,
        body=body or "1. Une étape.\n2. Une autre.",
        path=Path(f"{id_}.md"),
    )


@pytest.fixture(scope="module")
def bundled() -> Matcher:
    return Matcher(load_directory(DEFAULT_KNOWLEDGE_DIR).tutorials)


def test_model_matches_the_measurements() -> None:
    assert len(DEFAULT_MODEL.rank_weights) == len(FEATURES)
    assert len(DEFAULT_MODEL.confidence_weights) == len(CONFIDENCE_FEATURES)
    assert 0 < DEFAULT_MODEL.suggest <= DEFAULT_MODEL.relevant < DEFAULT_MODEL.answer < 1


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cmt je met une piece jointe dans un mail", "email-attachment"),
        ("mdp oublié", "password-forgotten"),
        ("comment faire une capture d'ecran sur mon telephone", "phone-screenshot"),
        ("how do I spot a phishing email", "phishing-email-en"),
        ("how do I forward an email", "email-reply-forward"),
    ],
)
def test_clear_questions_are_answered(bundled: Matcher, question: str, expected: str) -> None:
    result = bundled.match(question, "fr")
    assert result.outcome == "answer"
    assert result.answer is not None
    assert result.answer.tutorial.id == expected
    assert 0.0 <= result.answer.confidence <= 1.0
    assert expected not in [c.tutorial.id for c in result.suggestions]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("mon téléphone me dit qu'il n'y a plus de place pour les photos", "phone-storage-full"),
        ("comment photographier ce qu'il y a sur l'écran de mon ordinateur", "computer-screenshot"),
        ("how do I get the minutes on paper from my laptop", "print-document"),
        # filling a form in is not making one
        (
            "j'ai rempli le formulaire mais je ne sais pas où cliquer pour l'envoyer",
            "online-form-fill",
        ),
        ("comment faire un formulaire d'inscription pour le repas", "online-form"),
    ],
)
def test_everyday_wording_finds_the_tutorial(
    bundled: Matcher, question: str, expected: str
) -> None:
    result = bundled.match(question, "fr")
    assert result.answer is not None
    assert result.answer.tutorial.id == expected


def test_a_missions_free_places_are_not_a_phones_storage(bundled: Matcher) -> None:
    result = bundled.match("est-ce qu'il reste de la place pour la distribution de samedi", "fr")
    shown = ([result.answer] if result.answer else []) + list(result.suggestions)
    assert shown
    assert shown[0].tutorial.id != "phone-storage-full"


def test_a_question_that_fits_several_tutorials_gets_suggestions(bundled: Matcher) -> None:
    result = bundled.match("mot de passe", "fr")
    assert result.outcome == "suggestions"
    ids = [c.tutorial.id for c in result.suggestions]
    assert 2 <= len(ids) <= 3
    assert all(i.startswith("password") for i in ids)


@pytest.mark.parametrize(
    "question",
    [
        "quelle est la recette des crêpes",
        "comment envoyer un colis à l'étranger",
        "le zoom de mon appareil photo est cassé",
        "who won the football game last night",
    ],
)
def test_off_topic_and_near_misses_get_no_answer(bundled: Matcher, question: str) -> None:
    assert bundled.match(question, "fr").answer is None


def test_checking_an_address_is_not_answered_with_two_step_verification(bundled: Matcher) -> None:
    result = bundled.match("comment vérifier mon adresse mail", "fr")
    assert result.answer is None or result.answer.tutorial.id != "two-factor"


def test_suggestions_do_not_repeat_a_topic_in_the_other_language(bundled: Matcher) -> None:
    result = bundled.match("how do I send an attachment with my email", "en")
    ranking = ([result.answer] if result.answer else []) + list(result.suggestions)
    ids = [c.tutorial.id for c in ranking]
    assert ids[0] == "email-attachment-en"
    assert "email-attachment" not in ids


def test_an_english_question_may_get_a_french_tutorial_when_none_fits() -> None:
    matcher = Matcher(
        [
            tutorial("loto", "Organiser un loto", "fr", "Comment organiser un loto ?"),
            tutorial("cake", "Bake a cake for the fair", "en", "How do I bake a cake?"),
        ]
    )
    result = matcher.match("how do I organiser a loto night", "en")
    ranking = ([result.answer] if result.answer else []) + list(result.suggestions)
    assert ranking[0].tutorial.id == "loto"


def test_a_french_question_finds_a_tutorial_written_only_in_english() -> None:
    matcher = Matcher(
        [
            tutorial("strong", "Choose a strong password", "en", "What makes a good password?"),
            tutorial("wifi", "Connect to a Wi-Fi network", "en", "How do I get online?"),
            tutorial("print", "Imprimer un document", "fr", "Comment imprimer ?"),
        ]
    )
    result = matcher.match("comment choisir un bon mot de passe", "fr")
    ranking = ([result.answer] if result.answer else []) + list(result.suggestions)
    assert ranking[0].tutorial.id == "strong"
    _, measured = matcher.measure("comment choisir un bon mot de passe", "fr")
    strong = next(m for m in measured if m.tutorial.id == "strong")
    assert strong.values[FEATURES.index("coverage")] == pytest.approx(1.0)


def test_ranking_prefers_the_tutorial_whose_phrasing_fits() -> None:
    matcher = Matcher(
        [
            tutorial("join", "Rejoindre une visio", "fr", "J'ai reçu un lien, comment entrer ?"),
            tutorial("host", "Organiser une visio", "fr", "Comment inviter les membres ?"),
            tutorial("print", "Imprimer un document", "fr", "Comment imprimer ?"),
        ]
    )
    language, measured = matcher.measure("j'ai un lien pour la visio, comment j'entre", "fr")
    assert language == "fr"
    ranked = matcher.rank(measured)
    assert ranked[0].tutorial.id == "join"
    assert ranked[0].confidence > ranked[-1].confidence


def test_empty_and_unknown_questions() -> None:
    matcher = Matcher([tutorial("print", "Imprimer un document", "fr")])
    assert matcher.match("", "fr").outcome == "none"
    assert matcher.match("?!", "fr").outcome == "none"
    assert matcher.match("xyzzy plugh", "fr").outcome == "none"
    assert Matcher([]).match("imprimer", "fr").outcome == "none"


def test_translations_named_after_each_other_are_twins() -> None:
    matcher = Matcher(
        [
            tutorial("loto", "Organiser un loto", "fr"),
            tutorial("loto-en", "Run a bingo night", "en"),
            tutorial("quiz", "Run a quiz night", "en"),
        ]
    )
    assert matcher.twins_of("loto") == {"loto-en"}
    assert matcher.twins_of("loto-en") == {"loto"}
    assert matcher.twins_of("quiz") == frozenset()


def test_a_question_word_for_word_a_phrasing_is_answered_in_a_tiny_base() -> None:
    matcher = Matcher([tutorial("loto", "Run a bingo night", "en")])
    result = matcher.match("run a bingo night", "en")
    assert result.answer is not None
    assert result.answer.tutorial.id == "loto"


def test_a_thin_tutorial_is_found_by_its_steps() -> None:
    steps = (
        "1. Ouvrez le panneau de configuration.\n"
        "2. Choisissez le clavier et la langue de saisie.\n"
        "3. Ajoutez la disposition AZERTY."
    )
    question = "choisir la langue de saisie du clavier"
    others = [
        tutorial("clean", "Nettoyer le clavier", "fr", body="1. Éteignez l'ordinateur."),
        tutorial("print", "Imprimer un document", "fr", body="1. Ouvrez le fichier."),
    ]
    thin = Matcher([tutorial("keys", "Régler l'ordinateur", "fr", body=steps), *others])
    _, candidates = thin.measure(question)
    assert thin.rank(candidates)[0].tutorial.id == "keys"
    measured = {m.tutorial.id: m for m in candidates}
    assert measured["keys"].value("fuzzy_sort") == 1.0, "the question is worded like a step"
    assert measured["keys"].value("phrasing_count") == 0.0, "steps are not alternate questions"
    # a well-phrased tutorial is measured on its own phrasings, not on its steps
    asked = ["Comment régler l'ordinateur ?"] * FEW_PHRASINGS
    rich = Matcher([tutorial("keys", "Régler l'ordinateur", "fr", *asked, body=steps), *others])
    measured = {m.tutorial.id: m for m in rich.measure(question)[1]}
    assert measured["keys"].value("fuzzy_sort") < 1.0


def test_a_question_word_for_word_a_step_is_not_answered_for_that_alone() -> None:
    steps = "1. Ouvrez le panneau de configuration du clavier.\n2. Choisissez AZERTY."
    matcher = Matcher([tutorial("keys", "Régler l'ordinateur", "fr", body=steps)])
    candidate = matcher.rank(matcher.measure("ouvrir panneau configuration clavier")[1])[0]
    assert candidate.tutorial.id == "keys"
    assert not candidate.exact
    assert matcher.rank(matcher.measure("régler l'ordinateur")[1])[0].exact


def test_who_asked_weighs_less_than_what_is_asked() -> None:
    """The treasurer and the president in a question are the story around it: a tutorial
    that mentions them is not the answer for that alone."""
    matcher = Matcher(
        [
            tutorial("attach", "Joindre un fichier à un e-mail", "fr", "Comment ajouter une PJ ?"),
            tutorial(
                "reply",
                "Répondre à un e-mail",
                "fr",
                "La trésorière et la présidente m'ont écrit, comment leur répondre ?",
            ),
            tutorial("print", "Imprimer un document", "fr"),
        ]
    )
    question = "la trésorière et la présidente m'ont demandé le fichier par mail"
    assert matcher.rank(matcher.measure(question)[1])[0].tutorial.id == "attach"
    assert matcher._weight("tresorier") == STORY_WEIGHT * matcher._idf["tresorier"]


def test_when_both_versions_fit_the_askers_language_is_shown() -> None:
    matcher = Matcher(
        [
            tutorial("email-attachment", "Joindre un fichier à un e-mail", "fr"),
            tutorial("email-attachment-en", "Attach a file to an email", "en"),
        ]
    )
    for question, language in [
        ("how do I attach a file to an email", "en"),
        ("comment joindre un fichier a un mail", "fr"),
    ]:
        result = matcher.match(question, language)
        shown = [result.answer] if result.answer else list(result.suggestions)
        assert shown, question
        assert {c.tutorial.lang for c in shown} == {language}


def test_phrasing_count_is_measured_per_tutorial() -> None:
    thin = tutorial("thin", "Régler le réveil", "fr", "Comment mettre une alarme ?")
    rich = tutorial(
        "rich",
        "Régler la sonnerie",
        "fr",
        *(f"Comment changer la sonnerie numéro {n} ?" for n in range(12)),
    )
    _, measured = Matcher([thin, rich]).measure("régler", "fr")
    counts = {m.tutorial.id: m.value("phrasing_count") for m in measured}
    assert counts == {"thin": pytest.approx(math.log(2)), "rich": pytest.approx(math.log(13))}


def test_more_phrasings_alone_do_not_win() -> None:
    """Best-of-many similarities favour tutorials with many phrasings: with every other
    measurement equal, the tutorial with fewer phrasings ranks first."""
    thin = tutorial("thin", "Régler le réveil", "fr", "Comment mettre une alarme ?")
    rich = tutorial("rich", "Régler la sonnerie", "fr", "Une", "Deux", "Trois", "Quatre")
    values = [0.5] * len(FEATURES)
    count = FEATURES.index("phrasing_count")
    measured = []
    for one in (rich, thin):
        mine = list(values)
        mine[count] = math.log1p(len(one.questions))
        measured.append(Measures(one, tuple(mine), 0.0))
    ranked = Matcher([thin, rich]).rank(measured)
    assert [c.tutorial.id for c in ranked] == ["thin", "rich"]


def test_fast_measurements_equal_the_direct_computation(bundled: Matcher) -> None:
    """The per-phrasing index and the token-set shortcut give what rapidfuzz and plain set
    arithmetic give over every phrasing."""
    questions = [
        "cmt je met une piece jointe dans un mail",
        "mot de passe oublié",
        "envoyer photo",
        "comment installer une application sur mon téléphone pour les réunions en vidéo",
        "wifi",
        "how do I forward an email to the treasurer",
    ]
    checked = shortcut = 0
    for question in questions:
        _, measured = bundled.measure(question, "fr")
        query = list(dict.fromkeys(bundled.normaliser.tokens(question, correct=True)))
        asked = " ".join(sorted(query))
        weights = {t: bundled._weight(t) for t in query}
        for measures in measured:
            document = next(d for d in bundled._documents if d.tutorial is measures.tutorial)
            best_set = max(fuzz.token_set_ratio(asked, p) for p in document.phrasings) / 100
            assert measures.value("fuzzy_set") == best_set
            shares = [
                sum(weights[t] for t in set(query) & set(tokens)) / total
                for tokens, total in zip(
                    document.phrasing_tokens, document.phrasing_totals, strict=True
                )
            ]
            assert measures.value("phrasing_coverage") == pytest.approx(max(shares), abs=1e-12)
            checked += 1
            shortcut += best_set == 1.0
    assert checked > 40
    assert shortcut > 0


def test_a_tutorial_written_with_few_questions_is_suggested_rather_than_answered(
    bundled: Matcher,
) -> None:
    question = "comment répondre à quelqu'un qui m'a écrit par mail"
    rich = bundled.match(question)
    assert rich.answer is not None
    assert rich.answer.tutorial.id == "email-reply-forward"
    thin = Matcher([replace(t, questions=()) for t in bundled.tutorials])
    assert thin.rank(thin.measure(question)[1])[0].confidence >= thin.model.answer
    result = thin.match(question)
    assert result.answer is None, "no alternate questions: too little known to answer outright"
    assert result.suggestions[0].tutorial.id == "email-reply-forward", "offered first instead"
    thresholds = [
        thin.answer_threshold(tutorial("t", "Titre", "fr", *["q"] * n))
        for n in range(FEW_PHRASINGS + 2)
    ]
    assert thresholds == sorted(thresholds, reverse=True)
    assert thresholds[0] > 0.98
    assert thresholds[FEW_PHRASINGS] == thresholds[-1] == thin.model.answer
    assert thresholds[FEW_PHRASINGS - 1] > thin.model.answer
