"""Words of association and family life that tell the story around a question."""

from __future__ import annotations

STORY_WORDS: tuple[str, ...] = (
    # the association's people and bodies
    "trésorier",
    "trésorière",
    "président",
    "présidente",
    "secrétaire",
    "coordinatrice",
    "coordinateur",
    "responsable",
    "association",
    "asso",
    "club",
    "amicale",
    "chorale",
    "comité",
    "assemblée générale",
    "mairie",
    "maire",
    "paroisse",
    # family and neighbours
    "mari",
    "femme",
    "fils",
    "fille",
    "petite-fille",
    "petit-fils",
    "belle-fille",
    "gendre",
    "mère",
    "père",
    "sœur",
    "frère",
    "cousin",
    "cousine",
    "neveu",
    "nièce",
    "voisin",
    "voisine",
    "ami",
    "amie",
    "retraite",
    "retraitée",
    # events and places
    "brocante",
    "kermesse",
    "loto",
    "tombola",
    "fête",
    "repas",
    "sortie",
    "concert",
    "randonnée",
    "atelier",
    "maraude",
    "distribution alimentaire",
    "local",
    "salle",
    "village",
    "ville",
    # when
    "hier",
    "demain",
    "matin",
    "soir",
    "samedi",
    "semaine",
    "mois",
    "année",
    "Noël",
)
"""A volunteer's question often tells who asked, for which event and when ("la trésorière
m'a demandé pour la brocante de samedi..."): those words say little about which tutorial is
wanted, and in a base whose tutorials have few phrasings they match whichever one happens to
mention them. The matcher gives them part of their weight (``STORY_WEIGHT`` in
:mod:`knowledge.matcher`). Only words of association life, family and time: not the digital
notions, nor the words of the bot's own subjects (a mission, a sign-up)."""
