"""Normalisation: accents, elisions, SMS forms, typos, stemming, negations, shared concepts."""

from __future__ import annotations

import pytest

from knowledge.lexicon import CONCEPTS
from knowledge.normalise import Normaliser, detect_language, fold, stem


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    n = Normaliser()
    n.learn(["Joindre un fichier à un e-mail", "Réinitialiser son mot de passe oublié"])
    return n


def test_fold_strips_case_accents_ligatures_and_punctuation() -> None:
    assert fold("Œuvre à l'École, ÇA VA ?!") == "oeuvre a l ecole ca va"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("envoyer", "envoyé"),
        ("fichiers", "fichier"),
        ("envoie", "envoyez"),
        ("photos", "photo"),
        ("installation", "installer"),
        ("modification", "modifier"),
        ("publication", "publier"),
        ("automatiquement", "automatique"),
        ("téléchargement", "télécharger"),
    ],
)
def test_stemming_conflates_forms(a: str, b: str) -> None:
    assert stem(fold(a)) == stem(fold(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [("resetting", "reset"), ("stopped", "stop"), ("calling", "call"), ("adding", "add")],
)
def test_english_doubled_consonants_are_undone_with_their_ending(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(("a", "b"), [("paiement", "paie"), ("nation", "ner"), ("element", "ele")])
def test_short_roots_are_not_taken_for_derived_words(a: str, b: str) -> None:
    assert stem(fold(a)) != stem(fold(b))


def test_sms_forms_and_multiword_terms(normaliser: Normaliser) -> None:
    assert normaliser.tokens("cmt envoyer une pj") == normaliser.tokens(
        "comment envoyer une pièce jointe"
    )
    assert "motdepasse" in normaliser.tokens("mdp oublié")
    assert "motdepasse" in normaliser.tokens("j'ai perdu mon mot de passe")


def test_english_and_french_meet_in_shared_concepts(normaliser: Normaliser) -> None:
    assert set(normaliser.tokens("forgot my password")) == set(
        normaliser.tokens("mot de passe oublié")
    )
    assert normaliser.tokens("courriel") == normaliser.tokens("email") == ["mail"]
    # "égaré" is lost, not a misspelt "gare" (a station)
    lost = normaliser.tokens("perdu")
    assert normaliser.tokens("égaré", correct=True) == normaliser.tokens("misplaced") == lost
    # "passez-moi quelqu'un" asks to speak to them; "passé" alone is not "faire passer" a mail
    talk = normaliser.tokens("parler à un humain")
    assert normaliser.tokens("passez-moi un humain") == normaliser.tokens("passé moi un humain")
    assert normaliser.tokens("passez-moi un humain") == talk
    assert normaliser.tokens("put me through to a human") == talk


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Choose a strong password", "Choisir un mot de passe solide"),
        ("Spot a phishing email", "Reconnaître un e-mail frauduleux"),
        ("click the button at the top", "cliquer sur le bouton en haut"),
        ("send it to the treasurer tonight", "l'envoyer au trésorier ce soir"),
    ],
)
def test_the_words_of_tutorials_meet_across_languages(english: str, french: str) -> None:
    n = Normaliser()
    assert set(n.tokens(english)) == set(n.tokens(french))


def test_translations_do_not_take_french_words_for_english_ones() -> None:
    n = Normaliser()
    # "fille" (a daughter) shares its stem with "fill": it stays a daughter, not "remplir"
    assert n.tokens("ma fille") == n.tokens("my daughter")
    assert n.tokens("ma fille") != n.tokens("remplir")
    # "taper" (to type) is not "tap" (touch)
    assert n.tokens("tapez le code") != n.tokens("touchez le code")


def test_to_check_something_is_not_two_step_verification(normaliser: Normaliser) -> None:
    assert "doubleauth" not in normaliser.tokens("comment vérifier mon adresse mail")
    assert "doubleauth" not in normaliser.tokens("how do I check my email")
    assert normaliser.tokens("vérifier") == normaliser.tokens("check")
    for two_step in ("la vérification supplémentaire", "une deuxième vérification", "2-step"):
        assert "doubleauth" in normaliser.tokens(two_step), two_step


def test_english_function_words_carry_no_topic(normaliser: Normaliser) -> None:
    assert normaliser.tokens("so the secretary gets it too") == normaliser.tokens("secretary")
    assert normaliser.tokens("because the printer is usually slow") == normaliser.tokens(
        "printer slow"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("remplissez", "j'ai rempli"),
        ("choisir", "je choisis"),
        ("répondre", "il a répondu"),
        ("attends", "attendre"),
        ("prenez", "pris"),
        ("tiens", "tenu"),
        ("je connais", "connaître"),
        ("transmettez", "transmis"),
        ("j'obtiens", "obtenu"),
        ("traduisez", "traduit"),
        ("offert", "offrir"),
        ("il apparaît", "apparu"),
    ],
)
def test_a_verb_s_forms_share_one_token(a: str, b: str) -> None:
    n = Normaliser()
    assert n.tokens(a) == n.tokens(b)


def test_family_words_made_of_two_are_not_sizes() -> None:
    n = Normaliser()
    assert "grand" not in n.tokens("la recette de ma grand-mère")
    assert "petit" not in n.tokens("ma petite-fille a joué avec mon téléphone")
    assert n.tokens("my grandson") == n.tokens("mon petit-fils")
    assert set(n.tokens("le texte est trop petit")) == set(n.tokens("agrandir le texte"))


def test_a_road_is_not_a_router() -> None:
    n = Normaliser()
    n.learn(["Redémarrer le routeur (la box)"])
    assert n.tokens("router") == n.tokens("routeur")
    for text in ("une route", "un mot de passe qui tient la route", "le code de la route"):
        assert not set(n.tokens(text, correct=True)) & set(n.tokens("routeur"))


@pytest.mark.parametrize(
    ("everyday", "digital"),
    [
        ("mes données", "faire un don"),
        ("le club de foot", "le pied de page"),
        ("former les bénévoles", "un formulaire"),
        ("assister à la réunion", "un assistant"),
        ("la charte de l'association", "un graphique"),
        ("taper les accents", "l'accès au document"),
        ("ma fille", "fill in a form"),
        ("un reçu fiscal", "recevoir un e-mail"),
        ("mes contacts", "contacter un bénévole"),
        ("mon espace adhérent", "l'espace de stockage"),
        ("signaler un SMS frauduleux", "un groupe Signal"),
        ("j'ai reçu plein de messages", "mon téléphone est plein"),
        ("un code à chaque connexion", "le Wi-Fi"),
        ("entre 14 h et 16 h", "entrer dans la réunion"),
        ("le site de la CAF", "le Wi-Fi d'un café"),
        ("join the team", "a Teams meeting"),
        ("comment vous joindre ?", "joindre un fichier"),
        ("donner de mon temps", "faire un don"),
        ("un poste de secours", "poster une photo"),
        ("tirer au sort les gagnants", "imprimer un document"),
        ("en tout cas merci", "cocher la case"),
        ("la clé est plantée dans l'ordinateur", "tout a planté"),
        ("mes écouteurs sans fil", "le Wi-Fi"),
        ("où stocker mes photos", "un gestionnaire de mots de passe"),
        ("mettre le son plus fort", "un mot de passe fort"),
        ("une photo de mon chat", "parler au robot dans le chat"),
        ("la mission est pleine", "mon téléphone est plein"),
        ("arrêter les notifications de Facebook", "recevoir les annonces de l'association"),
        ("mon robot aspirateur", "parler au robot"),
        ("annuler mon rendez-vous chez le médecin", "annuler mon inscription à la mission"),
        ("j'ai l'impression qu'il va pleuvoir", "imprimer un document"),
        ("ma voisine s'appelle Jeanne", "appeler la mairie"),
        ("je me suis rendu compte de mon erreur", "mon compte est piraté"),
        ("une personne âgée du quartier", "parler à une vraie personne"),
        ("le transférer à une autre personne", "parler à une vraie personne"),
        ("the days we are free", "a free app"),
        ("the days we're free", "a free app"),
        ("full of odd spelling", "my phone is full"),
        ("un document Google", "faire une recherche sur Google"),
        ("participer à une réunion en visio", "s'inscrire à une mission"),
        ("joining a video meeting", "signing up for a mission"),
        ("c'est l'enfer à recopier", "les enfants"),
        ("ouvrir un compte bancaire pour l'association", "ouvrir une boîte mail"),
        ("assister à une visio", "s'inscrire à une mission"),
        ("scanner son ordinateur avec l'antivirus", "scanner un document"),
        ("la taille d'une photo", "la taille du texte"),
        ("écouter sa messagerie vocale", "ouvrir sa messagerie e-mail"),
        ("low signal", "le groupe Signal"),
        ("à l'issue de la réunion", "an issue with my phone"),
    ],
)
def test_everyday_words_are_not_their_digital_look_alikes(everyday: str, digital: str) -> None:
    n = Normaliser()
    assert not set(n.tokens(everyday)) & set(n.tokens(digital))


def test_everyday_words_are_not_corrected_into_digital_ones() -> None:
    n = Normaliser()
    n.learn(["Reconnaître le chantage", "Taper les accents", "Remplir un formulaire (form)"])
    for everyday, digital in (("chante", "chantage"), ("accident", "accent"), ("forum", "form")):
        assert n.tokens(everyday, correct=True) != n.tokens(digital)


def test_verb_forms_give_way_to_other_words_and_to_the_lexicon() -> None:
    n = Normaliser()
    assert n.tokens("la partie") != n.tokens("partir")
    assert n.tokens("une prise") != n.tokens("prendre")
    # the lexicon already reads "perdu" as lost, not as a form of "perdre"
    assert n.tokens("perdu") == n.tokens("oublié")


def test_negations_are_kept(normaliser: Normaliser) -> None:
    assert "pas" in normaliser.tokens("je ne trouve pas mes mails")
    assert "not" in normaliser.tokens("my camera does not work")


def test_typos_are_corrected_towards_known_words_only(normaliser: Normaliser) -> None:
    assert normaliser.tokens("fichierr", correct=True) == normaliser.tokens("fichier")
    assert normaliser.tokens("reinitialisr", correct=True) == normaliser.tokens("réinitialiser")
    # everyday words are not bent into domain words
    assert normaliser.tokens("film", correct=True) == normaliser.tokens("film")
    assert normaliser.tokens("tarte", correct=True) == normaliser.tokens("tarte")


def test_language_detection() -> None:
    assert detect_language("how do I send a photo from my phone", "fr") == "en"
    assert detect_language("comment je fais pour envoyer une photo", "en") == "fr"
    assert detect_language("wifi", "en") == "en"


def test_concepts_do_not_collide() -> None:
    owners: dict[str, str] = {}
    for concept, words in CONCEPTS.items():
        for word in (concept, *words):
            key = stem(fold(word))
            assert owners.setdefault(key, concept) == concept, (
                f"{word} in {concept} and {owners[key]}"
            )


def test_a_four_letter_word_is_corrected_for_a_letter_left_out_only() -> None:
    n = Normaliser()
    n.learn(["Réinitialiser son mot de passe", "Envoyer une photo", "Lire un mail"])
    assert n.tokens("mot de pase", correct=True) == n.tokens("mot de passe")
    assert n.tokens("phto", correct=True) == n.tokens("photo")
    # a letter changed is another word as often as a typo: left alone
    assert n.tokens("main", correct=True) == n.tokens("main")  # not "mail"
    assert n.tokens("pote", correct=True) == n.tokens("pote")


def test_a_word_holding_a_known_word_is_not_corrected_into_it() -> None:
    n = Normaliser()
    n.learn(["Bloquer un numéro", "Une mission de bénévolat", "Ajouter un membre"])
    # a prefix makes another word, often the opposite: left alone
    for word in ("debloquer", "immobile", "demission"):
        assert n.tokens(word, correct=True) == n.tokens(word)
    # the same thing done again, or a letter slipped at the end, is still the known word
    assert n.tokens("rajouter", correct=True) == n.tokens("ajouter")
    assert n.tokens("bloquerr", correct=True) == n.tokens("bloquer")


def test_a_word_held_whole_by_a_known_word_is_not_corrected_into_it() -> None:
    n = Normaliser()
    n.learn(["Arranger la salle", "Ouvrir un document"])
    # letters missing from the front make another word: "ranger" is not "arranger"
    assert n.tokens("ranger", correct=True) == n.tokens("ranger")
    # a letter left out at the end is still a slip
    assert n.tokens("documen", correct=True) == n.tokens("document")


def test_stolen_means_theft_in_both_languages_and_hacking_for_an_account() -> None:
    n = Normaliser()
    assert n.tokens("stolen") == n.tokens("volé")
    assert n.tokens("my phone was stolen") == n.tokens("mon téléphone a été volé")
    assert "pirate" in n.tokens("my account was stolen")
    assert "pirate" in n.tokens("on m'a volé mon compte")


def test_words_spelled_as_they_sound_are_corrected() -> None:
    n = Normaliser()
    n.learn(["Appeler au téléphone", "Une discussion de groupe"])
    assert n.tokens("telefone", correct=True) == n.tokens("téléphone")
    assert n.tokens("discution", correct=True) == n.tokens("discussion")


def test_an_elision_typed_without_its_apostrophe_is_split() -> None:
    n = Normaliser()
    n.learn(["Le site de l'association", "Adhérer à l'asso"])
    assert n.tokens("lasso", correct=True) == n.tokens("l'asso")


def test_english_contractions_are_not_read_as_other_words(normaliser: Normaliser) -> None:
    assert normaliser.tokens("I don't receive my emails") == normaliser.tokens(
        "I do not receive my emails"
    )


@pytest.mark.parametrize(
    ("text", "means"),
    [
        ("photographier l'écran", "captureecran"),
        ("il n'y a plus de place sur mon téléphone", "stockage"),
        ("my phone has no room left", "stockage"),
        ("I need it on paper", "imprimer"),
        ("out of office", "absence"),
        ("mon ordinateur portable", "ordinateur"),
        ("la photo est à l'envers", "pivoter"),
        ("the picture is upside down", "pivoter"),
        ("l'écran ne bouge plus", "planter"),
        ("the screen went black", "noir"),
        ("fill in the form", "remplir"),
        ("l'ordinateur ne répond plus", "planter"),
        ("mon téléphone ne charge plus", "recharger"),
        ("je capte mal", "wifi"),
        ("je veux parler à quelqu'un", "humain"),
        ("je voudrais devenir bénévole", "mission"),
        ("je voudrais que son nom s'affiche quand elle m'appelle", "repertoire"),
        ("que mon téléphone ne fasse plus de bruit pendant la réunion", "silencieux"),
        ("envoyer le même message à toute l'équipe d'un coup", "groupe"),
        ("il y a une mise à jours", "majour"),
        ("my phone is flat by lunchtime", "batterie"),
        ("je voudrais me rendre utile", "mission"),
        ("tt est ecrit en pti", "petit"),
        ("turning on two-step verification", "activer"),
        ("je n'ai toujours rien reçu", "nonrecu"),
        ("I never received the email", "nonrecu"),
        ("télécharger une appli", "installer"),
        ("download the app", "installer"),
        ("dématérialiser ses papiers", "scanner"),
        ("régler sa cotisation", "payer"),
        ("faire suivre un e-mail en le redirigeant", "mail"),
        ("rediriger un mail", "transferer"),
        ("joining the Wi-Fi network", "wifi"),
        ("comment ajouter un fichier à un mail", "piecejointe"),
        ("où les mettre à l'abri", "sauvegarder"),
        ("dix ans de comptes rendus", "compterendu"),
        ("les dix bénévoles dans une seule conversation", "groupe"),
        ("the meeting host", "organiser"),
        ("print on both sides", "rectoverso"),
    ],
)
def test_everyday_expressions_read_as_the_notion_they_name(text: str, means: str) -> None:
    assert means in Normaliser().tokens(text)


def test_expressions_keep_apart_what_tutorials_keep_apart() -> None:
    n = Normaliser()
    assert "telephone" not in n.tokens("mon ordinateur portable")
    # a code received on the phone is two-step verification, not the screen lock
    assert "verrouiller" not in n.tokens("recevoir un code sur mon téléphone à chaque connexion")
    assert "verrouiller" in n.tokens("mettre un code sur son téléphone")
    assert "inscrire" not in n.tokens("how do I join a meeting")
    assert "inscrire" in n.tokens("how do I sign up for a mission")
    # the free places of a mission are not a phone's storage
    assert "stockage" not in n.tokens("est-ce qu'il reste de la place samedi ?")
