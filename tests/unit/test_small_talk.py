"""Which messages are small talk rather than questions."""

from __future__ import annotations

import pytest

from handlers.small_talk import Kind, kind_of


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Bonjour", Kind.HELLO),
        ("bonjour à tous !", Kind.HELLO),
        ("Bonsoir madame", Kind.HELLO),
        ("cc", Kind.HELLO),
        ("Good morning everyone", Kind.HELLO),
        ("Merci beaucoup pour votre aide", Kind.THANKS),
        ("ok merci", Kind.THANKS),
        ("bonjour et merci", Kind.THANKS),
        ("je vous remercie", Kind.THANKS),
        ("thank you very much", Kind.THANKS),
        ("Au revoir", Kind.BYE),
        ("bonne journée !", Kind.BYE),
        ("d'accord", Kind.OK),
        ("ok, got it", Kind.OK),
        ("Parfait", Kind.OK),
    ],
)
def test_small_talk_is_recognised(text: str, kind: Kind) -> None:
    assert kind_of(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bonjour, comment envoyer une photo ?",
        "merci de m'aider à envoyer une photo",
        "hello how do I join a video call",
        "non",
        "oui",
        "aide",
        "bonne nouvelle, la réunion est en visio",
        "merci " * 9,
    ],
)
def test_anything_more_is_a_question(text: str) -> None:
    assert kind_of(text) is None
