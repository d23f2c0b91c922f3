"""The terminal chat and the command line, driven as a person or an operator would."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import entraide as _entraide


def test_piped_chat_shows_help_in_french_then_switches_to_english(tmp_path: Path) -> None:
    result = _entraide(["chat"], tmp_path, stdin="/aide\n/langue en\n/aide\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    french = out.index("Voici ce que je sais faire")
    switched = out.index("Done: I will speak English with you.")
    english = out.index("Here is what I can do")
    assert french < switched < english
    assert "Traceback" not in out + result.stderr


def test_buttons_are_numbered_and_picked_by_number(tmp_path: Path) -> None:
    result = _entraide(["chat"], tmp_path, stdin="/langue\n2\n7\n")
    assert "[1] français   [2] English" in result.stdout
    assert "Done: I will speak English with you." in result.stdout
    assert "There is no button number 7." in result.stdout


def test_run_without_tokens_opens_the_terminal_chat(tmp_path: Path) -> None:
    result = _entraide(["run"], tmp_path, stdin="/aide\n")
    assert result.returncode == 0, result.stderr
    assert "starting the terminal chat" in result.stdout
    assert "Voici ce que je sais faire" in result.stdout


def test_coordinator_mode_is_recorded(tmp_path: Path) -> None:
    result = _entraide(["chat", "--as", "coordinator"], tmp_path, stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert "Les Amis du Quartier" in result.stdout


def test_bad_database_url_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _entraide(["run"], tmp_path, ENTRAIDE_DATABASE_URL="mysql://root@db/x")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "entraide: configuration error: ENTRAIDE_DATABASE_URL: unsupported database 'mysql': "
        "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
    ]


def test_unreadable_knowledge_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _entraide(["run"], tmp_path, ENTRAIDE_KNOWLEDGE_DIR=str(tmp_path / "missing"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "ENTRAIDE_KNOWLEDGE_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = _entraide(
        ["db", "upgrade"],
        tmp_path,
        ENTRAIDE_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("entraide: cannot open the database")


def test_db_upgrade(tmp_path: Path) -> None:
    result = _entraide(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    assert (tmp_path / "entraide.db").exists()
