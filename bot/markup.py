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
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|>#\[\]()-])")


def escape(text: str) -> str:
    """Make user text safe to embed in subset markup: it will show literally."""
    return _SPECIAL.sub(r"\\\1", text)


def parse(text: str) -> list[tuple[bool, str]]:
    """Split markup into ``(is_bold, literal_text)`` runs, escapes resolved."""
    runs: list[tuple[bool, str]] = []
    bold = False
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "\\*":
            current.append(text[i + 1])
            i += 2
            continue
        if text.startswith("**", i):
            if current:
                runs.append((bold, "".join(current)))
                current = []
            bold = not bold
            i += 2
            continue
        current.append(char)
        i += 1
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
    """Discord Markdown: bold kept, every other Markdown character escaped."""
    parts = []
    for bold, run in parse(text):
        safe = _DISCORD_SPECIAL.sub(r"\\\1", run)
        parts.append(f"**{safe}**" if bold else safe)
    return "".join(parts)
