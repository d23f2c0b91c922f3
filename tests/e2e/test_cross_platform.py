"""One core, both platforms, both real peers: a volunteer on Discord (simcord) gets no answer
from the knowledge base, asks for a person, and a mentor on Telegram (telegram-test-api) takes
the request; three messages each way are relayed, the volunteer ends it and says it helped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import simcord

from bot.adapters.telegram import TelegramAdapter
from bot.clock import ManualClock
from bot.config import Settings
from bot.ratelimit import Limits, RateLimiter
from bot.types import Platform
from bot.wiring import App, Assets, build_app
from storage.help import MentorStatus
from tests.e2e.telegram_peer import TOKEN, Peer, Person, missing
from tests.e2e.test_discord import custom_ids, last_dm, messages_of

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))
TOM = 321


def unpaced() -> RateLimiter:
    return RateLimiter(Limits(per_second=None, chat_interval=0.0))


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    server = Peer()
    yield server
    await server.close()


async def wait_for(condition: Callable[[], bool], within: float = 10) -> None:
    """Until the condition holds (deliveries run in the background)."""
    for _ in range(int(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("waited in vain")


async def test_a_discord_volunteer_and_a_telegram_mentor_talk_through_the_bot(
    peer: Peer,
    tmp_path: Path,
    settings_for: Callable[[str], Settings],
    assets: Assets,
    clock: ManualClock,
) -> None:
    app: App = await build_app(
        settings_for(f"sqlite:///{tmp_path / 'both.db'}"), assets=assets, clock=clock
    )
    telegram = TelegramAdapter.build(
        TOKEN, app.dispatcher.handle, app.services.catalogue, unpaced(), api_url=peer.url
    )
    discord_adapter = app.discord_adapter(unpaced())
    await telegram.start(poll_interval=0.0)
    env = simcord.Env(discord_adapter.client)
    await env.start()
    stop = asyncio.Event()
    deliveries = [
        app.delivery(Platform.TELEGRAM, telegram.send),
        app.delivery(Platform.DISCORD, discord_adapter.send),
    ]
    background = asyncio.create_task(app.run_background(stop, deliveries, every=0.1))
    try:
        guild = env.create_guild("Les Restos")
        general = guild.create_text_channel("general")
        ines = guild.add_member(env.create_user("ines"))
        await ines.slash(general, "aide")
        association = await app.services.spaces.resolve("discord", str(guild.id), guild.name)

        tom = Person(peer, TOM, "Tom", "fr")
        await tom.send("/start")
        await tom.expect("Bonjour Tom")
        mentor = await app.services.volunteers.identify("telegram", str(TOM), "Tom")
        await app.services.associations.enter(mentor.id, association.association_id)
        offer = await app.services.help.offer(
            mentor.id, association.association_id, ["autre"], "souple"
        )
        await app.services.help.set_mentor_status(
            offer.id, association.association_id, MentorStatus.ACTIVE
        )

        asked = await ines.slash(general, "question", question="quel temps fera-t-il demain à Lyon")
        human = next(
            i for m in messages_of(asked) for i in custom_ids(m) if i.startswith("e:kb:h:")
        )
        answer = next(m for m in messages_of(asked) if human in custom_ids(m))
        await ines.click(answer, custom_id=human)
        await tom.expect("ines a besoin d'aide")
        await tom.press("Je m'en occupe")
        await tom.expect("Vous aidez ines")
        await wait_for(lambda: "is taking your question" in last_dm(ines).content)

        for n in range(3):
            await ines.send_dm(f"question {n} d'Inès")
            await tom.expect(f"question {n} d'Inès")
            await tom.send(f"réponse {n} de Tom")
            expected = f"réponse {n} de Tom"
            await wait_for(lambda: expected in last_dm(ines).content)  # noqa: B023
        end = next(i for i in custom_ids(last_dm(ines)) if i.startswith("e:hr:close:"))
        await ines.user.click(last_dm(ines), custom_id=end)
        await tom.expect("ines a terminé la conversation")
        await wait_for(lambda: "Was this help useful" in last_dm(ines).content)
        yes = next(i for i in custom_ids(last_dm(ines)) if i.endswith(":y"))
        thanks = await ines.user.click(last_dm(ines), custom_id=yes)
        assert thanks.response is not None
        assert "good to hear" in thanks.response.content
    finally:
        stop.set()
        await background
        await env.shutdown()
        await telegram.stop()
        await app.close()
