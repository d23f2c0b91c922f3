"""Telegram people for the end-to-end tests: they type into, and read from, the
``telegram-test-api`` server that the bot under test polls like the real Bot API."""

from __future__ import annotations

import asyncio
import base64
import html
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
NODE_MODULES = Path(
    os.environ.get("ENTRAIDE_NODE_MODULES", HERE.parents[2] / ".cache" / "node" / "node_modules")
)
TOKEN = "123456789:AAEntraideEndToEndTestToken"
_TAG = re.compile(r"<[^>]+>")


def missing() -> str | None:
    """Why the peer cannot start here (no Node, or ``make test`` did not install it)."""
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (NODE_MODULES / "telegram-test-api").is_dir():
        return f"telegram-test-api is not installed in {NODE_MODULES} (run make test)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Peer:
    """The launcher process and an HTTP client to it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
        self.process = subprocess.Popen(
            ["node", str(HERE / "launcher.js"), str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        line = self.process.stdout.readline().decode()
        if "listening" not in line:
            raise RuntimeError(f"the Telegram peer did not start: {self.process.stderr.read()!r}")
        self.http = httpx.AsyncClient(base_url=self.url, timeout=10)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.http.post(path, json=body)
        response.raise_for_status()
        return response.json().get("result")

    async def close(self) -> None:
        await self.http.aclose()
        self.process.terminate()
        self.process.wait(timeout=10)

    async def admins(self, chat_id: int, user_ids: list[int]) -> None:
        await self.post("/admins", {"chatId": chat_id, "userIds": user_ids})

    async def block(self, user_id: int) -> None:
        await self.post("/block", {"userId": user_id})

    async def commands(self) -> list[dict[str, Any]]:
        response = await self.http.get("/commands")
        return list(response.json()["result"])


@dataclass
class Shown:
    """A bot message as the person sees it."""

    message_id: int
    text: str
    buttons: list[tuple[str, str | None, str | None]]
    """``(label, callback data, url)``."""
    document: tuple[str, bytes] | None
    raw: dict[str, Any]


@dataclass
class Person:
    """Someone on Telegram, in their private chat or in a group."""

    peer: Peer
    user_id: int
    name: str
    language: str = "fr"
    chat_id: int | None = None
    """A group's id (negative); None: the private chat."""
    seen: dict[tuple[int, int], int] = field(default_factory=dict)
    """(chat, message id) → edits already read."""

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def _chat(self) -> dict[str, Any]:
        if self.chat_id is None:
            return {"id": self.user_id, "type": "private", "first_name": self.name}
        return {"id": self.chat_id, "type": "group", "title": "Groupe des bénévoles"}

    def _from(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.name,
            "language_code": self.language,
        }

    def in_group(self, chat_id: int) -> Person:
        """The same person, typing in a group."""
        return Person(self.peer, self.user_id, self.name, self.language, chat_id, self.seen)

    def privately(self) -> Person:
        """The same person, in the private chat."""
        return Person(self.peer, self.user_id, self.name, self.language, None, self.seen)

    async def send(self, text: str) -> None:
        message: dict[str, Any] = {
            "botToken": TOKEN,
            "from": self._from(),
            "chat": self._chat(),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        await self.peer.post("/sendMessage", message)

    async def press(self, label: str, within: float = 10) -> None:
        """Press the newest button whose label contains ``label`` in this chat."""
        deadline = time.monotonic() + within
        while True:
            for shown in reversed(await self.transcript()):
                for text, data, _ in shown.buttons:
                    if label.casefold() in text.casefold() and data is not None:
                        await self.peer.post(
                            "/sendCallback",
                            {
                                "botToken": TOKEN,
                                "from": self._from(),
                                "message": shown.raw,
                                "data": data,
                            },
                        )
                        return
            if time.monotonic() > deadline:
                raise AssertionError(f"no button {label!r} in chat {self.chat}")
            await asyncio.sleep(0.05)

    async def transcript(self) -> list[Shown]:
        raw = await self.peer.post("/transcript", {"token": TOKEN, "chatId": self.chat})
        shown = []
        for item in raw:
            keyboard = (item.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [
                (b.get("text", ""), b.get("callback_data"), b.get("url"))
                for row in keyboard
                for b in row
            ]
            document = None
            if "document_content" in item:
                document = (
                    item["document"]["file_name"],
                    base64.b64decode(item["document_content"]),
                )
            text = html.unescape(_TAG.sub("", item.get("text") or item.get("caption") or ""))
            shown.append(Shown(item["message_id"], text, buttons, document, item))
        return shown

    async def expect(self, needle: str, within: float = 10) -> Shown:
        """Wait for a new (or newly edited) bot message in this chat containing ``needle``."""
        deadline = time.monotonic() + within
        fresh: list[str] = []
        while True:
            for shown in await self.transcript():
                key = (self.chat, shown.message_id)
                edits = int(shown.raw.get("edits", 0))
                if self.seen.get(key, -1) >= edits:
                    continue
                if shown.text not in fresh:
                    fresh.append(shown.text)
                if needle.casefold() in shown.text.casefold() or (
                    shown.document and needle in shown.document[0]
                ):
                    self.seen[key] = edits
                    return shown
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{needle!r} not received in chat {self.chat}; got {fresh[-6:]}"
                )
            await asyncio.sleep(0.05)

    async def catch_up(self) -> None:
        """Count everything shown so far as read."""
        for shown in await self.transcript():
            self.seen[(self.chat, shown.message_id)] = int(shown.raw.get("edits", 0))

    async def nothing_new(self, wait: float = 1.0) -> list[str]:
        """What arrived in this chat during ``wait`` seconds (expected: nothing)."""
        await asyncio.sleep(wait)
        new = []
        for shown in await self.transcript():
            key = (self.chat, shown.message_id)
            if self.seen.get(key, -1) < int(shown.raw.get("edits", 0)):
                new.append(shown.text)
        return new
