"""The terminal chat and the command line, driven as a person or an operator would."""

from __future__ import annotations

from datetime import date, timedelta
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


def test_missions_from_creation_to_an_accepted_waitlist_offer(tmp_path: Path) -> None:
    day = (date.today() + timedelta(days=10)).strftime("%d/%m/%Y")

    def chat(user: str, lines: list[str], *extra: str) -> str:
        result = _entraide(
            ["chat", "--user", user, "--name", user.title(), *extra],
            tmp_path,
            stdin="\n".join(lines) + "\n",
            ENTRAIDE_DEMO_MISSIONS="0",
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        return result.stdout

    created = chat(
        "claire",
        ["/nouvelle_mission", "Brocante solidaire", day, "9h", "3h", "69003 Lyon", "1", "-", "1"],
        "--as",
        "coordinator",
    )
    assert "Mission publiée" in created
    signed = chat("marie", ["/missions 69003", "2"])
    assert "Brocante solidaire" in signed
    assert "vous êtes inscrit(e)" in signed
    assert "mission-1.ics" in signed
    assert (
        (tmp_path / "data" / "downloads" / "mission-1.ics")
        .read_text()
        .startswith("BEGIN:VCALENDAR")
    )
    waiting = chat("paul", ["/missions", "2"])
    assert "n°1 sur la liste d'attente" in waiting
    cancelled = chat("marie", ["/mes_missions", "2"])
    assert "C'est annulé" in cancelled
    offered = chat("paul", ["1"])
    assert "une place s'est libérée pour Brocante solidaire" in offered
    assert "vous êtes inscrit(e) à Brocante solidaire" in offered
    told = chat("claire", ["/gerer"], "--as", "coordinator")
    assert "Marie s'est inscrit(e)" in told
    assert "Paul s'est inscrit(e)" in told


def test_a_newcomer_sees_the_demo_missions(tmp_path: Path) -> None:
    result = _entraide(["chat"], tmp_path, stdin="/missions\n")
    assert result.returncode == 0, result.stderr
    assert "Collecte alimentaire au supermarché" in result.stdout
    assert "3 mission(s) trouvée(s)" in result.stdout
