"""A base written by someone else borrows the bundled tutorials' questions on shared subjects."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import DEFAULT_KNOWLEDGE_DIR, load_settings
from bot.wiring import build_app
from knowledge.borrowing import borrowed_questions, build_matcher
from knowledge.loader import Tutorial, load_directory
from knowledge.matcher import Matcher
from knowledge.service import KnowledgeBase
from tests.e2e.cli import entraide
from tests.harness import Conversation
from tests.unit.test_ask import make_coordinator

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
TERSE = DATA / "kb_parallel2_tutorials"
"""The same subjects as the bundled base, written tersely by other authors (0 to 3 questions)."""
UNSEEN = DATA / "kb_fresh_tutorials"
"""Subjects the bundled base lacks (signing a PDF, Bluetooth, QR codes...)."""


@pytest.fixture(scope="module")
def bundled() -> tuple[Tutorial, ...]:
    return load_directory(DEFAULT_KNOWLEDGE_DIR).tutorials


@pytest.fixture(scope="module")
def terse() -> tuple[Tutorial, ...]:
    return load_directory(TERSE).tutorials


def by_id(tutorials: tuple[Tutorial, ...] | list[Tutorial], tutorial_id: str) -> Tutorial:
    return next(t for t in tutorials if t.id == tutorial_id)


def test_a_tutorial_on_a_bundled_subject_borrows_its_title_and_questions(
    bundled: tuple[Tutorial, ...], terse: tuple[Tutorial, ...]
) -> None:
    borrowed = borrowed_questions(terse, bundled)
    lender = by_id(bundled, "email-attachment")
    own = by_id(terse, "email-attachment")
    assert set(borrowed["email-attachment"]) == {lender.title, *lender.questions} - set(
        own.questions
    )
    assert len(borrowed) >= 60, "most of the 70 shared subjects find each other"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Je suis dans la salle d'attente de la réunion, que faire ?", "video-call-join"),
        ("Les autres voient un écran noir à la place de mon visage", "video-call-mic-camera"),
        ("Imprimer un PDF reçu par mail", "print-document"),
    ],
)
def test_borrowed_questions_bring_the_volunteers_wording(
    bundled: tuple[Tutorial, ...], terse: tuple[Tutorial, ...], question: str, expected: str
) -> None:
    plain = Matcher(terse).match(question)
    first = plain.answer or (plain.suggestions[0] if plain.suggestions else None)
    assert first is None or first.tutorial.id != expected
    lent = build_matcher(terse, bundled).match(question)
    assert lent.answer is not None
    assert lent.answer.tutorial.id == expected


def test_a_near_subject_the_bundled_base_lacks_borrows_nothing(
    bundled: tuple[Tutorial, ...],
) -> None:
    # Signing a PDF is found for the title "Sign a PDF without printing it" near printing,
    # and the printing questions would find it in a base with no printing tutorial: only
    # its steps, which share little with printing's, tell them apart.
    unseen = load_directory(UNSEEN).tutorials
    assert any(t.id == "pdf-sign-en" for t in unseen)
    assert borrowed_questions(unseen, bundled) == {}


def test_the_bundled_base_and_its_copies_borrow_nothing(bundled: tuple[Tutorial, ...]) -> None:
    assert borrowed_questions(bundled, bundled) == {}
    copies = [replace(t, path=Path("copy") / t.path.name) for t in bundled]
    assert build_matcher(copies, bundled).borrowed == {}


def test_no_tutorial_borrows_from_a_bundled_one_the_base_serves(
    bundled: tuple[Tutorial, ...], terse: tuple[Tutorial, ...]
) -> None:
    served = by_id(bundled, "email-attachment")
    mixed = [served if t.id == "email-attachment" else t for t in terse]
    mixed.append(replace(by_id(terse, "email-attachment"), id="attachments-again"))
    borrowed = borrowed_questions(mixed, bundled)
    assert "attachments-again" not in borrowed
    assert "email-attachment" not in borrowed


def test_each_bundled_tutorial_lends_to_one_tutorial_at_most(
    bundled: tuple[Tutorial, ...], terse: tuple[Tutorial, ...]
) -> None:
    twin = replace(by_id(terse, "password-forgotten"), id="password-forgotten-copy")
    borrowed = borrowed_questions([*terse, twin], bundled)
    lender = by_id(bundled, "password-forgotten")
    lent_to = [k for k, v in borrowed.items() if lender.questions[0] in v]
    assert len(lent_to) == 1


def test_a_tutorial_without_a_translation_borrows_the_lenders_translation(
    bundled: tuple[Tutorial, ...], terse: tuple[Tutorial, ...]
) -> None:
    english = by_id(bundled, "email-attachment-en")
    french_only = [t for t in terse if t.lang == "fr"]
    assert english.questions[0] in borrowed_questions(french_only, bundled)["email-attachment"]
    # With its own English version in the base, the French tutorial keeps to French.
    assert english.questions[0] not in borrowed_questions(terse, bundled)["email-attachment"]
    answered = build_matcher(french_only, bundled).match(english.questions[0], "en")
    assert answered.answer is not None
    assert answered.answer.tutorial.id == "email-attachment"


def test_borrowed_questions_count_as_questions_but_are_not_word_for_word_matches() -> None:
    def make(id_: str, title: str, *questions: str) -> Tutorial:
        return Tutorial(id_, title, "fr", None, (), questions, "1. Ouvrez.", Path(f"{id_}.md"))

    base = [make("loto", "Organiser un loto"), make("tombola", "Organiser une tombola")]
    borrowed = {"loto": ("Comment préparer les cartons du loto ?",)}
    matcher = Matcher(base, borrowed=borrowed)
    assert matcher.answer_threshold(base[0]) < matcher.answer_threshold(base[1])
    _, measured = matcher.measure("Comment préparer les cartons du loto ?")
    loto = next(m for m in measured if m.tutorial.id == "loto")
    assert not loto.exact
    assert loto.value("phrasing_count") > 0


async def test_the_knowledge_base_borrows_at_load_and_at_reload(tmp_path: Path) -> None:
    base, report = KnowledgeBase.load(TERSE, reference_dir=DEFAULT_KNOWLEDGE_DIR)
    assert report.borrowers >= 60
    reloaded = await base.reload()
    assert reloaded.borrowers == report.borrowers
    question = "Je suis dans la salle d'attente de la réunion, que faire ?"
    answer = base.match(question, "fr").answer
    assert answer is not None
    assert answer.tutorial.id == "video-call-join"
    _, alone = KnowledgeBase.load(TERSE)
    assert alone.borrowers == 0
    _, itself = KnowledgeBase.load(DEFAULT_KNOWLEDGE_DIR, reference_dir=DEFAULT_KNOWLEDGE_DIR)
    assert itself.borrowers == 0


def test_ask_borrows_unless_told_not_to(tmp_path: Path) -> None:
    question = "Je suis dans la salle d'attente de la réunion, que faire ?"
    args = ["ask", "--kb", str(TERSE), "--json", question]
    lent = json.loads(entraide(args, tmp_path, "").stdout)
    assert lent["answer"]["id"] == "video-call-join"
    plain = json.loads(entraide([*args[:1], "--no-borrow", *args[1:]], tmp_path, "").stdout)
    assert plain["answer"] is None or plain["answer"]["id"] != "video-call-join"
    # The bot's setting is honoured too, so that ``ask`` answers as the bot would.
    unset = json.loads(entraide(args, tmp_path, "", ENTRAIDE_KB_BORROW="false").stdout)
    assert unset == plain


async def test_the_bot_serving_another_base_borrows_unless_configured_not_to(
    sqlite_url: str, clock: ManualClock
) -> None:
    question = "Je suis dans la salle d'attente de la réunion, que faire ?"
    for borrow, expected in ((True, "Rejoindre une visio"), (False, None)):
        settings = load_settings(
            database_url=sqlite_url,
            knowledge_dir=TERSE,
            borrow_questions=borrow,
            _env_file=None,
        )
        app = await build_app(settings, clock=clock)
        try:
            volunteer = Conversation(app.dispatcher, user_id=f"v{borrow}")
            await volunteer.send(question)
            if expected:
                assert volunteer.text.startswith(expected)
            else:
                assert "Cela vous a aidé ?" not in volunteer.text
            coordinator = Conversation(app.dispatcher, user_id=f"c{borrow}")
            await make_coordinator(app, coordinator)
            await coordinator.send("/kb recharger")
            assert "Tutoriels rechargés : 70 disponibles." in coordinator.text
            told = "d'entre eux profitent aussi des questions des tutoriels fournis" in (
                coordinator.text
            )
            assert told is borrow
        finally:
            await app.close()
