"""Greetings, thanks, goodbyes and "ok" typed as a message on their own: answered warmly, with
the menu, and never taken for a question (so they are not listed among the questions the
knowledge base lacks). Anything more ("bonjour, comment envoyer une photo ?") is a question."""

from __future__ import annotations

from enum import StrEnum

from bot.types import Button, Reply, msg
from knowledge.normalise import fold

MAX_WORDS = 8
"""Longer messages are questions, whatever words they start with."""


class Kind(StrEnum):
    """What a message of small talk does, from the strongest: thanks and goodbyes often come
    with a greeting ("bonjour et merci"), and then they are what needs an answer."""

    THANKS = "thanks"
    BYE = "bye"
    HELLO = "hello"
    OK = "ok"


_MEANINGS: dict[str, Kind] = {
    **dict.fromkeys(
        ("merci", "mrc", "remercie", "thanks", "thank", "thx", "ty", "cheers"), Kind.THANKS
    ),
    **dict.fromkeys(
        (
            "revoir",
            "bientot",
            "bye",
            "goodbye",
            "ciao",
            "tchao",
            "adieu",
            "journee",
            "soiree",
            "nuit",
            "weekend",
        ),
        Kind.BYE,
    ),
    **dict.fromkeys(
        (
            "bonjour",
            "bonsoir",
            "salut",
            "coucou",
            "bjr",
            "slt",
            "cc",
            "hello",
            "hi",
            "hey",
            "morning",
            "evening",
            "afternoon",
        ),
        Kind.HELLO,
    ),
    **dict.fromkeys(
        (
            "ok",
            "okay",
            "oki",
            "accord",
            "dac",
            "daccord",
            "entendu",
            "compris",
            "super",
            "parfait",
            "top",
            "genial",
            "nickel",
            "impeccable",
            "cool",
            "great",
            "perfect",
            "noted",
        ),
        Kind.OK,
    ),
}
_COURTESIES = frozenset(
    {
        # French: "bonjour à tous", "merci beaucoup pour votre aide", "bonne journée madame"
        "a",
        "au",
        "aux",
        "tous",
        "toutes",
        "tout",
        "le",
        "la",
        "les",
        "monde",
        "beaucoup",
        "bcp",
        "mille",
        "infiniment",
        "encore",
        "bien",
        "tres",
        "et",
        "pour",
        "votre",
        "ton",
        "ta",
        "aide",
        "je",
        "j",
        "vous",
        "te",
        "d",
        "c",
        "est",
        "ca",
        "madame",
        "monsieur",
        "mme",
        "mr",
        "bon",
        "bonne",
        "belle",
        "re",
        "entraide",
        "robot",
        # English: "thank you very much", "good morning everyone", "ok, got it"
        "you",
        "very",
        "much",
        "so",
        "all",
        "everyone",
        "there",
        "good",
        "have",
        "nice",
        "day",
        "for",
        "your",
        "help",
        "the",
        "got",
        "it",
        "and",
    }
)
_REPLIES = {
    Kind.HELLO: "small_talk.hello",
    Kind.THANKS: "small_talk.thanks",
    Kind.BYE: "small_talk.bye",
    Kind.OK: "small_talk.ok",
}


def kind_of(text: str) -> Kind | None:
    """What the message does, if it is only small talk; ``None`` for anything else."""
    words = fold(text).split()
    if not words or len(words) > MAX_WORDS:
        return None
    kinds: set[Kind] = set()
    for word in words:
        meaning = _MEANINGS.get(word)
        if meaning is not None:
            kinds.add(meaning)
        elif word not in _COURTESIES:
            return None
    return next((kind for kind in Kind if kind in kinds), None)


def reply(kind: Kind, menu: Button) -> Reply:
    """A short, warm answer and the way to the menu."""
    return Reply(text=msg(_REPLIES[kind]), buttons=((menu,),))
