"""Data the tests need often, made the same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.wiring import App
from knowledge.loader import Tutorial
from storage.records import MissionDraft, MissionRecord


def a_tutorial(id_: str, *, lang: str = "fr", questions: Sequence[str] = ()) -> Tutorial:
    """A tutorial as the loader would give it, titled after its id, with a one-step body."""
    return Tutorial(
        id=id_,
        title=f"Tutoriel {id_}",
        lang=lang,
        category=None,
        tags=(),
        questions=tuple(questions),
        body="1. Une étape.",
        path=Path(f"{id_}.md"),
    )


async def a_mission(
    app: App,
    title: str = "Collecte alimentaire",
    *,
    days: float = 3,
    places: int = 2,
    association_id: int | None = None,
    description: str = "",
) -> MissionRecord:
    """A published mission in Lyon, ``days`` from now, lasting two hours (in the first
    association unless told otherwise)."""
    services = app.services
    if association_id is None:
        first = await services.associations.first()
        assert first is not None
        association_id = first.id
    start = services.clock.now() + timedelta(days=days)
    draft = MissionDraft(
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        places=places,
        description=description,
        city="Lyon",
        postcode="69003",
    )
    return await services.missions.create(association_id, draft, None)
