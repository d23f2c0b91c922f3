"""What start-up reads from the bot's own files is read once and may serve several apps."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.clock import ManualClock
from bot.config import DEFAULT_KNOWLEDGE_DIR, load_settings
from bot.wiring import Assets, build_app

LOTO = (
    "---\nid: loto\ntitle: Organiser un loto associatif\nlang: fr\n"
    "questions:\n  - Comment organiser un loto pour l'association ?\n---\n"
    "1. Réservez la salle.\n2. Prévoyez les cartons.\n"
)


def small_base(root: Path) -> Path:
    """Two bundled tutorials in a directory of their own."""
    kb = root / "kb"
    kb.mkdir()
    for name in ("email-attachment.md", "password-forgotten.md"):
        shutil.copy(DEFAULT_KNOWLEDGE_DIR / "fr" / name, kb / name)
    return kb


async def test_apps_sharing_assets_reload_their_knowledge_apart(
    tmp_path: Path, clock: ManualClock
) -> None:
    kb = small_base(tmp_path)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}", knowledge_dir=kb, _env_file=None
    )
    assets = Assets.load(settings)
    first = await build_app(settings, clock=clock, assets=assets)
    second = await build_app(
        settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'b.db'}"}),
        clock=clock,
        assets=assets,
    )
    try:
        assert first.services.catalogue is second.services.catalogue is assets.catalogue
        assert first.services.places is assets.places
        assert first.services.knowledge.size == second.services.knowledge.size == 2
        (kb / "loto.md").write_text(LOTO, encoding="utf-8")
        report = await first.services.knowledge.reload()
        assert report.tutorials == 3
        assert first.services.knowledge.match("organiser un loto", "fr").answer is not None
        assert second.services.knowledge.size == 2
        assert second.services.knowledge.match("organiser un loto", "fr").answer is None
        assert assets.knowledge.size == 2
    finally:
        await first.close()
        await second.close()


async def test_assets_that_do_not_suit_the_settings_are_not_used(
    tmp_path: Path, clock: ManualClock, assets: Assets
) -> None:
    kb = small_base(tmp_path)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}", knowledge_dir=kb, _env_file=None
    )
    assert not assets.suit(settings)
    app = await build_app(settings, clock=clock, assets=assets)
    try:
        assert app.services.knowledge.directory == kb
        assert app.services.knowledge.size == 2
        assert app.services.catalogue is not assets.catalogue
    finally:
        await app.close()
