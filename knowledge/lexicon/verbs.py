"""French verb families, so that the forms of one verb ("je remplis", "rempli") share its token."""

from __future__ import annotations

VERBS_LIKE_FINIR: tuple[str, ...] = (
    "aboutir",
    "agir",
    "agrandir",
    "alourdir",
    "applaudir",
    "assombrir",
    "avertir",
    "bondir",
    "choisir",
    "convertir",
    "definir",
    "eclaircir",
    "elargir",
    "enrichir",
    "etablir",
    "finir",
    "fournir",
    "garantir",
    "grandir",
    "grossir",
    "guerir",
    "investir",
    "noircir",
    "nourrir",
    "obeir",
    "rafraichir",
    "ralentir",
    "reagir",
    "rebondir",
    "reflechir",
    "remplir",
    "retablir",
    "retrecir",
    "reunir",
    "reussir",
    "saisir",
    "subir",
    "unir",
    "vieillir",
)
"""Verbs conjugated like ``finir`` (``je remplis``, ``vous choisissez``, ``rempli``)."""

VERBS_LIKE_RENDRE: tuple[str, ...] = (
    "attendre",
    "correspondre",
    "defendre",
    "dependre",
    "descendre",
    "detendre",
    "entendre",
    "etendre",
    "perdre",
    "pretendre",
    "rendre",
    "repondre",
    "revendre",
    "suspendre",
    "tendre",
    "vendre",
)
"""Verbs conjugated like ``rendre`` (``je réponds``, ``il attend``, ``perdu``)."""

VERBS_LIKE_CONDUIRE: tuple[str, ...] = (
    "conduire",
    "construire",
    "detruire",
    "introduire",
    "produire",
    "reduire",
    "traduire",
)
"""Verbs conjugated like ``conduire`` (``je traduis``, ``réduisez``, ``construit``)."""

VERBS_LIKE_CONNAITRE: tuple[str, ...] = ("apparaitre", "connaitre", "disparaitre")
"""Verbs conjugated like ``connaître`` (``je connais``, ``il apparaît``, ``disparu``)."""

VERBS_LIKE_PEINDRE: tuple[str, ...] = ("atteindre", "plaindre")
"""Verbs conjugated like ``peindre`` (``j'atteins``, ``plaignez``, ``atteint``)."""

VERBS_LIKE_COUVRIR: tuple[str, ...] = ("couvrir", "decouvrir", "offrir", "ouvrir", "souffrir")
"""Verbs conjugated like ``couvrir`` (``je découvre``, ``offert``)."""

IRREGULAR_VERBS: dict[str, tuple[str, ...]] = {
    "prendre": (
        "prends",
        "prend",
        "prenons",
        "prenez",
        "prennent",
        "pris",
        "prise",
        "prenait",
        "prenant",
    ),
    "tenir": ("tiens", "tient", "tenons", "tenez", "tiennent", "tenu", "tenue", "tenait", "tenant"),
    "venir": (
        *("viens", "vient", "venons", "venez", "viennent", "venu", "venue", "venait"),
        *("viendrai", "viendras", "viendra", "viendrons", "viendrez", "viendront"),
        *("viendrais", "viendrait"),
    ),
    "mettre": ("mets", "met", "mettez", "mettent", "mis", "mise", "mettait"),
    "lire": ("lis", "lit", "lisons", "lisez", "lisent", "lu", "lue", "lus", "lisait", "lisant"),
    "partir": ("pars", "partons", "partez", "partent", "parti", "partis", "partait"),
    "sortir": ("sors", "sortons", "sortez", "sortent", "sorti", "sortis", "sortait"),
    "servir": ("sers", "sert", "servons", "servez", "servent", "servi", "servie", "servait"),
    "dormir": ("dors", "dort", "dormez", "dorment", "dormi", "dormait"),
    "croire": ("crois", "croit", "croyons", "croyez", "croient", "croyait"),
    "suivre": ("suit", "suivons", "suivez", "suivent", "suivi", "suivie", "suivait"),
    "prevoir": ("prevois", "prevoit", "prevoyez", "prevu", "prevue", "prevus", "prevues"),
    "decrire": ("decris", "decrit", "decrivez", "decrite", "decrivait"),
    "resoudre": ("resous", "resout", "resolvez", "resolu", "resolue", "resolvait"),
    "accueillir": (
        "accueille",
        "accueillez",
        "accueillent",
        "accueilli",
        "accueillie",
        "accueillait",
    ),
    "interdire": ("interdis", "interdit", "interdite", "interdisez"),
}
"""Other verbs, with the forms volunteers write most (``je reçois`` and ``j'écris`` are in
:data:`CONCEPTS`)."""

VERB_PREFIXES: dict[str, tuple[str, ...]] = {
    "prendre": ("ap", "com", "re"),
    "tenir": ("con", "ob", "re", "sou"),
    "venir": ("de", "pre", "re"),
    "mettre": ("ad", "per", "pro", "re", "trans"),
    "lire": ("re",),
    "connaitre": ("re",),
}
"""Verbs made of another and a prefix, conjugated like it (``comprendre``, ``obtenir``,
``transmettre``)."""

NOT_VERB_FORMS: frozenset[str] = frozenset(
    {
        "part",
        "partie",
        "parties",
        "sort",
        "sortie",
        "sorties",
        "lit",
        "tenue",
        "prise",
        "prises",
        "fin",
        "rend",
    }
)
"""Forms those rules would make that are mostly other words: ``la partie``, ``le lit``, ``une
prise``, ``la fin``."""
