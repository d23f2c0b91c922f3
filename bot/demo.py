"""A small demo association, loaded into an empty database so that newcomers see something."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.services import Services
from storage.records import MissionDraft

log = logging.getLogger(__name__)

DEMO_NAME = "Les Amis du Quartier (démo)"
DEMO_MISSIONS = (
    # title, days from today, start, hours, postcode (None: remote), places, tags, description
    (
        "Collecte alimentaire au supermarché",
        3,
        time(9),
        3,
        "69003",
        6,
        ("alimentaire", "accueil"),
        "Accueillir les clients à l'entrée et trier les dons dans les cartons.",
    ),
    (
        "Appels de convivialité aux aînés",
        4,
        time(14),
        2,
        None,
        4,
        ("téléphone", "solidarité"),
        "Appeler depuis chez vous des personnes âgées isolées, avec une liste fournie.",
    ),
    (
        "Atelier numérique : premiers pas sur smartphone",
        8,
        time(10),
        2,
        "75011",
        2,
        ("numérique", "formation"),
        "Aider deux ou trois personnes à prendre en main leur téléphone.",
    ),
)


async def seed_demo_if_empty(services: Services) -> bool:
    """Create the default association, with a few missions to try, when there is none;
    True if something was created."""
    if await services.associations.count() > 0:
        return False
    slug = services.settings.default_association
    association = await services.associations.create(slug=slug, name=DEMO_NAME)
    if not services.settings.demo_missions:
        log.info("empty database: created the demo association %r", slug)
        return True
    zone = services.settings.zone
    today = services.clock.now().astimezone(zone).date()
    for title, days, start, hours, postcode, places, tags, description in DEMO_MISSIONS:
        begins = datetime.combine(today + timedelta(days=days), start, zone)
        place = services.places.lookup(postcode, limit=1) if postcode else []
        draft = MissionDraft(
            title=title,
            starts_at=begins,
            ends_at=begins + timedelta(hours=hours),
            places=places,
            description=description,
            city=place[0].name if place else None,
            postcode=postcode,
            latitude=place[0].latitude if place else None,
            longitude=place[0].longitude if place else None,
            remote=postcode is None,
            tags=tags,
        )
        await services.missions.create(association.id, draft, created_by=None)
    log.info("empty database: created the demo association %r and its missions", slug)
    return True
