"""Splitting long messages for platforms with a size limit (Discord: 2,000 characters)."""

from __future__ import annotations

import pytest

from bot import markup


def test_short_text_is_one_piece() -> None:
    assert markup.split("Bonjour", 2000) == ["Bonjour"]


def test_cuts_at_paragraph_breaks_and_respects_the_limit() -> None:
    paragraphs = [f"Paragraphe {n} " + "mot " * 60 for n in range(12)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    pieces = markup.split(text, 700)
    assert all(len(p) <= 700 for p in pieces)
    assert all(p.startswith("Paragraphe") for p in pieces)
    assert markup.to_plain(" ".join(pieces)).split() == markup.to_plain(text).split()


def test_bold_is_closed_and_reopened_across_a_cut() -> None:
    text = "**" + "important " * 50 + "**"
    pieces = markup.split(text, 200)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 200
        runs = markup.parse(piece)
        assert all(bold for bold, run in runs if run.strip())


def test_an_escape_is_never_cut_in_half() -> None:
    text = "a" * 97 + "\\*" + "b" * 200  # the cut would fall between "\\" and "*"
    pieces = markup.split(text, 100)
    assert pieces[0] == "a" * 97
    assert "".join(markup.to_plain(p) for p in pieces) == markup.to_plain(text)


def test_refuses_a_useless_limit() -> None:
    with pytest.raises(ValueError, match="too small"):
        markup.split("texte", 4)
