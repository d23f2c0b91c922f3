"""The participants CSV: BOM, semicolons, CRLF, accents, formula-injection protection."""

from __future__ import annotations

import csv
import io

import pytest

from handlers.csv_export import participants_csv, safe_cell

HEADER = ["Nom", "Téléphone", "Créneau"]


def read_back(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_bom_delimiter_crlf_and_accents() -> None:
    data = participants_csv(HEADER, [["Zoé Lefèvre", "06 12 34 56 78", "samedi 14h"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert (
        data
        == ("\ufeffNom;Téléphone;Créneau\r\nZoé Lefèvre;06 12 34 56 78;samedi 14h\r\n").encode()
    )
    assert read_back(data) == [HEADER, ["Zoé Lefèvre", "06 12 34 56 78", "samedi 14h"]]


def test_values_are_stringified_and_quoted_when_needed() -> None:
    data = participants_csv(["a", "b", "c", "d"], [[1, 2.5, None, 'x;y "q"\nz']])
    assert read_back(data)[1] == ["1", "2.5", "", 'x;y "q"\nz']
    assert b'"x;y ""q""\nz"' in data


def test_empty_rows() -> None:
    assert participants_csv(["Nom"], []) == b"\xef\xbb\xbfNom\r\n"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Zoé", "Zoé"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_prefix(cell: str, expected: str) -> None:
    assert safe_cell(cell) == expected
    data = participants_csv(["x"], [[cell]])
    assert read_back(data)[1] == [expected]


def test_formula_prefix_applies_to_non_strings_and_header() -> None:
    rows = read_back(participants_csv(["=Nom"], [[-5]]))
    assert rows == [["'=Nom"], ["'-5"]]
