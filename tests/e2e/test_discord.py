"""Entraide on Discord, end to end: the real discord.py client runs against simcord's
simulated Discord (servers, members, permissions, slash commands after ``tree.sync()``,
buttons, modals, private messages); people type commands and press buttons there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import discord
import pytest
import simcord

from bot.adapters.discord import DiscordAdapter
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import Delivery
from bot.ratelimit import Limits, RateLimiter
from bot.types import Outgoing, Platform
from bot.wiring import App, Assets, build_app
from storage.help import MentorStatus
from storage.outbox import DeliveryStatus
from storage.records import MissionRecord, Role
from tests.e2e.cli import entraide
from tests.factories import a_mission
from tests.harness import Conversation

MANAGER = discord.Permissions(manage_guild=True)


def unpaced() -> RateLimiter:
    """A fresh limiter that never waits (the simulated Discord has no limits to respect)."""
    return RateLimiter(Limits(per_second=None, chat_interval=0.0))


@dataclass
class Server:
    """A running bot in a simulated Discord, with one association server."""

    app: App
    adapter: DiscordAdapter
    env: simcord.Env
    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    delivery: Delivery

    def member(self, name: str, *, manager: bool = False) -> simcord.MemberActor:
        roles = [self.guild.create_role(f"{name}-managers", permissions=MANAGER)] if manager else []
        return self.guild.add_member(self.env.create_user(name), roles=roles)

    async def deliver(self) -> None:
        """Run due jobs and send what the outbox holds, as the background loops would."""
        await self.app.worker.tick()
        while await self.delivery.drain():
            pass
        await self.env.settle()

    async def association_id(self) -> int:
        space = await self.app.services.spaces.resolve(
            "discord", str(self.guild.id), self.guild.name
        )
        return space.association_id

    async def mission(self, title: str = "Collecte alimentaire", places: int = 3) -> MissionRecord:
        return await a_mission(
            self.app, title, places=places, association_id=await self.association_id()
        )


def dm_texts(member: simcord.MemberActor) -> list[str]:
    """Everything in the member's private chat with the bot, oldest first (embeds too)."""
    texts = []
    for message in member.user.dm_channel.history():
        texts.append(message.content + "".join(e.title or "" for e in message.embeds))
    return texts


def messages_of(result: simcord.InteractionResult) -> list[simcord.ResponseMessage]:
    """The answer and its follow-ups."""
    first = [result.response] if result.response is not None else []
    return [*first, *result.followups]


def custom_ids(message: simcord.ResponseMessage | discord.Message) -> list[str]:
    """The ``custom_id`` of every button of a message, row by row."""
    if isinstance(message, discord.Message):
        return [
            child.custom_id
            for row in message.components
            if isinstance(row, discord.ActionRow)
            for child in row.children
            if isinstance(child, discord.Button) and child.custom_id
        ]
    return [
        c["custom_id"]
        for row in message.components
        for c in row["components"]
        if c.get("custom_id")
    ]


def holding(result: simcord.InteractionResult, custom_id: str) -> simcord.ResponseMessage:
    """The message of the answer that has this button."""
    for message in messages_of(result):
        if custom_id in custom_ids(message):
            return message
    raise AssertionError(f"no {custom_id} in {[m.content for m in messages_of(result)]}")


def close_private_messages(server: Server) -> None:
    """From now on Discord refuses the bot's private messages (code 50007)."""
    server.env.inject_error(
        "POST",
        "/channels/*/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )


def last_dm(member: simcord.MemberActor) -> discord.Message:
    messages = member.user.dm_channel.history()
    assert messages, "no private message"
    return messages[-1]


@pytest.fixture
async def server(
    tmp_path: Path, settings_for: Callable[[str], Settings], assets: Assets, clock: ManualClock
) -> AsyncIterator[Server]:
    app = await build_app(
        settings_for(f"sqlite:///{tmp_path / 'discord.db'}"), assets=assets, clock=clock
    )
    limiter = unpaced()
    adapter = app.discord_adapter(limiter)
    delivery = app.delivery(Platform.DISCORD, adapter.send, limiter=limiter)
    env = simcord.Env(adapter.client)
    await env.start()
    try:
        guild = env.create_guild("Les Restos du Quartier")
        general = guild.create_text_channel("general")
        yield Server(app, adapter, env, guild, general, delivery)
    finally:
        await env.shutdown()
        await app.close()
    env.raise_errors()


async def test_help_and_a_digital_help_question(server: Server) -> None:
    alice = server.member("alice")
    menu = await alice.slash(server.general, "aide")
    assert menu.response is not None
    assert menu.response.ephemeral
    assert "Here is what I can do" in menu.response.content
    assert "ask a question" in menu.response.content

    asked = await alice.slash(
        server.general, "question", question="how do I attach a file to an email"
    )
    answer = asked.response
    assert answer is not None
    assert answer.ephemeral
    assert "attach" in answer.content.lower()
    labels = [c["label"] for row in answer.components for c in row["components"]]
    assert any("yes" in label.lower() for label in labels), labels


async def test_missions_sign_up_by_button_confirmed_privately_then_cancel(server: Server) -> None:
    mission = await server.mission()
    bob = server.member("bob")
    listing = await bob.slash(server.general, "missions")
    assert all(m.ephemeral for m in messages_of(listing))
    card = holding(listing, f"e:mi:s:{mission.id}")
    assert "Collecte alimentaire" in card.content

    pressed = await bob.click(card, custom_id=f"e:mi:s:{mission.id}")
    notice = messages_of(pressed)
    assert [m.content for m in notice] == ["📬 I wrote to you in a private message."]
    confirmation = last_dm(bob)
    assert "you are signed up for **Collecte alimentaire**" in confirmation.content
    assert [a.filename for a in confirmation.attachments] == [f"mission-{mission.id}.ics"]
    taken = await server.app.services.missions.get(await server.association_id(), mission.id)
    assert taken is not None
    assert taken.taken == 1

    cancelled = await bob.user.click(confirmation, custom_id=f"e:mi:c:{mission.id}")
    assert cancelled.response is not None
    assert "Cancelled for" in cancelled.response.content
    left = await server.app.services.missions.get(await server.association_id(), mission.id)
    assert left is not None
    assert left.taken == 0


async def test_private_messages_closed_fall_back_to_the_ephemeral_answer(server: Server) -> None:
    mission = await server.mission()
    carl = server.member("carl")
    listing = await carl.slash(server.general, "missions")
    card = holding(listing, f"e:mi:s:{mission.id}")
    close_private_messages(server)
    pressed = await carl.click(card, custom_id=f"e:mi:s:{mission.id}")
    texts = [m.content for m in messages_of(pressed)]
    assert texts[0].startswith("📭 I could not write to you privately")
    assert "you are signed up for **Collecte alimentaire**" in texts[1]
    assert all(m.ephemeral for m in messages_of(pressed))


async def test_a_coordinator_creates_a_mission_in_the_modal_and_posts_it(server: Server) -> None:
    annonces = server.guild.create_text_channel("annonces")
    carol = server.member("carol", manager=True)
    configured = await carol.slash(annonces, "config canal")
    assert configured.response is not None
    assert f"<#{annonces.id}>" in configured.response.content

    opened = await carol.slash(server.general, "nouvelle_mission")
    assert opened.modal is not None
    assert opened.modal["title"] == "New mission"
    wrong = await carol.submit_modal(
        opened, {"title": "Maraude", "when": "hier", "place": "Lyon", "places": "tous"}
    )
    assert wrong.response is not None
    assert "Nearly there" in wrong.response.content
    fix = await carol.click(wrong.response, custom_id="e:ma:formagain")
    assert fix.modal is not None
    filled = {
        c["component"]["custom_id"]: c["component"].get("value") for c in fix.modal["components"]
    }
    assert filled["title"] == "Maraude"
    assert filled["places"] == "tous"

    submitted = await carol.submit_modal(
        fix,
        {
            "title": "Maraude du soir",
            "when": "samedi 19h-22h",
            "place": "Place Bellecour, 69002 Lyon",
            "places": "2",
            "description": "Distribuer des repas chauds",
        },
    )
    notice = [m.content for m in messages_of(submitted)]
    assert notice == ["📬 I wrote to you in a private message."]
    preview = last_dm(carol)
    assert "Maraude du soir" in preview.content
    published = await carol.user.click(preview, custom_id="e:ma:pub")
    assert published.response is not None
    assert "Mission published" in published.response.content
    post_button = next(i for i in custom_ids(published.response) if i.startswith("e:ma:post:"))
    posted = await carol.user.click(published.response, custom_id=post_button)
    assert posted.response is not None
    assert "will be posted in 1 channel" in posted.response.content

    await server.deliver()
    post = annonces.last_message
    assert post is not None
    assert post.embeds[0].title == "Maraude du soir"
    mission_id = int(post_button.rsplit(":", 1)[1])
    assert f"e:mi:s:{mission_id}" in custom_ids(post)
    assert "2 places left" in (post.embeds[0].description or "")

    dave = server.member("dave")
    await dave.click(post, custom_id=f"e:mi:s:{mission_id}")
    assert "you are signed up for **Maraude du soir**" in last_dm(dave).content
    await server.deliver()
    refreshed = annonces.last_message
    assert refreshed is not None
    assert refreshed.id == post.id
    assert "one place left" in (refreshed.embeds[0].description or "")


async def test_an_announcement_reaches_subscribed_members_only(server: Server) -> None:
    carol = server.member("carol", manager=True)
    erin = server.member("erin")
    frank = server.member("frank")
    await frank.slash(server.general, "aide")  # a member, but not subscribed
    menu = await erin.slash(server.general, "abonnements")
    everything = next(m for m in messages_of(menu) if "e:ab:all" in custom_ids(m))
    await erin.click(everything, custom_id="e:ab:all")

    started = await carol.slash(server.general, "annonce")
    assert [m.content for m in messages_of(started)] == ["📬 I wrote to you in a private message."]
    assert "Type the text of your announcement" in last_dm(carol).content
    await carol.send_dm("Réunion des bénévoles jeudi à 18h à la salle des fêtes.")
    audience = last_dm(carol)
    everyone = "e:an:a:all"
    preview = await carol.user.click(audience, custom_id=everyone)
    assert preview.response is not None
    send = next(i for i in custom_ids(preview.response) if i.startswith("e:an:s:"))
    await carol.user.click(preview.response, custom_id=send)

    await server.deliver()
    await server.deliver()
    assert any("Réunion des bénévoles" in text for text in dm_texts(erin))
    assert not any("Réunion des bénévoles" in text for text in dm_texts(frank))


async def test_a_member_without_the_coordinator_permission_is_refused(server: Server) -> None:
    bob = server.member("bob")
    refused = await bob.slash(server.general, "nouvelle_mission")
    assert refused.modal is None
    assert refused.response is not None
    assert refused.response.ephemeral
    assert "Only the association's coordinators" in refused.response.content
    settings = await bob.slash(server.general, "config canal")
    assert settings.response is not None
    assert "Only the association's coordinators" in settings.response.content
    channels = await server.app.services.announcements.channels(await server.association_id())
    assert channels == []


async def test_buttons_of_old_messages_still_work_after_a_restart(server: Server) -> None:
    mission = await server.mission()
    bob = server.member("bob")
    listing = await bob.slash(server.general, "missions")
    card = holding(listing, f"e:mi:s:{mission.id}")
    fresh = server.app.discord_adapter(unpaced())
    await server.env.restart_bot(fresh.client)
    pressed = await bob.click(card, custom_id=f"e:mi:s:{mission.id}")
    assert [m.content for m in messages_of(pressed)] == ["📬 I wrote to you in a private message."]
    assert "you are signed up for **Collecte alimentaire**" in last_dm(bob).content


async def test_a_deleted_announcements_channel_is_forgotten(server: Server) -> None:
    annonces = server.guild.create_text_channel("annonces")
    carol = server.member("carol", manager=True)
    await carol.slash(annonces, "config canal")
    association = await server.association_id()
    assert [c.chat_id for c in await server.app.services.announcements.channels(association)] == [
        str(annonces.id)
    ]
    server.env.backend.delete_channel(annonces.id)
    await server.env.settle()
    assert await server.app.services.announcements.channels(association) == []


async def test_a_channel_where_the_bot_cannot_post_is_refused_with_what_is_missing(
    server: Server,
) -> None:
    me = server.guild.me
    assert me is not None
    hidden = server.guild.create_text_channel(
        "bureau", overwrites={me: discord.PermissionOverwrite(send_messages=False)}
    )
    carol = server.member("carol", manager=True)
    refused = await carol.slash(server.general, "config canal", salon=hidden)
    assert refused.response is not None
    assert "I cannot post in" in refused.response.content
    assert '"Send Messages"' in refused.response.content
    assert await server.app.services.announcements.channels(await server.association_id()) == []


async def test_a_server_is_attached_to_an_existing_association_with_a_code(server: Server) -> None:
    services = server.app.services
    existing = await services.associations.create("secours", "Secours du Quartier")
    coordinator = await services.volunteers.identify("telegram", "77", "Nora")
    await services.associations.set_role(coordinator.id, existing.id, Role.COORDINATOR)
    code, _ = await services.spaces.issue_code(existing.id, coordinator.id)

    bob = server.member("bob")
    refused = await bob.slash(server.general, "lier", texte=code)
    assert refused.response is not None
    assert "Only an administrator" in refused.response.content
    owner = server.member("owner", manager=True)
    attached = await owner.slash(server.general, "lier", texte=f"{code[:4]}-{code[4:]}")
    assert attached.response is not None
    assert "now attached to **Secours du Quartier**" in attached.response.content
    assert await server.association_id() == existing.id
    again = await owner.slash(server.general, "lier", texte=code)
    assert again.response is not None
    assert "not valid" in again.response.content


async def test_holders_of_the_configured_role_coordinate(server: Server) -> None:
    owner = server.member("owner", manager=True)
    team = server.guild.create_role("Coordination")
    await owner.slash(server.general, "config role", role=team)
    gina = server.guild.add_member(server.env.create_user("gina"), roles=[team])
    opened = await gina.slash(server.general, "nouvelle_mission")
    assert opened.modal is not None
    bob = server.member("bob")
    refused = await bob.slash(server.general, "nouvelle_mission")
    assert refused.modal is None


async def test_commands_are_offered_in_french_and_english(server: Server) -> None:
    commands = {c["name"]: c for c in server.env.backend.commands[None].values()}
    assert {"aide", "missions", "nouvelle_mission", "config", "question"} <= set(commands)
    assert commands["aide"]["name_localizations"]["en-GB"] == "help"
    assert commands["aide"]["description"] == "Le menu de tout ce que je sais faire"
    assert commands["aide"]["description_localizations"]["en-US"].startswith("The menu")
    assert commands["config"]["name_localizations"]["en-US"] == "settings"
    option = commands["question"]["options"][0]
    assert option["required"] is True
    assert option["description"] == "votre question, avec vos mots"


async def test_a_reminder_refused_by_closed_private_messages_is_mentioned_next_time(
    server: Server, clock: ManualClock
) -> None:
    mission = await server.mission()
    bob = server.member("bob")
    listing = await bob.slash(server.general, "missions")
    await bob.click(holding(listing, f"e:mi:s:{mission.id}"), custom_id=f"e:mi:s:{mission.id}")
    close_private_messages(server)
    clock.advance(timedelta(days=2, hours=12))
    await server.deliver()
    counts = await server.app.services.outbox.counts("reminder")
    assert DeliveryStatus.UNREACHABLE in counts

    back = await bob.slash(server.general, "aide")
    first = messages_of(back)[0]
    assert first.ephemeral
    assert first.content.startswith("📭 I could not write to you in a private message")
    again = await bob.slash(server.general, "aide")
    assert not messages_of(again)[0].content.startswith("📭")


def test_entraide_run_with_a_discord_token_it_cannot_use_says_why_in_one_line(
    tmp_path: Path,
) -> None:
    done = entraide(["run"], tmp_path, DISCORD_BOT_TOKEN="not.a.token")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("entraide: ")
    # Without a network: "cannot reach Discord"; with one: "refused by Discord".
    assert "Discord" in lines[0]
    assert "not.a.token" not in done.stderr + done.stdout


async def test_a_sharded_client_answers_too(
    tmp_path: Path, settings_for: Callable[[str], Settings], assets: Assets
) -> None:
    app = await build_app(settings_for(f"sqlite:///{tmp_path / 'shards.db'}"), assets=assets)
    adapter = app.discord_adapter(unpaced(), shards="2")
    assert isinstance(adapter.client, discord.AutoShardedClient)
    env = simcord.Env(adapter.client, shard_count=2)
    await env.start()
    try:
        guild = env.create_guild("Croix du Sud")
        channel = guild.create_text_channel("general")
        alice = guild.add_member(env.create_user("alice"))
        menu = await alice.slash(channel, "aide")
        assert menu.response is not None
        assert "Here is what I can do" in menu.response.content
    finally:
        await env.shutdown()
        await app.close()
    env.raise_errors()


async def test_a_process_running_some_shards_serves_their_servers_only(
    tmp_path: Path, settings_for: Callable[[str], Settings], assets: Assets
) -> None:
    app = await build_app(settings_for(f"sqlite:///{tmp_path / 'split.db'}"), assets=assets)
    adapter = app.discord_adapter(unpaced(), shards="2", shard_ids=[1])
    assert not adapter.publishes_commands, "shard 0's process publishes the slash commands"
    assert app.discord_adapter(unpaced(), shards="2", shard_ids=[0]).publishes_commands
    env = simcord.Env(adapter.client, strict_sync=False)  # published by shard 0's process
    await env.start()
    try:
        ours = env.create_guild("Association A", shard_id=1)
        theirs = env.create_guild("Association B", shard_id=0)
        answered = []
        for guild in (ours, theirs):
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user(f"member-{guild.id}"))
            result = await member.slash(channel, "aide")
            answered.append(result.response is not None)
    finally:
        await env.shutdown()
        await app.close()
    assert answered == [True, False], "the other shard's server is another process's"


async def test_a_burst_of_commands_gets_one_slow_down_and_every_interaction_is_acknowledged(
    tmp_path: Path, settings_for: Callable[[str], Settings]
) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'flood.db'}").model_copy(
        update={"flood_burst": 2, "flood_seconds": 600.0}
    )
    app = await build_app(settings)
    adapter = app.discord_adapter(unpaced())
    env = simcord.Env(adapter.client)
    await env.start()
    try:
        guild = env.create_guild("Les Restos")
        channel = guild.create_text_channel("general")
        eager = guild.add_member(env.create_user("eager"))
        results = [await eager.slash(channel, "aide") for _ in range(4)]
        assert all(r.acknowledged for r in results)
        assert "Here is what I can do" in (
            results[1].response.content if results[1].response else ""
        )
        assert results[2].response is not None
        assert results[2].response.content.startswith("🐢 Easy")
        assert results[3].response is None, "past the warning, nothing more is said"
        assert results[3].deferred
    finally:
        await env.shutdown()
        await app.close()
    env.raise_errors()


async def test_one_person_on_discord_and_telegram_shares_sign_ups(server: Server) -> None:
    mission = await server.mission()
    hugo = server.member("hugo")
    listing = await hugo.slash(server.general, "missions")
    await hugo.click(holding(listing, f"e:mi:s:{mission.id}"), custom_id=f"e:mi:s:{mission.id}")
    asked = await hugo.slash(server.general, "lier_compte")
    assert [m.content for m in messages_of(asked)] == ["📬 I wrote to you in a private message."]
    found = re.search(r"\d{4}-\d{4}", last_dm(hugo).content)
    assert found is not None

    on_telegram = Conversation(
        server.app.dispatcher, user_id="555", name="Hugo", platform=Platform.TELEGRAM
    )
    await on_telegram.send(f"/lier_compte {found.group(0)}")
    assert "vos comptes sont reliés" in on_telegram.text
    await on_telegram.send("/mes_missions")
    assert "Collecte alimentaire" in on_telegram.text


async def test_a_discord_volunteer_is_helped_by_a_mentor_on_telegram(server: Server) -> None:
    services = server.app.services
    association_id = await server.association_id()
    mentor = Conversation(
        server.app.dispatcher, user_id="777", name="Tom", platform=Platform.TELEGRAM
    )
    tom = await services.volunteers.identify("telegram", "777", "Tom")
    await services.associations.enter(tom.id, association_id)
    record = await services.help.offer(tom.id, association_id, ["email"], "souple")
    await services.help.set_mentor_status(record.id, association_id, MentorStatus.ACTIVE)

    sent: list[tuple[str, str]] = []

    async def telegram(outgoing: Outgoing) -> None:
        rendered = services.catalogue.render(outgoing.reply, outgoing.locale)
        sent.append((outgoing.chat_id, rendered.text))
        mentor.replies = (rendered,)

    async def to_telegram() -> str:
        await server.app.worker.tick()
        await server.app.delivery(Platform.TELEGRAM, telegram).drain()
        return sent[-1][1] if sent else ""

    ines = server.member("ines")
    asked = await ines.slash(server.general, "humain", texte="je ne retrouve plus mes e-mails")
    assert [m.content for m in messages_of(asked)] == ["📬 I wrote to you in a private message."]
    assert "Passed on to the association's mentors" in last_dm(ines).content
    assert "ines" in await to_telegram()
    await mentor.press("Je m'en occupe")
    assert "Vous aidez ines" in mentor.text
    await server.deliver()
    assert "Tom** is taking your question" in last_dm(ines).content

    for n in range(3):
        await ines.send_dm(f"message {n} d'Inès")
        assert f"message {n} d'Inès" in await to_telegram()
        await mentor.send(f"réponse {n} de Tom")
        await server.deliver()
        assert f"réponse {n} de Tom" in last_dm(ines).content
    end = next(i for i in custom_ids(last_dm(ines)) if i.startswith("e:hr:close:"))
    ended = await ines.user.click(last_dm(ines), custom_id=end)
    assert ended.response is not None
    assert "Conversation ended" in ended.response.content
    assert "ines a terminé la conversation" in await to_telegram()
    await server.deliver()
    assert "Was this help useful" in last_dm(ines).content


async def test_help_requests_posted_in_the_mentors_channel_are_taken_from_there(
    server: Server,
) -> None:
    services = server.app.services
    salon = server.guild.create_text_channel("referents")
    carol = server.member("carol", manager=True)
    configured = await carol.slash(salon, "config referents")
    assert configured.response is not None
    assert "Help requests will also be posted here" in configured.response.content
    paula = server.member("paula")
    await paula.slash(server.general, "aide")
    association_id = await server.association_id()
    someone = await services.volunteers.identify("discord", str(paula.id), None)
    record = await services.help.offer(someone.id, association_id, ["autre"], "souple")
    await services.help.set_mentor_status(record.id, association_id, MentorStatus.ACTIVE)

    jo = server.member("jo")
    await jo.slash(server.general, "humain", texte="comment partager mon écran en visio")
    await server.deliver()
    post = salon.last_message
    assert post is not None
    assert "jo** a besoin d'aide" in post.content, "posted in the association's language"
    take = next(i for i in custom_ids(post) if i.startswith("e:hr:take:"))
    taken = await paula.click(post, custom_id=take)
    assert [m.content for m in messages_of(taken)] == ["📬 I wrote to you in a private message."]
    assert "You are helping **jo**" in last_dm(paula).content
    again = await carol.click(post, custom_id=take)
    assert again.response is not None
    assert "Someone is already on it" in again.response.content
    await server.deliver()
    edited = salon.last_message
    assert edited is not None
    assert edited.id == post.id, "the post itself was edited"
    assert "**paula** s'occupe de cette demande d'aide" in edited.content
    assert not [i for i in custom_ids(edited) if i.startswith("e:hr:take:")], "no button left"
