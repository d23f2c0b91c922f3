"""The small Markdown subset the core speaks, and its renderings for each platform.

The subset is deliberately tiny so that every platform can show it safely:
``**bold**`` and plain lines (numbered steps are just lines). A backslash escapes
``*`` and ``\\``. Text typed by users is always escaped before it is put into a
template, so nobody can break a platform's parser or fake formatting.
"""

from __future__ import annotations

import html
import re

_SPECIAL = re.compile(r"([\\*])")
_PIECES = re.compile(r"\\[\\*]|\*\*|[^\\*]+|[\\*]")
"""An escaped character, a bold mark, a run of plain text, or a lone ``*`` or ``\\``."""
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|\[\]])")
_DISCORD_LINE_START = re.compile(r"(^|\n)([ \t]*)([#>-])")
"""Headings, quotes and list marks only mean something at the start of a line."""
_DISCORD_MENTION = re.compile(r"(<(?:#|@&|@!?)\d{1,24}>)")
"""Channel, role and user mentions, shown as Discord shows them (never pinging anyone: the
adapter sends with no allowed mentions)."""


def escape(text: str) -> str:
    """Make user text safe to embed in subset markup: it will show literally."""
    return _SPECIAL.sub(r"\\\1", text)


def parse(text: str) -> list[tuple[bool, str]]:
    """Split markup into ``(is_bold, literal_text)`` runs, escapes resolved."""
    if "*" not in text and "\\" not in text:
        return [(False, text)] if text else []
    runs: list[tuple[bool, str]] = []
    bold = False
    current: list[str] = []
    for piece in _PIECES.findall(text):
        if piece == "**":
            if current:
                runs.append((bold, "".join(current)))
                current = []
            bold = not bold
        elif len(piece) == 2 and piece[0] == "\\" and piece[1] in "\\*":
            current.append(piece[1])
        else:
            current.append(piece)
    if current:
        runs.append((bold, "".join(current)))
    return runs


def to_plain(text: str) -> str:
    """Plain text, formatting dropped (terminal without colours, notifications)."""
    return "".join(run for _, run in parse(text))


def to_ansi(text: str) -> str:
    """Terminal text with bold shown as ANSI bold."""
    return "".join(f"\x1b[1m{run}\x1b[0m" if bold else run for bold, run in parse(text))


def to_telegram_html(text: str) -> str:
    """Telegram ``parse_mode=HTML`` text: everything escaped, bold as ``<b>``."""
    return "".join(
        f"<b>{html.escape(run, quote=False)}</b>" if bold else html.escape(run, quote=False)
        for bold, run in parse(text)
    )


def to_discord(text: str) -> str:
    """Discord Markdown: bold kept, mentions kept, every other Markdown character escaped."""
    parts = []
    for bold, run in parse(text):
        pieces = _DISCORD_MENTION.split(run)
        safe = "".join(
            piece if i % 2 else _DISCORD_SPECIAL.sub(r"\\\1", piece)
            for i, piece in enumerate(pieces)
        )
        parts.append(f"**{safe}**" if bold else safe)
    return _DISCORD_LINE_START.sub(r"\1\2\\\3", "".join(parts))


def _bold_open_at_end(text: str) -> bool:
    """Whether a ``**`` run is still open at the end of ``text``."""
    bold = False
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\*":
            i += 2
            continue
        if text.startswith("**", i):
            bold = not bold
            i += 2
            continue
        i += 1
    return bold


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` to keep at most ``limit`` characters: a paragraph break, else a
    line break, else a space, else anywhere but inside an escape."""
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > limit // 4:
            return at + len(separator)
    at = limit
    if window.endswith("\\"):
        at -= 1
    return at


def split(text: str, limit: int) -> list[str]:
    """Split subset markup into pieces of at most ``limit`` characters (a platform's message
    size), at paragraph breaks when possible; bold runs are closed and reopened across a cut."""
    if limit < 16:
        raise ValueError("limit too small to split into readable pieces")
    pieces: list[str] = []
    rest = text
    reopen = False
    while rest:
        head = "**" if reopen else ""
        room = limit - len(head) - 2
        if len(head) + len(rest) <= limit:
            pieces.append(head + rest)
            break
        at = _cut(rest, room)
        piece, rest = head + rest[:at].rstrip(), rest[at:].lstrip("\n ")
        reopen = _bold_open_at_end(piece)
        pieces.append(piece + "**" if reopen else piece)
    return [p for p in pieces if p.strip()]
