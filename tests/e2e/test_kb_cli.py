"""The knowledge base's command-line contract, as outside tools use it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.cli import entraide as run_cli


def entraide(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_cli(list(args), cwd, stdin)


def check_shape(obj: dict[str, object]) -> None:
    assert set(obj) == {"answer", "suggestions"}
    entries = ([obj["answer"]] if obj["answer"] is not None else []) + list(
        obj["suggestions"]  # type: ignore[call-overload]
    )
    for entry in entries:
        assert isinstance(entry, dict)
        assert set(entry) == {"id", "title", "score"}
        assert isinstance(entry["id"], str)
        assert isinstance(entry["title"], str)
        assert isinstance(entry["score"], float)


def test_ask_json_answer(tmp_path: Path) -> None:
    result = entraide("ask", "--json", "cmt je met une piece jointe dans un mail", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    check_shape(obj)
    assert obj["answer"]["id"] == "email-attachment"
    assert "email-attachment" not in [s["id"] for s in obj["suggestions"]]


def test_ask_json_declines_off_topic(tmp_path: Path) -> None:
    result = entraide("ask", "--json", "quelle est la recette des crêpes", cwd=tmp_path)
    assert json.loads(result.stdout) == {"answer": None, "suggestions": []}


def test_ask_batch_one_line_per_question_in_order(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text(
        "mdp oublié\nquelle est la recette des crêpes\nhow do I spot a phishing email\n",
        encoding="utf-8",
    )
    result = entraide("ask", "--json", "--batch", str(questions), "--top", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        check_shape(obj)
        assert len(obj["suggestions"]) <= 2
    assert objects[0]["answer"]["id"] == "password-forgotten"
    assert objects[1]["answer"] is None
    assert objects[2]["answer"]["id"] == "phishing-email-en"


def test_ask_with_another_kb_and_lang(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "loto.md").write_text(
        "---\nid: loto\ntitle: Run a bingo night\nlang: en\n---\n1. Book a room.\n2. Sell cards.\n",
        encoding="utf-8",
    )
    result = entraide(
        "ask", "--kb", str(kb), "--lang", "en", "--json", "run a bingo night", cwd=tmp_path
    )
    assert json.loads(result.stdout)["answer"]["id"] == "loto"


def test_ask_usage_errors(tmp_path: Path) -> None:
    assert entraide("ask", cwd=tmp_path).returncode == 2
    missing = entraide("ask", "--json", "--batch", str(tmp_path / "none.txt"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


def test_kb_check_reports_every_problem(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / "sub").mkdir(parents=True)
    (kb / "ok.md").write_text("---\nid: ok\ntitle: T\nlang: fr\n---\n1. a\n", encoding="utf-8")
    (kb / "sub" / "nolang.md").write_text("---\nid: x\ntitle: T\n---\n1. a\n", encoding="utf-8")
    (kb / "empty.md").write_text("---\nid: y\ntitle: T\nlang: fr\n---\n", encoding="utf-8")
    result = entraide("kb", "check", str(kb), cwd=tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert f"{kb / 'sub' / 'nolang.md'}: missing required field 'lang'" in out
    assert f"{kb / 'empty.md'}: empty body" in out
    assert "1 tutorials OK (1 fr, 0 en), 2 problem(s)" in out


def test_kb_check_bundled_is_clean(tmp_path: Path) -> None:
    result = entraide("kb", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "0 problem(s)" in result.stdout


def test_kb_check_lists_what_another_base_borrows(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[2] / "bench" / "data"
    terse = entraide(
        "kb", "check", "--borrowing", str(data / "kb_parallel2_tutorials"), cwd=tmp_path
    )
    assert terse.returncode == 0, terse.stderr
    assert "email-attachment <- email-attachment (Joindre un fichier à un e-mail)" in terse.stdout
    unseen = entraide("kb", "check", "--borrowing", str(data / "kb_fresh_tutorials"), cwd=tmp_path)
    assert "No tutorial here borrows" in unseen.stdout
    bundled = entraide("kb", "check", "--borrowing", cwd=tmp_path)
    assert "Nothing is borrowed" in bundled.stdout


def test_terminal_chat_journey(tmp_path: Path) -> None:
    script = "cmt je met une piece jointe dans un mail\n1\nquelle est la recette des crêpes\n"
    result = entraide("chat", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    answer = out.index("Joindre un fichier à un e-mail")
    thanks = out.index("Merci ! Bonne continuation.")
    declined = out.index("Je n'ai pas de tutoriel pour cette question")
    assert answer < thanks < declined
