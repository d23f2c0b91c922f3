"""The Telegram adapter's pure translations, on update payloads as the Bot API sends them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.error import RetryAfter

from bot.adapters.telegram import (
    OnePersonAtATime,
    deep_link,
    render,
    retry_after_seconds,
    to_event,
)
from bot.types import Attachment, Platform, RenderedButton, RenderedReply

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BOT = Bot("123456789:AAEntraideUnitTestToken")
MARIE = {"id": 42, "is_bot": False, "first_name": "Marie", "language_code": "fr"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Marie"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Bénévoles"}


def update(**payload: Any) -> Update:
    data = {"update_id": 1, **payload}
    parsed = Update.de_json(data, BOT)
    assert parsed is not None
    return parsed


def message(text: str | None = None, chat: dict[str, Any] = PRIVATE, **extra: Any) -> Update:
    body: dict[str, Any] = {"message_id": 7, "date": 1764072000, "chat": chat, "from": MARIE}
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return update(message={**body, **extra})


def test_private_text_is_a_question_from_that_person() -> None:
    event = to_event(message("cmt envoyer une pj"), "EntraideBot", NOW)
    assert event is not None
    assert event.text == "cmt envoyer une pj"
    assert event.user.platform is Platform.TELEGRAM
    assert event.user.user_id == "42"
    assert event.user.language_code == "fr"
    assert event.chat.is_private
    assert event.message_id == "7"


def test_commands_with_arguments_and_the_bots_name() -> None:
    event = to_event(message("/missions@EntraideBot 69003"), "EntraideBot", NOW)
    assert event is not None
    assert (event.command, event.args) == ("missions", ("69003",))
    assert to_event(message("/missions@OtherBot"), "EntraideBot", NOW) is None


def test_a_deep_link_start_runs_the_command_it_carries() -> None:
    event = to_event(message("/start go_mes_missions"), "EntraideBot", NOW)
    assert event is not None
    assert (event.command, event.args) == ("mes_missions", ())
    plain = to_event(message("/start"), "EntraideBot", NOW)
    assert plain is not None
    assert plain.command == "start"


def test_in_a_group_only_commands_and_mentions_reach_the_bot() -> None:
    assert to_event(message("bonjour à tous", chat=GROUP), "EntraideBot", NOW) is None
    mention = to_event(
        message("@EntraideBot comment faire une visio ?", chat=GROUP), "EntraideBot", NOW
    )
    assert mention is not None
    assert mention.text == "comment faire une visio ?"
    assert not mention.chat.is_private
    command = to_event(message("/aide", chat=GROUP), "EntraideBot", NOW)
    assert command is not None
    assert command.command == "aide"


def test_a_button_press_carries_its_data_and_message() -> None:
    press = update(
        callback_query={
            "id": "99",
            "from": MARIE,
            "chat_instance": "1",
            "data": "mi:s:12",
            "message": {"message_id": 31, "date": 1764072000, "chat": PRIVATE, "text": "…"},
        }
    )
    event = to_event(press, "EntraideBot", NOW)
    assert event is not None
    assert event.button == "mi:s:12"
    assert event.message_id == "31"


def test_a_shared_location_in_private() -> None:
    event = to_event(message(location={"latitude": 45.76, "longitude": 4.85}), "EntraideBot", NOW)
    assert event is not None
    assert event.location is not None
    assert event.location.latitude == pytest.approx(45.76)


def test_service_messages_and_other_bots_are_ignored() -> None:
    assert to_event(message(None), "EntraideBot", NOW) is None
    robot = {**MARIE, "is_bot": True}
    assert to_event(message("salut", **{"from": robot}), "EntraideBot", NOW) is None


def test_render_escapes_html_keeps_bold_and_puts_buttons_on_the_last_piece() -> None:
    reply = RenderedReply(
        text="**Collecte** <samedi> & dimanche",
        buttons=((RenderedButton("✅ Je m'inscris", "mi:s:1"),),),
        files=(Attachment("m.ics", b"x", "text/calendar"),),
    )
    (only,) = render(reply)
    assert only.text == "<b>Collecte</b> &lt;samedi&gt; &amp; dimanche"
    assert only.keyboard is not None
    assert only.keyboard.inline_keyboard[0][0].callback_data == "mi:s:1"


def test_render_splits_long_text_below_telegrams_limit() -> None:
    text = "\n\n".join("paragraphe " + "mot " * 200 for _ in range(8))
    pieces = render(RenderedReply(text=text, buttons=((RenderedButton("Menu", "cmd:aide"),),)))
    assert len(pieces) > 1
    assert all(len(p.text) <= 4096 for p in pieces)
    assert [p.keyboard is not None for p in pieces] == [False] * (len(pieces) - 1) + [True]


def test_deep_links_and_retry_after() -> None:
    assert (
        deep_link("EntraideBot", "mes_missions") == "https://t.me/EntraideBot?start=go_mes_missions"
    )
    assert deep_link("EntraideBot", None) == "https://t.me/EntraideBot"
    assert retry_after_seconds(RetryAfter(7)) == pytest.approx(7.0)


def test_pictures_stickers_and_voice_in_private_are_said_to_be_unreadable() -> None:
    photo = [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]
    event = to_event(message(photo=photo), "entraide_bot", NOW)
    assert event is not None
    assert event.unsupported == "photo"
    assert event.kind == "unsupported"
    voice = {"file_id": "v", "file_unique_id": "vu", "duration": 3}
    spoken = to_event(message(voice=voice), "entraide_bot", NOW)
    assert spoken is not None
    assert spoken.unsupported == "voice"
    assert to_event(message(photo=photo, chat=GROUP), "entraide_bot", NOW) is None


async def test_updates_are_answered_at_once_but_one_persons_in_order() -> None:
    processor = OnePersonAtATime(8)
    finished: list[str] = []

    async def answer(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    marie = {"id": 1, "type": "private"}
    paul = {"id": 2, "type": "private"}
    first = message("slow", chat=marie, **{"from": {"id": 1, "is_bot": False, "first_name": "M"}})
    second = message("fast", chat=marie, **{"from": {"id": 1, "is_bot": False, "first_name": "M"}})
    other = message("other", chat=paul, **{"from": {"id": 2, "is_bot": False, "first_name": "P"}})
    await asyncio.gather(
        processor.process_update(first, answer("marie 1", 0.05)),
        processor.process_update(second, answer("marie 2", 0.0)),
        processor.process_update(other, answer("paul", 0.0)),
    )
    assert finished == ["paul", "marie 1", "marie 2"]
