"""A small demo association, loaded into an empty database so that newcomers see something."""

from __future__ import annotations

import logging

from bot.services import Services

log = logging.getLogger(__name__)

DEMO_NAME = "Les Amis du Quartier (démo)"


async def seed_demo_if_empty(services: Services) -> bool:
    """Create the default association when there is none; True if something was created."""
    if await services.associations.count() > 0:
        return False
    slug = services.settings.default_association
    await services.associations.create(slug=slug, name=DEMO_NAME)
    log.info("empty database: created the demo association %r", slug)
    return True
