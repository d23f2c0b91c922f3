"""The offline gazetteer, on the shipped ``bot/data/places-fr.tsv.gz``."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from bot.places import DEFAULT_PLACES, Gazetteer, Place, distance_km, normalise


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def first(gazetteer: Gazetteer, text: str) -> Place:
    found = gazetteer.lookup(text)
    assert found, f"nothing found for {text!r}"
    return found[0]


def near(place: Place, latitude: float, longitude: float, km: float) -> bool:
    return distance_km(place.latitude, place.longitude, latitude, longitude) <= km


def test_every_commune_is_loaded(gazetteer: Gazetteer) -> None:
    assert 34_000 < len(gazetteer) < 36_000


def test_normalise_folds_case_accents_punctuation_and_saint() -> None:
    assert normalise("St-Étienne") == normalise("SAINT ETIENNE") == "saint etienne"
    assert normalise("Ste-Foy-lès-Lyon") == "sainte foy les lyon"
    assert normalise("L'Haÿ-les-Roses") == "l hay les roses"
    assert normalise("Œuilly") == "oeuilly"


@pytest.mark.parametrize("text", ["75011", "75 011", " 75011 "])
def test_paris_postcode_gives_its_arrondissement_then_paris(
    gazetteer: Gazetteer, text: str
) -> None:
    found = gazetteer.lookup(text)
    assert [p.name for p in found] == ["Paris 11e Arrondissement", "Paris"]
    assert all(p.postcode == "75011" and p.department == "75" for p in found)
    # GeoNames has no point for the Paris arrondissements: the 11e gets the centre of Paris,
    # 2.4 km west of the 11e's own centre (48.86, 2.38), and says so.
    assert found[0].approximate
    assert near(found[0], 48.86, 2.38, km=5)


def test_postcode_of_a_large_town(gazetteer: Gazetteer) -> None:
    place = first(gazetteer, "42000")
    assert (place.name, place.postcode, place.department) == ("Saint-Étienne", "42000", "42")
    assert not place.approximate
    assert near(place, 45.43, 4.39, km=3)


def test_marseille_arrondissements_have_their_own_coordinates(gazetteer: Gazetteer) -> None:
    district, city = gazetteer.lookup("13007")
    assert (district.name, city.name) == ("Marseille 7e Arrondissement", "Marseille")
    assert not district.approximate
    assert distance_km(district.latitude, district.longitude, city.latitude, city.longitude) > 1


@pytest.mark.parametrize(
    "text",
    [
        "Saint-Étienne",
        "saint-étienne",
        "SAINT ETIENNE",
        "saint etienne",
        "st etienne",
        "St-Étienne",
    ],
)
def test_names_with_or_without_accents_case_hyphens_and_st(gazetteer: Gazetteer, text: str) -> None:
    place = first(gazetteer, text)
    assert (place.name, place.department, place.postcode) == ("Saint-Étienne", "42", "42000")


@pytest.mark.parametrize("text", ["le havre", "Le Havre", "LE-HAVRE", "havre"])
def test_leading_article(gazetteer: Gazetteer, text: str) -> None:
    assert first(gazetteer, text).name == "Le Havre"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("marseile", "Marseille"),
        ("toulous", "Toulouse"),
        ("bordaux", "Bordeaux"),
        ("st-etiene", "Saint-Étienne"),
        ("lile", "Lille"),  # as close to Lisle (924 inhabitants): the larger town first
    ],
)
def test_small_typos_still_find_the_city(gazetteer: Gazetteer, text: str, name: str) -> None:
    assert first(gazetteer, text).name == name


def test_exact_name_returns_every_namesake_most_populous_first(gazetteer: Gazetteer) -> None:
    found = gazetteer.lookup("saint denis", limit=50)
    assert {p.name for p in found} == {"Saint-Denis"}
    populations = [p.population for p in found]
    assert populations == sorted(populations, reverse=True)
    # Saint-Denis (La Réunion) outnumbers Saint-Denis (Seine-Saint-Denis) in the INSEE data
    assert [p.department for p in found] == ["974", "93", "11", "30"]


def test_limit(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.lookup("saint denis", limit=3)) == 3
    assert len(gazetteer.lookup("saint denis")) == 4
    assert gazetteer.lookup("saint denis", limit=0) == []


@pytest.mark.parametrize("text", ["lyon 69003", "69003 Lyon", "Lyon (69 003)"])
def test_name_and_postcode_together(gazetteer: Gazetteer, text: str) -> None:
    found = gazetteer.lookup(text)
    assert [p.name for p in found] == ["Lyon 3e Arrondissement", "Lyon"]
    assert all(p.postcode == "69003" and p.department == "69" for p in found)


def test_name_with_a_typo_and_a_postcode(gazetteer: Gazetteer) -> None:
    found = gazetteer.lookup("marseile 13008")
    assert [p.name for p in found] == ["Marseille 8e Arrondissement", "Marseille"]


def test_name_with_a_wrong_postcode_of_the_same_department(gazetteer: Gazetteer) -> None:
    place = first(gazetteer, "Villeurbanne 69003")
    assert (place.name, place.postcode) == ("Villeurbanne", "69100")


def test_name_only_gives_the_first_postcode(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Marseille").postcode == "13001"


def test_former_commune_name_points_to_the_commune_that_absorbed_it(
    gazetteer: Gazetteer,
) -> None:
    place = first(gazetteer, "Pierrefitte-sur-Seine")
    assert (place.name, place.department) == ("Saint-Denis", "93")


def test_arrondissement_short_forms(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "paris 11").name == "Paris 11e Arrondissement"
    assert first(gazetteer, "Lyon 3e").name == "Lyon 3e Arrondissement"


@pytest.mark.parametrize("text", ["", "   ", "xyzzy", "42", "99999", "Paris 69003", "zz"])
def test_unknown_or_contradictory_text_finds_nothing(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.lookup(text) == []


def test_very_short_names_still_match_exactly(gazetteer: Gazetteer) -> None:
    assert first(gazetteer, "Eu").department == "76"
    assert first(gazetteer, "y").department == "80"


def test_distance_km() -> None:
    assert distance_km(48.8566, 2.3522, 48.8566, 2.3522) == 0
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.195, abs=0.01)


def test_distance_paris_lyon(gazetteer: Gazetteer) -> None:
    paris, lyon = first(gazetteer, "Paris"), first(gazetteer, "Lyon")
    assert distance_km(paris.latitude, paris.longitude, lyon.latitude, lyon.longitude) == (
        pytest.approx(392, abs=5)
    )


def test_small_commune_without_geonames_point_is_approximate_but_in_its_department(
    gazetteer: Gazetteer,
) -> None:
    village = first(gazetteer, "L'Abergement-Clémenciat")  # 860 inhabitants, Ain
    prefecture = first(gazetteer, "Bourg-en-Bresse")
    assert village.approximate
    assert not prefecture.approximate
    assert village.department == prefecture.department == "01"
    assert near(village, prefecture.latitude, prefecture.longitude, km=100)
    assert near(village, 46.15, 4.93, km=10)  # its real place, next to Châtillon-sur-Chalaronne


def test_no_approximate_point_strays_from_its_department() -> None:
    with gzip.open(DEFAULT_PLACES, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read()), delimiter="\t"))
    main_town: dict[str, dict[str, str]] = {}
    for row in rows:
        best = main_town.get(row["department"])
        if row["approximate"] == "0" and (
            best is None or int(row["population"]) > int(best["population"])
        ):
            main_town[row["department"]] = row
    metropolitan = [r for r in rows if len(r["department"]) == 2]
    approximate = [r for r in metropolitan if r["approximate"] == "1"]
    assert 0.5 < len(approximate) / len(metropolitan) < 0.9
    for row in approximate:
        town = main_town[row["department"]]
        km = distance_km(
            float(row["lat"]), float(row["lon"]), float(town["lat"]), float(town["lon"])
        )
        assert km < 150, (row["name"], row["department"], town["name"], km)
