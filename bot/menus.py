"""The command menus platforms show next to the message box, in French and English."""

from __future__ import annotations

from dataclasses import dataclass

from bot import markup
from bot.dispatcher import Dispatcher
from bot.i18n import Catalogue
from bot.types import Msg, msg

GROUP_COMMANDS = ("aide", "missions", "lier")
"""What makes sense in a group; everything else is answered privately anyway."""


@dataclass(frozen=True, slots=True)
class CommandMenu:
    """One menu: for private chats or groups, in one language."""

    scope: str
    """``private`` or ``group``."""
    language: str
    commands: tuple[tuple[str, str], ...]
    """``(command name, description)`` in menu order."""


def command_menus(dispatcher: Dispatcher, catalogue: Catalogue) -> list[CommandMenu]:
    """Menus for private chats and groups, in every language of the catalogue."""
    described: list[tuple[str, Msg]] = [("aide", msg("menus.help"))]
    described += [(e.command, e.description) for e in dispatcher.menu(coordinator=False)]
    described += [("annuler", msg("menus.cancel"))]
    group: list[tuple[str, Msg]] = [
        (name, text) for name, text in described if name in GROUP_COMMANDS
    ] + [("lier", msg("menus.link"))]
    menus = []
    for language in catalogue.locales:
        for scope, entries in (("private", described), ("group", group)):
            commands = []
            for name, description in entries:
                names = dispatcher.aliases(name)
                if not names:
                    continue
                local = names[0]
                if language == "en" and len(names) > 1 and not names[0].startswith(names[1]):
                    local = names[1]  # the English alias, unless it is a mere variant
                text = markup.to_plain(catalogue.translate(description, language))
                commands.append((local, text[:1].upper() + text[1:]))
            menus.append(CommandMenu(scope, language, tuple(commands)))
    return menus
