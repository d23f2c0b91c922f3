"""The Discord adapter's pure parts: interactions to events, replies to messages."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot.adapters.discord import (
    BUTTON_PREFIX,
    MAX_ROWS,
    DiscordMessage,
    Interacted,
    command_specs,
    edit_kwargs,
    form_modal,
    form_values,
    intents,
    message_event,
    render,
    send_kwargs,
    to_event,
)
from bot.i18n import Catalogue
from bot.types import (
    Attachment,
    Platform,
    RenderedButton,
    RenderedField,
    RenderedForm,
    RenderedReply,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def facts(**changes: object) -> Interacted:
    values: dict[str, object] = {
        "kind": "command",
        "user_id": "42",
        "user_name": "Alice",
        "locale": "fr",
        "channel_id": "900",
        "guild_id": "700",
        "guild_name": "Les Restos",
        "command": "missions",
    }
    values.update(changes)
    return Interacted(**values)  # type: ignore[arg-type]


def test_a_command_in_a_server_is_an_ephemeral_event_of_that_space() -> None:
    event = to_event(facts(args=("lyon",), manager=True, roles=("55",)), NOW)
    assert event is not None
    assert event.command == "missions"
    assert event.args == ("lyon",)
    assert event.text == "/missions lyon"
    assert event.chat.chat_id == "900"
    assert not event.chat.is_private
    assert event.chat.ephemeral
    assert event.space is not None
    assert (event.space.space_id, event.space.name) == ("700", "Les Restos")
    assert event.chat_admin
    assert event.member_roles == ("55",)
    assert event.user.platform is Platform.DISCORD
    assert event.user.language_code == "fr"


def test_in_private_messages_the_chat_is_the_person_and_server_rights_do_not_count() -> None:
    event = to_event(facts(guild_id=None, guild_name=None, manager=True, roles=("55",)), NOW)
    assert event is not None
    assert event.chat.is_private
    assert not event.chat.ephemeral
    assert event.chat.chat_id == "42"
    assert event.space is None
    assert not event.chat_admin
    assert event.member_roles == ()


def test_buttons_and_forms_carry_core_data_and_foreign_ones_are_ignored() -> None:
    pressed = to_event(facts(kind="button", command=None, custom_id="e:mi:s:3"), NOW)
    assert pressed is not None
    assert pressed.button == "mi:s:3"
    assert to_event(facts(kind="button", command=None, custom_id="other-bot:1"), NOW) is None
    submitted = to_event(
        facts(kind="form", command=None, custom_id="f:ma:form", values={"title": "Maraude"}),
        NOW,
    )
    assert submitted is not None
    assert submitted.button == "ma:form"
    assert submitted.form == {"title": "Maraude"}


def test_private_text_becomes_a_text_event_and_blank_text_nothing() -> None:
    event = message_event("42", "Alice", "cmt envoyer une pj", "1", NOW)
    assert event is not None
    assert event.text == "cmt envoyer une pj"
    assert event.chat.is_private
    assert message_event("42", "Alice", "   ", "1", NOW) is None


def test_form_values_are_read_whatever_the_nesting() -> None:
    data = {
        "custom_id": "f:ma:form",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "title", "value": "Maraude"}]},
            {"type": 18, "component": {"type": 4, "custom_id": "places", "value": "3"}},
        ],
    }
    assert form_values(data) == {"title": "Maraude", "places": "3"}
    assert form_values(None) == {}


def test_text_is_escaped_cut_below_the_limit_and_buttons_stay_on_the_last_piece() -> None:
    long = "\n\n".join(f"**Étape {n}** : cliquez sur _Envoyer_." for n in range(200))
    reply = RenderedReply(text=long, buttons=((RenderedButton("Oui", "kb:y:1"),),))
    messages = render(reply)
    assert len(messages) > 1
    assert all(m.content is not None and len(m.content) <= 2000 for m in messages)
    assert "\\_Envoyer\\_" in (messages[0].content or "")
    assert all(not m.rows for m in messages[:-1])
    assert messages[-1].custom_ids == ["e:kb:y:1"]


def test_more_than_five_rows_go_to_further_messages() -> None:
    rows = tuple((RenderedButton(f"Mission {n}", f"ma:m:{n}"),) for n in range(12))
    messages = render(RenderedReply(text="Vos missions", buttons=rows))
    assert [len(m.rows) for m in messages] == [MAX_ROWS, MAX_ROWS, 2]
    assert messages[0].content == "Vos missions"
    assert sum(len(m.custom_ids) for m in messages) == 12


def test_a_card_is_an_embed_with_its_first_line_as_title() -> None:
    reply = RenderedReply(
        text="**Collecte alimentaire**\n📅 samedi\n👥 3 places", card=True, buttons=()
    )
    [message] = render(reply)
    assert message.content is None
    assert message.embed_title == "Collecte alimentaire"
    assert message.embed_text == "📅 samedi\n👥 3 places"
    embed = send_kwargs(message)["embed"]
    assert isinstance(embed, discord.Embed)
    assert embed.title == "Collecte alimentaire"


def test_a_form_that_cannot_open_by_itself_gets_a_button() -> None:
    form = RenderedForm("ma:form", "Nouvelle mission", (), "cmd:nouvelle_mission")
    reply = RenderedReply(text="Quel est le titre ?", form=form)
    assert render(reply)[0].custom_ids == []
    [message] = render(reply, form_label="📝 Ouvrir le formulaire")
    assert message.custom_ids == [f"{BUTTON_PREFIX}cmd:nouvelle_mission"]


def test_send_and_edit_arguments() -> None:
    message = DiscordMessage(
        content="Bonjour",
        rows=((RenderedButton("Oui", "kb:y:1"), RenderedButton("Non", "kb:n:1")),),
        files=(Attachment("mission.ics", b"BEGIN:VCALENDAR", "text/calendar"),),
    )
    kwargs = send_kwargs(message)
    assert kwargs["content"] == "Bonjour"
    assert kwargs["allowed_mentions"].everyone is False
    view = kwargs["view"]
    assert view.timeout is None
    assert [item.custom_id for item in view.children] == ["e:kb:y:1", "e:kb:n:1"]
    assert [f.filename for f in kwargs["files"]] == ["mission.ics"]
    plain = edit_kwargs(DiscordMessage(content="Fini"))
    assert plain["view"] is None
    assert plain["embed"] is None


def test_the_modal_has_the_form_fields_with_discord_limits() -> None:
    field = RenderedField("title", "Titre " * 20, False, True, 120, "Maraude", "Collecte")
    longer = RenderedField("description", "Description", True, False, 9000, "", None)
    modal = form_modal(RenderedForm("ma:form", "Nouvelle mission", (field, longer), "x"))
    assert modal.custom_id == "f:ma:form"
    labels = [item for item in modal.children if isinstance(item, discord.ui.Label)]
    inputs = [
        label.component for label in labels if isinstance(label.component, discord.ui.TextInput)
    ]
    assert len(inputs) == len(labels)
    assert [i.custom_id for i in inputs] == ["title", "description"]
    assert len(labels[0].text) <= 45
    assert inputs[0].default == "Maraude"
    assert inputs[1].style is discord.TextStyle.paragraph
    assert inputs[1].max_length == 4000


def test_commands_have_french_names_english_names_and_short_descriptions() -> None:
    aliases = {
        "aide": ["aide", "help", "menu"],
        "missions": ["missions", "mission"],
        "nouvelle_mission": ["nouvelle_mission", "new_mission"],
        "question": ["question", "ask"],
    }
    specs = command_specs(lambda name: aliases.get(name, []), Catalogue.load())
    by_name = {s.name: s for s in specs}
    assert set(by_name) == set(aliases)
    assert by_name["aide"].english == "help"
    assert by_name["missions"].english == "missions"
    assert by_name["question"].option == "question"
    assert by_name["nouvelle_mission"].option == "text"
    assert all(0 < len(d) <= 100 for s in specs for d in s.description.values())


@pytest.mark.parametrize("privileged", ["members", "message_content", "presences"])
def test_no_privileged_intent_is_asked_for(privileged: str) -> None:
    chosen = intents()
    assert chosen.guilds
    assert chosen.dm_messages
    assert not getattr(chosen, privileged)


def test_a_private_message_with_only_a_picture_says_what_it_carried() -> None:
    event = message_event("42", "Alice", "", "1", NOW, unsupported="photo")
    assert event is not None
    assert event.unsupported == "photo"
    assert event.text is None
    assert message_event("42", "Alice", "", "1", NOW) is None
