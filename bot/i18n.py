"""The message catalogue: every user-facing string, in French and English."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from bot import markup
from bot.types import (
    Form,
    Msg,
    RenderedButton,
    RenderedField,
    RenderedForm,
    RenderedReply,
    Reply,
)

log = logging.getLogger(__name__)

SUPPORTED_LOCALES: tuple[str, ...] = ("fr", "en")
LOCALES_DIR = Path(__file__).parent / "locales"


def normalise_locale(code: str | None, default: str = "fr") -> str:
    """Map a platform language code (``fr-FR``, ``en_GB``, ``de``) to a supported locale."""
    if code:
        base = code.replace("_", "-").split("-", 1)[0].strip().lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (YAML keeps the last one
    silently, which would hide a whole section of messages)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = str(value)
    return flat


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Catalogue:
    """Translates message keys into a locale; French is the default and the fallback."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]], default_locale: str = "fr"):
        self._messages = {locale: dict(table) for locale, table in messages.items()}
        self.default_locale = default_locale

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR, default_locale: str = "fr") -> Catalogue:
        """Read ``<locale>.yaml`` for every supported locale."""
        messages: dict[str, dict[str, str]] = {}
        for locale in SUPPORTED_LOCALES:
            with (directory / f"{locale}.yaml").open(encoding="utf-8") as handle:
                messages[locale] = _flatten(yaml.load(handle, Loader=_UniqueKeyLoader) or {})
        return cls(messages, default_locale)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales this catalogue holds."""
        return tuple(self._messages)

    def keys(self, locale: str) -> set[str]:
        """Every key defined for ``locale``."""
        return set(self._messages.get(locale, {}))

    def has(self, key: str) -> bool:
        """Whether ``key`` exists in the default locale."""
        return key in self._messages.get(self.default_locale, {})

    def template(self, key: str, locale: str) -> str:
        """The raw template, falling back to the default locale, then to the key itself."""
        table = self._messages.get(locale, {})
        if key in table:
            return table[key]
        fallback = self._messages.get(self.default_locale, {})
        log.warning("missing message %r in locale %r", key, locale)
        return fallback.get(key, key)

    def resolve(self, locale: str | None) -> str:
        """A supported locale for a platform code, or the default."""
        return normalise_locale(locale, self.default_locale)

    def translate(self, message: Msg, locale: str) -> str:
        """Render a message in subset markup; plain string parameters are escaped."""
        if message.key is None:
            if message.parts:
                return message.separator.join(self.translate(p, locale) for p in message.parts)
            return message.literal or ""
        template = self.template(message.key, locale)
        values = {name: self._format_value(value, locale) for name, value in message.params.items()}
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            log.exception("cannot format message %r in %r with %r", message.key, locale, values)
            return template

    def render(self, reply: Reply, locale: str) -> RenderedReply:
        """Translate a whole reply for one locale."""
        return RenderedReply(
            text=self.translate(reply.text, locale),
            buttons=tuple(
                tuple(
                    RenderedButton(
                        label=markup.to_plain(self.translate(b.label, locale)), data=b.data
                    )
                    for b in row
                )
                for row in reply.buttons
            ),
            files=reply.files,
            private=reply.private,
            edit=reply.edit,
            form=self._render_form(reply.form, locale) if reply.form else None,
            card=reply.card,
        )

    def _render_form(self, form: Form, locale: str) -> RenderedForm:
        def plain(message: Msg) -> str:
            return markup.to_plain(self.translate(message, locale))

        return RenderedForm(
            data=form.data,
            title=plain(form.title),
            fields=tuple(
                RenderedField(
                    name=f.name,
                    label=plain(f.label),
                    long=f.long,
                    required=f.required,
                    max_length=f.max_length,
                    value=f.value,
                    placeholder=plain(f.placeholder) if f.placeholder else None,
                )
                for f in form.fields
            ),
            reopen=form.reopen,
            reopen_label=plain(form.reopen_label) if form.reopen_label else None,
        )

    def render_all(self, replies: Iterable[Reply], locale: str) -> tuple[RenderedReply, ...]:
        """Translate several replies."""
        return tuple(self.render(reply, locale) for reply in replies)

    def _format_value(self, value: Any, locale: str) -> str:
        if isinstance(value, Msg):
            return self.translate(value, locale)
        if isinstance(value, bool):
            return self.translate(Msg(key="common.yes_word" if value else "common.no_word"), locale)
        if isinstance(value, int):
            return format_number(value, locale)
        if isinstance(value, datetime):
            return self.format_datetime(value, locale)
        if isinstance(value, date):
            return self.format_date(value, locale)
        if isinstance(value, time):
            return self.format_time(value, locale)
        return markup.escape(str(value))

    def format_date(self, day: date, locale: str) -> str:
        """``samedi 5 décembre 2026`` / ``Saturday 5 December 2026``."""
        weekdays = self.template("calendar.weekdays", locale).split(",")
        months = self.template("calendar.months", locale).split(",")
        return self.template("calendar.date", locale).format(
            weekday=weekdays[day.weekday()].strip(),
            day=day.day,
            month=months[day.month - 1].strip(),
            year=day.year,
        )

    def format_datetime(self, moment: datetime, locale: str) -> str:
        """A date followed by the time of day, in the reader's conventions."""
        return self.template("calendar.datetime", locale).format(
            date=self.format_date(moment.date(), locale), **_clock(moment.hour, moment.minute)
        )

    def format_time(self, moment: time, locale: str) -> str:
        """A time of day alone (``17 h 00``, ``5:00 pm``)."""
        return self.template("calendar.time", locale).format(**_clock(moment.hour, moment.minute))


def _clock(hour: int, minute: int) -> dict[str, object]:
    """The fields a time of day is written with, in 24-hour and 12-hour styles."""
    return {
        "hour": hour,
        "minute": f"{minute:02d}",
        "hour12": (hour % 12) or 12,
        "ampm": "am" if hour < 12 else "pm",
    }


def format_number(value: int, locale: str) -> str:
    """``1 200`` in French (narrow no-break space), ``1,200`` in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", "\u202f") if locale == "fr" else grouped
