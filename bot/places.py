"""Offline gazetteer: a French postcode or commune name typed by a volunteer → coordinates.

The data file ``bot/data/places-fr.tsv.gz`` is built by ``scripts/build_places.py`` from
``@etalab/decoupage-administratif`` (communes, postcodes, populations) and GeoNames
(coordinates); see ``docs/places.md``. Nothing here touches the network.

What :meth:`Gazetteer.lookup` understands:

* a postcode, ``"75011"`` or ``"75 011"``: every commune served by it, municipal
  arrondissements before their city, then most populous first;
* a name in any case, with or without accents, hyphens or apostrophes, ``st``/``ste`` for
  ``saint``/``sainte``, with or without its leading article (``"havre"`` finds Le Havre),
  former (delegated) commune names, ``"paris 11"`` / ``"lyon 3e"`` for arrondissements;
  an exact match returns every commune of that name, most populous first;
* a name with small typos (``"marseile"``), through :mod:`rapidfuzz`, only when nothing
  matches exactly;
* a name and a postcode in either order (``"lyon 69003"``, ``"69003 Lyon"``): the communes
  of that postcode carrying that name (or a close spelling of it), arrondissements of that
  city included; if none does, communes of that name whose postcode starts with the same
  two digits (the postcode was mistyped); else nothing (``"Paris 69003"``).

A department number alone (``"42"``) is neither a postcode nor a name and yields ``[]``:
a department is too wide an area to stand for a volunteer's location.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

DEFAULT_PLACES = Path(__file__).parent / "data" / "places-fr.tsv.gz"

EARTH_RADIUS_KM = 6371.0088
FUZZY_CUTOFF = 88.0
FUZZY_MIN_LENGTH = 4

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"(?<![0-9])([0-9]{2}) ?([0-9]{3})(?![0-9])")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = frozenset({"le", "la", "les", "l"})
_ARRONDISSEMENT = re.compile(r"^(?P<city>.+) (?P<n>[0-9]+)(?:er|e) arrondissement$")

# Tiers of a name key, best first: the commune's own name, an alias (former commune,
# short arrondissement form), the name without its leading article.
_OWN_NAME, _ALIAS, _NO_ARTICLE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Place:
    """A commune as returned by :meth:`Gazetteer.lookup`."""

    name: str
    postcode: str
    department: str
    latitude: float
    longitude: float
    population: int
    approximate: bool


@dataclass(frozen=True, slots=True)
class _Commune:
    """One row of the data file."""

    insee: str
    name: str
    department: str
    postcodes: tuple[str, ...]
    latitude: float
    longitude: float
    population: int
    approximate: bool
    aliases: tuple[str, ...]

    def place(self, postcode: str | None = None) -> Place:
        """This commune as a :class:`Place`, labelled with ``postcode`` if it serves it."""
        if postcode is None or postcode not in self.postcodes:
            postcode = self.postcodes[0] if self.postcodes else ""
        return Place(
            name=self.name,
            postcode=postcode,
            department=self.department,
            latitude=self.latitude,
            longitude=self.longitude,
            population=self.population,
            approximate=self.approximate,
        )


def normalise(text: str) -> str:
    """Fold a place name for matching: ``"St-Étienne"`` → ``"saint etienne"``."""
    folded = text.casefold().translate(_LIGATURES)
    if not folded.isascii():
        # accents decompose into a letter and a combining mark, which is not ASCII
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = _NON_WORD.sub(" ", folded).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _without_article(key: str) -> str | None:
    """``"le havre"`` → ``"havre"``; ``None`` when there is no leading article to drop."""
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else None


def _arrondissement_forms(key: str) -> list[str]:
    """Short forms of ``"paris 11e arrondissement"``: ``paris 11``, ``paris 11e``, …"""
    match = _ARRONDISSEMENT.match(key) if key.endswith(" arrondissement") else None
    if match is None:
        return []
    city, n = match["city"], match["n"]
    suffixes = ("", "e", "eme", "er", "ere") if n == "1" else ("", "e", "eme")
    return [f"{city} {n}{suffix}" for suffix in suffixes]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres between two points in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Gazetteer:
    """In-memory index of French communes by postcode and by normalised name."""

    def __init__(self, communes: Sequence[_Commune]) -> None:
        """Index ``communes``; use :meth:`load` to read the shipped data file."""
        self._communes = tuple(communes)
        by_postcode: dict[str, list[int]] = defaultdict(list)
        by_name: dict[str, list[tuple[int, int]]] = defaultdict(list)
        city_of: dict[tuple[str, str], int] = {}
        keys = [normalise(commune.name) for commune in self._communes]
        for index, (commune, key) in enumerate(zip(self._communes, keys, strict=True)):
            for postcode in commune.postcodes:
                by_postcode[postcode].append(index)
            by_name[key].append((_OWN_NAME, index))
            city_of.setdefault((key, commune.department), index)
            for alias in (*commune.aliases, *_arrondissement_forms(key)):
                by_name[normalise(alias)].append((_ALIAS, index))
            bare = _without_article(key)
            if bare is not None:
                by_name[bare].append((_NO_ARTICLE, index))

        # Municipal arrondissements ("Lyon 3e Arrondissement") and their city ("Lyon").
        self._parent: dict[int, int] = {}
        for index, (commune, key) in enumerate(zip(self._communes, keys, strict=True)):
            match = _ARRONDISSEMENT.match(key)
            if match is not None and (match["city"], commune.department) in city_of:
                self._parent[index] = city_of[match["city"], commune.department]
        cities = set(self._parent.values())

        def by_postcode_rank(index: int) -> tuple[bool, int, str]:
            commune = self._communes[index]
            return index in cities, -commune.population, commune.insee

        def by_name_rank(hit: tuple[int, int]) -> tuple[int, int, str]:
            commune = self._communes[hit[1]]
            return hit[0], -commune.population, commune.insee

        self._by_postcode = {
            postcode: tuple(sorted(indices, key=by_postcode_rank))
            for postcode, indices in by_postcode.items()
        }
        self._by_name = {
            key: (hits[0][1],)
            if len(hits) == 1
            else tuple(_unique(i for _, i in sorted(hits, key=by_name_rank)))
            for key, hits in by_name.items()
        }
        self._name_keys = list(self._by_name)
        self._departments = frozenset(commune.department for commune in self._communes)

    @classmethod
    def load(cls, path: Path = DEFAULT_PLACES) -> Gazetteer:
        """Read a gazetteer file written by ``scripts/build_places.py``."""
        communes = []
        shared: dict[str, str] = {}  # one copy of each department and postcode string
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as handle:
            next(handle)  # the header
            for line in handle:  # read as it goes: the whole file is never in memory
                fields = line.rstrip("\n").split("\t")
                insee, name, department, postcodes, lat, lon, population, approx, aliases = fields
                communes.append(
                    _Commune(
                        insee=insee,
                        name=name,
                        department=shared.setdefault(department, department),
                        postcodes=tuple(shared.setdefault(c, c) for c in postcodes.split(","))
                        if postcodes
                        else (),
                        latitude=float(lat),
                        longitude=float(lon),
                        population=int(population),
                        approximate=approx == "1",
                        aliases=tuple(aliases.split("|")) if aliases else (),
                    )
                )
        return cls(communes)

    def __len__(self) -> int:
        """Number of communes (and municipal arrondissements) known."""
        return len(self._communes)

    def department(self, text: str) -> str | None:
        """The department code typed (``"75"``, ``"2a"``, ``"974"``), if it is one."""
        code = text.strip().upper()
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        return code if code in self._departments else None

    def lookup(self, text: str, limit: int = 5) -> list[Place]:
        """Places matching a postcode, a name, or both; best first, at most ``limit``."""
        key = normalise(text)
        match = _POSTCODE.search(key)
        if match is None:
            indices = self._match_name(key)
            postcode = None
        else:
            postcode = match[1] + match[2]
            name = " ".join((key[: match.start()] + " " + key[match.end() :]).split())
            indices = self._match_postcode(postcode, name)
        return [self._communes[i].place(postcode) for i in indices[: max(limit, 0)]]

    def _match_name(self, key: str) -> list[int]:
        """Communes named ``key``: exact matches, else close spellings."""
        exact = list(self._by_name.get(key, ()))
        return exact or self._fuzzy(key, self._name_keys)

    def _fuzzy(self, key: str, choices: Sequence[str]) -> list[int]:
        """Communes with a name key among ``choices`` close to ``key``; best score first,
        then most populous (``"lile"`` is as close to Lille as to Lisle)."""
        if len(key) < FUZZY_MIN_LENGTH or not any(c.isalpha() for c in key):
            return []
        found = process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
        )
        ranked = sorted(
            (-score, -self._communes[index].population, index)
            for choice, score, _ in found
            for index in self._by_name[choice]
        )
        return list(_unique(index for *_, index in ranked))

    def _match_postcode(self, postcode: str, name: str) -> list[int]:
        """Communes serving ``postcode``, filtered by ``name`` when one was given."""
        served = self._by_postcode.get(postcode, ())
        if not name:
            return list(served)

        def among_served(named: Iterable[int]) -> list[int]:
            # "lyon 69003" also means the arrondissement of Lyon serving 69003
            wanted = set(named)
            return [i for i in served if i in wanted or self._parent.get(i) in wanted]

        found = among_served(self._by_name.get(name, ()))
        if not found and served:
            keys = {k for i in served for j in (i, self._parent.get(i)) for k in self._keys_of(j)}
            found = among_served(self._fuzzy(name, sorted(keys)))
        if found:
            return found
        # the postcode may be mistyped: keep the namesakes around the same two digits
        area = postcode[:2]
        return [
            i
            for i in self._match_name(name)
            if any(p.startswith(area) for p in self._communes[i].postcodes)
        ]

    def _keys_of(self, index: int | None) -> list[str]:
        """Every name key under which commune ``index`` is indexed (none for ``None``)."""
        if index is None:
            return []
        commune = self._communes[index]
        key = normalise(commune.name)
        keys = [key, *(normalise(a) for a in commune.aliases), *_arrondissement_forms(key)]
        bare = _without_article(key)
        return [*keys, bare] if bare is not None else keys


def _unique(indices: Iterable[int]) -> Iterable[int]:
    """``indices`` without repeats, in first-seen order."""
    seen: set[int] = set()
    for index in indices:
        if index not in seen:
            seen.add(index)
            yield index
