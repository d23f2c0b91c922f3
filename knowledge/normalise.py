"""Text normalisation shared by the index and the queries.

Pipeline: fold (case, accents with :mod:`unicodedata`, ligatures, punctuation, elisions) →
expand SMS forms → correct typos against the known vocabulary (queries only: an elision typed
without its apostrophe, then spelling distance, then same sound) → join multi-word terms →
drop stop words (negations are kept) → light stemming → shared concepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from knowledge.lexicon import (
    COMMON_WORDS,
    CONCEPTS,
    ENGLISH_MARKERS,
    FRENCH_MARKERS,
    IRREGULAR_VERBS,
    NEGATIONS,
    NOT_VERB_FORMS,
    PHRASES,
    SMS_FORMS,
    STOP_WORDS,
    TRANSLATIONS,
    VERB_PREFIXES,
    VERBS_LIKE_CONDUIRE,
    VERBS_LIKE_CONNAITRE,
    VERBS_LIKE_COUVRIR,
    VERBS_LIKE_FINIR,
    VERBS_LIKE_PEINDRE,
    VERBS_LIKE_RENDRE,
)

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXES = (
    "erions",
    "eriez",
    "erons",
    "eront",
    "erait",
    "erais",
    "erez",
    "erai",
    "aient",
    "ions",
    "iez",
    "ing",
    "ant",
    "ees",
    "ent",
    "ee",
    "er",
    "ez",
    "es",
    "ed",
    "e",
)
MIN_STEM = 3
ENGLISH_DOUBLING = ("ing", "ed")
DOUBLED = frozenset({"bb", "gg", "mm", "pp", "tt"})
"""English doubles a final consonant before ``-ing`` and ``-ed`` (``resetting``, ``stopped``,
``dragged``): it is undone with the ending. Not ``ll`` nor ``dd``, which ``calling``,
``installing`` and ``adding`` have in their verb; nor ``nn``: ``planning`` is a word of its
own."""
NOMINAL_ENDINGS = (("ication", "ier", 4), ("ation", "er", 5), ("ement", "e", 5))
"""A noun or adverb made from a verb or adjective goes back to it: ``installation`` →
``installer``, ``modification`` → ``modifier``, ``automatiquement`` → ``automatique``. The
number is the shortest root that is still a derived word (not ``paiement``, ``nation``)."""
MIN_CORRECTED = 4
"""Shorter words are too easily bent into another word: they are never corrected. At the
cutoff below, a four-letter word is only corrected for a letter left out (``pase`` →
``passe``), never for one changed."""
CORRECTION_CUTOFF = 85
AGAIN = ("re", "r")
"""French prefixes of a thing done again (``renvoyer``, ``rajouter``)."""
TIED_CHOICES = 5
"""Known words equally close to a typo that are weighed as its correction."""
CORRECTION_CACHE_LIMIT = 50_000
ELIDED = frozenset("cdjlmnst")
"""Letters French elides before a vowel: ``lasso`` is ``l'asso`` typed without its apostrophe
(and ``jcomprends`` is ``j'comprends``: no French word starts with ``j`` and a consonant)."""
VOWELS = frozenset("aeiouyh")
"""Elision also happens before a mute ``h`` (``l'heure``)."""
MIN_ELIDED_REST = 3
MIN_SOUND = 4
"""Shorter sound keys match too many words to correct towards."""
SOUND_CUTOFF = 75
"""A word corrected by its sound must still be spelled somewhat alike."""
_SOUNDS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ph", "f"),
        (r"sch|ch|sh", "S"),
        (r"qu|ck|q", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"g(?=[eiy])", "j"),
        (r"c(?=[eiy])", "s"),
        (r"c", "k"),
        (r"tion", "sion"),
        (r"eau|au", "o"),
        (r"ai|ei", "e"),
        (r"y", "i"),
        (r"h", ""),
        (r"z", "s"),
        (r"(.)\1+", r"\1"),
        (r"(?<=...)(er|ez|et|es|e|s|x)$", ""),
    )
)


ENDINGS = {
    "finir": (
        *("ir", "i", "is", "it", "ie", "ies", "isse", "isses", "issons", "issez", "issent"),
        *("issait", "issais", "issaient", "issant", "irai", "ira", "irez", "iront", "irait"),
    ),
    "rendre": (
        *("re", "s", "", "ons", "ez", "ent", "u", "ue", "us", "ues", "e", "es"),
        *("ait", "ais", "aient", "ant", "rai", "ra", "rez", "ront", "rait"),
    ),
    "conduire": ("re", "s", "t", "sons", "sez", "sent", "te", "tes", "ts", "sait", "sant"),
    "connaitre": (
        *("aitre", "ais", "ait", "aissons", "aissez", "aissent", "aissait"),
        *("u", "ue", "us", "ues"),
    ),
    "peindre": ("ndre", "ns", "nt", "gnez", "gnent", "gnait", "nte", "ntes"),
    "couvrir": ("rir", "re", "res", "rons", "rez", "rent", "rait", "rant", "ert", "erte", "erts"),
}
"""Endings of the verb families the light stemmer cannot bring together, after the root (the
infinitive without as many letters as its model's first ending has): ``remplir``, ``rempli``,
``remplissez``; ``répondre``, ``réponds``, ``répondu``; ``traduis``; ``connais``; ``atteins``;
``offert``."""
FAMILIES = {
    "finir": VERBS_LIKE_FINIR,
    "rendre": VERBS_LIKE_RENDRE,
    "conduire": VERBS_LIKE_CONDUIRE,
    "connaitre": VERBS_LIKE_CONNAITRE,
    "peindre": VERBS_LIKE_PEINDRE,
    "couvrir": VERBS_LIKE_COUVRIR,
}


def verb_forms() -> dict[str, str]:
    """Each conjugated form of the lexicon's verbs (folded), with its infinitive."""
    conjugated: dict[str, tuple[str, ...]] = dict(IRREGULAR_VERBS)
    for model, verbs in FAMILIES.items():
        endings = ENDINGS[model]
        for verb in verbs:
            root = verb[: -len(endings[0])]
            conjugated[verb] = tuple(root + ending for ending in endings)
    for verb, prefixes in VERB_PREFIXES.items():
        for prefix in prefixes:
            conjugated[prefix + verb] = tuple(prefix + form for form in conjugated[verb])
    forms: dict[str, str] = {}
    for verb, own in conjugated.items():
        for form in (verb, *own):
            forms.setdefault(form, verb)
    return {form: verb for form, verb in forms.items() if form not in NOT_VERB_FORMS}


def plausible_typo(typed: str, known: str) -> bool:
    """Whether ``typed`` could be ``known`` mistyped. A word that holds another whole, with
    letters added in front or two more at the end, is a word of its own, not a slip:
    ``immobile`` is not ``mobile``, ``debloquer`` not ``bloquer``, ``demission`` not
    ``mission``; nor is a word that another holds whole with letters in front (``fiche`` is
    not ``affiche``). An elided letter typed without its apostrophe (``jrajoute``) and the prefix of
    a thing done again (``rajouter`` is ``ajouter``) are not such letters."""
    if typed[0] != known[0] and typed[0] in ELIDED and typed[1:2] in (known[:1], "r"):
        typed = typed[1:]
    for again in AGAIN:
        if typed[0] != known[0] and typed.startswith(again) and typed[len(again) :][:1] == known[0]:
            typed = typed[len(again) :]
            break
    if known in typed:
        return typed.startswith(known) and len(typed) - len(known) < 2
    # and the reverse: ``fiche`` is not ``affiche`` with its first letters left out
    return typed not in known or known.startswith(typed)


def fold(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: accents, punctuation and
    apostrophes (hence French elisions: ``l'adresse`` → ``l adresse``) are gone."""
    lowered = text.lower().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped).strip()


def stem(word: str) -> str:
    """A light stemmer for French and English: plural, then one verb or adjective ending."""
    if len(word) <= MIN_STEM or word.isdigit():
        return word
    if word[-1] in "sx" and len(word) > MIN_STEM + 1 and not word.endswith("ss"):
        word = word[:-1]
    for ending, base, shortest_root in NOMINAL_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= shortest_root:
            word = word[: -len(ending)] + base
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            if suffix in ENGLISH_DOUBLING and word[-2:] in DOUBLED:
                word = word[:-1]
            break
    if word.endswith("y"):
        word = word[:-1] + "i"
    return word


def sound(word: str) -> str:
    """A rough French phonetic key: ``telefone`` and ``telephone``, ``discution`` and
    ``discussion``, ``gestionere`` and ``gestionnaire`` sound alike."""
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word


def detect_language(text: str, default: str) -> str:
    """``en`` or ``fr`` from function words; ``default`` when the text does not tell."""
    words = fold(text).split()
    english = sum(1 for w in words if w in ENGLISH_MARKERS)
    french = sum(1 for w in words if w in FRENCH_MARKERS)
    if english >= 2 and english > french:
        return "en"
    if french >= 2 and french > english:
        return "fr"
    return default


PhraseIndex = dict[str, list[tuple[list[str], list[str]]]]
"""First word → (the term's words, the words it stands for), longest term first."""


def _phrases_by_first_word(phrases: dict[str, str]) -> PhraseIndex:
    """Multi-word terms by their first word, longest first: at each word the longest term that
    starts there wins."""
    by_first: PhraseIndex = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        words = phrase.split()
        by_first.setdefault(words[0], []).append((words, phrases[phrase].split()))
    return by_first


def _join_phrases(words: list[str], by_first: PhraseIndex) -> list[str]:
    """``words`` with every multi-word term replaced by what it stands for, left to right."""
    result: list[str] = []
    at = 0
    while at < len(words):
        for phrase, meaning in by_first.get(words[at], ()):
            if words[at : at + len(phrase)] == phrase:
                result.extend(meaning)
                at += len(phrase)
                break
        else:
            result.append(words[at])
            at += 1
    return result


class Normaliser:
    """Turns text into concept tokens. Build once; :meth:`learn` the indexed vocabulary so
    that queries' typos can be corrected towards words the knowledge base really uses."""

    def __init__(self) -> None:
        self._phrases = _phrases_by_first_word(PHRASES)
        self._concept_of: dict[str, str] = {}
        for concept, words in CONCEPTS.items():
            for word in (concept, *words):
                self._concept_of.setdefault(stem(word), concept)
        for english, french in TRANSLATIONS.items():
            target = stem(french)
            self._concept_of.setdefault(stem(english), self._concept_of.get(target, target))
        self._known: set[str] = set(STOP_WORDS) | set(SMS_FORMS) | set(COMMON_WORDS)
        self._known.update(TRANSLATIONS)
        # A verb's forms share its token, unless the lexicon already gives a form a meaning.
        self._verb_token: dict[str, str] = {}
        for form, verb in verb_forms().items():
            self._known.add(form)
            if form not in STOP_WORDS and stem(form) not in self._concept_of:
                self._verb_token[form] = self._concept_of.get(stem(verb), stem(verb))
        for text in (*SMS_FORMS.values(), *PHRASES, *PHRASES.values()):
            self._known.update(text.split())
        for words in CONCEPTS.values():
            self._known.update(words)
        self._vocabulary: list[str] = []
        self._by_sound: dict[str, str] = {}
        self._corrections: dict[str, str] = {}

    def learn(self, texts: Iterable[str]) -> None:
        """Add the words of indexed texts to the vocabulary used to correct typos."""
        for text in texts:
            self._known.update(self._expand(fold(text)).split())
        self._vocabulary = sorted(
            w
            for w in self._known
            if len(w) >= MIN_CORRECTED and not w.isdigit() and w not in COMMON_WORDS
        )
        self._by_sound = {}
        for word in self._vocabulary:
            key = sound(word)
            if len(key) >= MIN_SOUND:
                self._by_sound.setdefault(key, word)
        self._corrections.clear()

    @staticmethod
    def _expand(folded: str) -> str:
        return " ".join(SMS_FORMS.get(word, word) for word in folded.split())

    def _correct(self, word: str) -> str:
        if word in self._known or word.isdigit():
            return word
        rest = word[1:]
        if (
            word[0] in ELIDED
            and (rest[:1] in VOWELS or word[0] == "j")
            and len(rest) >= MIN_ELIDED_REST
            and rest in self._known
            and rest not in STOP_WORDS
        ):
            return f"{word[0]} {SMS_FORMS.get(rest, rest)}"
        if len(word) < MIN_CORRECTED:
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        cutoff = CORRECTION_CUTOFF
        closest = process.extract(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=TIED_CHOICES
        )
        # Only the closest words are weighed, and only when none of them is implausible: a
        # farther or equally close other word is not a better guess.
        tied = [known for known, similarity, _ in closest if similarity == closest[0][1]]
        found = tied[0] if tied and all(plausible_typo(word, k) for k in tied) else None
        if found:
            corrected = SMS_FORMS.get(found, found)
        else:
            key = sound(word)
            alike = self._by_sound.get(key) if len(key) >= MIN_SOUND else None
            if alike and fuzz.ratio(word, alike) >= SOUND_CUTOFF:
                corrected = SMS_FORMS.get(alike, alike)
            else:
                corrected = word
        if len(self._corrections) < CORRECTION_CACHE_LIMIT:
            self._corrections[word] = corrected
        return corrected

    def tokens(self, text: str, *, correct: bool = False) -> list[str]:
        """Concept tokens of ``text``, in order, stop words dropped, negations kept."""
        words = self._expand(fold(text)).split()
        if correct:
            # a correction may be two words (an elision typed without its apostrophe)
            words = " ".join(self._correct(w) for w in words).split()
        result: list[str] = []
        for word in _join_phrases(words, self._phrases):
            if word in NEGATIONS:
                result.append(word)
                continue
            if word in STOP_WORDS or len(word) < 2:
                continue
            stemmed = stem(word)
            token = self._concept_of.get(stemmed)
            result.append(token or self._verb_token.get(word, stemmed))
        return result
