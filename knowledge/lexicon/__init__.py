"""Vocabulary for normalisation, one table per module.

Everything here is written for already folded text (lowercase, no accents). Concepts map the
many ways volunteers name one thing (``mail``, ``courriel``, ``email``) to one token, in French
and English alike, so that an English question can find a French tutorial and the reverse.

- :mod:`.sms`: SMS and familiar abbreviations (``pj``, ``mdp``, ``cmt``);
- :mod:`.phrases`: multi-word terms read as one token, and look-alikes read apart;
- :mod:`.function_words`: stop words, negations, language markers;
- :mod:`.concepts`: the words of one notion, in both languages;
- :mod:`.everyday`: everyday words the typo corrector leaves alone;
- :mod:`.translations`: English words read as the French word they translate;
- :mod:`.verbs`: French verb families and their forms;
- :mod:`.story`: words of association and family life that tell the story around a question.
"""

from knowledge.lexicon.concepts import CONCEPTS
from knowledge.lexicon.everyday import COMMON_WORDS
from knowledge.lexicon.function_words import (
    ENGLISH_MARKERS,
    FRENCH_MARKERS,
    NEGATIONS,
    STOP_WORDS,
)
from knowledge.lexicon.phrases import PHRASES
from knowledge.lexicon.sms import SMS_FORMS
from knowledge.lexicon.story import STORY_WORDS
from knowledge.lexicon.translations import TRANSLATIONS
from knowledge.lexicon.verbs import (
    IRREGULAR_VERBS,
    NOT_VERB_FORMS,
    VERB_PREFIXES,
    VERBS_LIKE_CONDUIRE,
    VERBS_LIKE_CONNAITRE,
    VERBS_LIKE_COUVRIR,
    VERBS_LIKE_FINIR,
    VERBS_LIKE_PEINDRE,
    VERBS_LIKE_RENDRE,
)

__all__ = [
    "COMMON_WORDS",
    "CONCEPTS",
    "ENGLISH_MARKERS",
    "FRENCH_MARKERS",
    "IRREGULAR_VERBS",
    "NEGATIONS",
    "NOT_VERB_FORMS",
    "PHRASES",
    "SMS_FORMS",
    "STOP_WORDS",
    "STORY_WORDS",
    "TRANSLATIONS",
    "VERBS_LIKE_CONDUIRE",
    "VERBS_LIKE_CONNAITRE",
    "VERBS_LIKE_COUVRIR",
    "VERBS_LIKE_FINIR",
    "VERBS_LIKE_PEINDRE",
    "VERBS_LIKE_RENDRE",
    "VERB_PREFIXES",
]
