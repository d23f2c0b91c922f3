"""Replies as JSON, so that a message can wait in the outbox and be translated when it is sent
(in the recipient's language, not the sender's)."""

from __future__ import annotations

import base64
from datetime import date, datetime, time
from typing import Any

from bot.types import Attachment, Button, Msg, Reply


def _value_to_json(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": msg_to_json(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat(timespec="minutes")}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return msg_from_json(value["msg"])
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "time" in value:
            return time.fromisoformat(value["time"])
    return value


def msg_to_json(message: Msg) -> dict[str, Any]:
    """A message key with its parameters, or literal text, as plain JSON."""
    data: dict[str, Any] = {}
    if message.key is not None:
        data["key"] = message.key
        data["params"] = {k: _value_to_json(v) for k, v in message.params.items()}
    if message.literal is not None:
        data["literal"] = message.literal
    if message.parts:
        data["parts"] = [msg_to_json(p) for p in message.parts]
        data["separator"] = message.separator
    return data


def msg_from_json(data: dict[str, Any]) -> Msg:
    """The inverse of :func:`msg_to_json`."""
    return Msg(
        key=data.get("key"),
        params={k: _value_from_json(v) for k, v in data.get("params", {}).items()},
        literal=data.get("literal"),
        parts=tuple(msg_from_json(p) for p in data.get("parts", ())),
        separator=data.get("separator", "\n"),
    )


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A whole reply (text, buttons, files, the card style) as plain JSON; a form is not
    kept (a message that waits cannot open one)."""
    data: dict[str, Any] = {
        "text": msg_to_json(reply.text),
        "buttons": [
            [{"label": msg_to_json(b.label), "data": b.data} for b in row] for row in reply.buttons
        ],
        "files": [
            {
                "filename": f.filename,
                "mime_type": f.mime_type,
                "content": base64.b64encode(f.content).decode("ascii"),
            }
            for f in reply.files
        ],
    }
    if reply.card:
        data["card"] = True
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """The inverse of :func:`reply_to_json`."""
    return Reply(
        text=msg_from_json(data["text"]),
        buttons=tuple(
            tuple(Button(msg_from_json(b["label"]), b["data"]) for b in row)
            for row in data.get("buttons", ())
        ),
        files=tuple(
            Attachment(f["filename"], base64.b64decode(f["content"]), f["mime_type"])
            for f in data.get("files", ())
        ),
        card=bool(data.get("card", False)),
    )
