"""Missions for coordinators: create one question at a time (or in one line), preview and
publish; edit any field; cancel with a reason; duplicate; mark done; see who comes (in the chat
and as a CSV file). Volunteers concerned are told of every change that affects them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bot import markup
from bot.context import Context, UserError
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.places import Place
from bot.services import Services
from bot.types import Attachment, Button, Msg, Reply, msg
from handlers import mission_form, mission_posts
from handlers import mission_input as read
from handlers import mission_views as views
from handlers.csv_export import participants_csv
from handlers.missions import schedule_reminder, send_offers
from handlers.when import (
    WhenError,
    combine,
    parse_day,
    parse_duration,
    parse_time,
    parse_time_range,
    quick_days,
)
from storage.missions import InvalidMissionError
from storage.records import MissionDraft, MissionRecord, MissionStatus, SignUpStatus

log = logging.getLogger(__name__)

PREFIX = views.ADMIN_PREFIX
NEW = "mission_new"
EDIT = "mission_edit"
CANCEL = "mission_cancel"
MANAGED_DAYS = 60
QUICK_TIMES = ("09:00", "10:00", "14:00", "18:00")
QUICK_DURATIONS = (60, 120, 180, 240)
QUICK_PLACES = (1, 2, 3, 5, 10)
OPTIONAL_FIELDS = ("tags", "bring", "contact")
EDITABLE_FIELDS = ("title", "when", "place", "places", "description", "tags", "bring", "contact")
ONE_LINE_PARTS = 4


# -- dialogue state <-> draft ------------------------------------------------------------------


def _draft(data: dict[str, Any]) -> MissionDraft:
    return MissionDraft(
        title=data["title"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        places=int(data["places"]),
        description=data.get("description") or "",
        address=data.get("address"),
        city=data.get("city"),
        postcode=data.get("postcode"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        remote=bool(data.get("remote")),
        tags=tuple(data.get("tags") or ()),
        bring=data.get("bring"),
        contact=data.get("contact"),
    )


def _preview_record(data: dict[str, Any], association_id: int) -> MissionRecord:
    draft = _draft(data)
    fields = asdict(draft)
    fields["tags"] = tuple(fields["tags"])
    return MissionRecord(
        id=0,
        association_id=association_id,
        taken=0,
        status=MissionStatus.DRAFT,
        cancel_reason=None,
        created_by=None,
        **fields,
    )


def _copy(mission: MissionRecord, zone: Any) -> dict[str, Any]:
    """A past or current mission as the start of a new one (dates left to choose)."""
    start = mission.starts_at.astimezone(zone)
    return {
        "title": mission.title,
        "description": mission.description,
        "address": mission.address,
        "city": mission.city,
        "postcode": mission.postcode,
        "latitude": mission.latitude,
        "longitude": mission.longitude,
        "remote": mission.remote,
        "places": mission.places,
        "tags": list(mission.tags),
        "bring": mission.bring,
        "contact": mission.contact,
        "time": start.strftime("%H:%M"),
        "minutes": int((mission.ends_at - mission.starts_at).total_seconds() // 60),
    }


# -- the creation dialogue ---------------------------------------------------------------------


def _row(buttons: Sequence[Button], size: int = 3) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + size]) for i in range(0, len(buttons), size))


def _cancel_row() -> tuple[Button, ...]:
    return (Button(msg("missions.new_button_stop"), f"{COMMAND_BUTTON_PREFIX}:annuler"),)


def _ask(step: str, ctx: Context) -> Reply:
    """The question of one step, with its quick-answer buttons."""
    services = ctx.services
    buttons: list[Button] = []
    if step == "day":
        today = services.clock.now().astimezone(services.settings.zone).date()
        buttons = [
            Button(msg(f"missions.quick_day_{name}", day=day), f"{PREFIX}:day:{day.isoformat()}")
            for name, day in quick_days(today)
        ]
    elif step == "time":
        buttons = [
            Button(Msg.text(t.replace(":00", " h").replace(":", " h ")), f"{PREFIX}:time:{t}")
            for t in QUICK_TIMES
        ]
    elif step == "duration":
        buttons = [
            Button(msg("missions.quick_hours", hours=m // 60), f"{PREFIX}:dur:{m}")
            for m in QUICK_DURATIONS
        ]
    elif step == "place":
        buttons = [Button(msg("missions.remote_button"), f"{PREFIX}:remote")]
    elif step == "places":
        buttons = [Button(Msg.text(str(n)), f"{PREFIX}:n:{n}") for n in QUICK_PLACES]
    elif step in ("description", *(f"opt_{f}" for f in OPTIONAL_FIELDS)):
        buttons = [Button(msg("missions.new_button_skip"), f"{PREFIX}:skip")]
    rows = _row(buttons, 5 if step == "places" else 2)
    return Reply(text=msg(f"missions.new_ask_{step}"), buttons=(*rows, _cancel_row()))


def _preview(ctx: Context, data: dict[str, Any]) -> Reply:
    assert ctx.association is not None
    record = _preview_record(data, ctx.association.id)
    zone = ctx.services.settings.zone
    optional = tuple(
        Button(msg(f"missions.new_button_opt_{name}"), f"{PREFIX}:opt:{name}")
        for name in OPTIONAL_FIELDS
    )
    return Reply(
        text=Msg.join(
            msg("missions.new_preview"),
            views.details(record, zone),
            msg("missions.new_confirm"),
            separator="\n\n",
        ),
        buttons=(
            (Button(msg("missions.new_button_publish"), f"{PREFIX}:pub"),),
            optional,
            _cancel_row(),
        ),
    )


def _next_step(data: dict[str, Any]) -> str:
    """The first question not answered yet."""
    if "title" not in data:
        return "title"
    if "day" not in data and "starts_at" not in data:
        return "day"
    if "starts_at" not in data and "time" not in data:
        return "time"
    if "ends_at" not in data and "minutes" not in data:
        return "duration"
    if "remote" not in data:
        return "place"
    if "places" not in data:
        return "places"
    if "description" not in data:
        return "description"
    return "preview"


def _settle_dates(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Turn day + time + duration into start and end, refusing the past."""
    services = ctx.services
    zone = services.settings.zone
    if "starts_at" not in data and "day" in data and "time" in data:
        start = combine(date.fromisoformat(data["day"]), time.fromisoformat(data["time"]), zone)
        if start <= services.clock.now():
            data.pop("time")
            raise UserError(msg("missions.error.past"))
        data["starts_at"] = start.isoformat()
    if "starts_at" in data and "ends_at" not in data:
        start = datetime.fromisoformat(data["starts_at"])
        if "end_time" in data:
            end = combine(
                start.astimezone(zone).date(), time.fromisoformat(data.pop("end_time")), zone
            )
            if end <= start:
                end += timedelta(days=1)
            data["ends_at"] = end.isoformat()
        elif "minutes" in data:
            data["ends_at"] = (start + timedelta(minutes=int(data["minutes"]))).isoformat()
    return data


async def _advance(ctx: Context, data: dict[str, Any]) -> Sequence[Reply]:
    """Store the answers so far and ask the next question (or show the preview)."""
    problem: Msg | None = None
    try:
        data = _settle_dates(ctx, data)
    except UserError as error:
        problem = error.message
    step = _next_step(data)
    await ctx.start_dialogue(NEW, step, data)
    question = _preview(ctx, data) if step == "preview" else _ask(step, ctx)
    return [Reply(text=problem), question] if problem else [question]


def _coordinators_only(ctx: Context) -> bool:
    """A dialogue outlives a role: someone no longer coordinating is let out of it."""
    return ctx.is_coordinator and ctx.association is not None


async def _answer_step(ctx: Context, step: str, text: str) -> dict[str, Any]:
    """Read a typed answer to ``step``: the fields it gives."""
    services = ctx.services
    zone = services.settings.zone
    now = services.clock.now()
    if step == "title":
        return read.title(text)
    if step == "day":
        try:
            start, end = read.when(text, now, zone)
        except UserError:
            try:
                today = now.astimezone(zone).date()
                return {"day": parse_day(text, today).isoformat()}
            except WhenError:
                raise UserError(msg("missions.error.date")) from None
        fields: dict[str, Any] = {"starts_at": start.isoformat()}
        if end is not None:
            fields["ends_at"] = end.isoformat()
        return fields
    if step == "time":
        try:
            begin, finish = parse_time_range(text)
        except WhenError:
            raise UserError(msg("missions.error.time")) from None
        fields = {"time": begin.isoformat(timespec="minutes")}
        if finish is not None:
            fields["end_time"] = finish.isoformat(timespec="minutes")
        return fields
    if step == "duration":
        try:
            return {"minutes": int(parse_duration(text).total_seconds() // 60)}
        except WhenError:
            try:
                return {"end_time": parse_time(text).isoformat(timespec="minutes")}
            except WhenError:
                raise UserError(msg("missions.error.duration")) from None
    if step == "place":
        found = read.place(text, services.places)
        if isinstance(found, list):
            raise _Ambiguous(found, text)
        return found
    if step == "places":
        return {"places": read.places(text)}
    if step == "description":
        return read.optional("description", text)
    if step.startswith("opt_"):
        name = step.removeprefix("opt_")
        return read.tags(text) if name == "tags" else read.optional(name, text)
    raise UserError(msg("missions.new_use_buttons"))


class _Ambiguous(Exception):
    """A town name several communes share: the coordinator picks one."""

    def __init__(self, places: list[Place], text: str) -> None:
        super().__init__(text)
        self.places = places
        self.text = text


def _pick_place(ctx: Context, problem: _Ambiguous, data: dict[str, Any]) -> Reply:
    address, _, _ = problem.text.rpartition(",")
    data["candidates"] = [asdict(p) for p in problem.places]
    data["candidate_address"] = address.strip() or None
    return Reply(
        text=msg("missions.new_which_town"),
        buttons=(
            *(
                (Button(Msg.text(markup.escape(f"{p.name} ({p.postcode})")), f"{PREFIX}:pp:{i}"),)
                for i, p in enumerate(problem.places)
            ),
            _cancel_row(),
        ),
    )


async def new_dialogue(ctx: Context) -> Sequence[Reply]:
    """A typed answer during mission creation."""
    assert ctx.dialogue is not None
    if not _coordinators_only(ctx):
        await ctx.end_dialogue()
        return [Reply(text=msg("error.coordinators_only"))]
    step = ctx.dialogue.step
    data = dict(ctx.dialogue.data)
    if step == "preview":
        return [Reply(text=msg("missions.new_use_buttons")), _preview(ctx, data)]
    text = (ctx.event.text or "").strip()
    if not text:
        return [_ask(step, ctx)]
    try:
        fields = await _answer_step(ctx, step, text)
    except _Ambiguous as problem:
        reply = _pick_place(ctx, problem, data)
        await ctx.start_dialogue(NEW, step, data)
        return [reply]
    except UserError as problem:
        return [Reply(text=problem.message), _ask(step, ctx)]
    data.update(fields)
    if step.startswith("opt_"):
        await ctx.start_dialogue(NEW, "preview", data)
        return [_preview(ctx, data)]
    return await _advance(ctx, data)


async def _new_button(ctx: Context, action: str, value: str) -> Sequence[Reply]:
    """Quick answers and the preview's buttons during mission creation."""
    if ctx.dialogue is None or ctx.dialogue.dialogue != NEW:
        return [Reply(text=msg("missions.new_expired"))]
    data = dict(ctx.dialogue.data)
    step = ctx.dialogue.step
    if action == "day":
        data["day"] = date.fromisoformat(value).isoformat()
    elif action == "time" and value in QUICK_TIMES:
        data["time"] = value
    elif action == "dur" and value.isdigit():
        data["minutes"] = int(value)
    elif action == "remote":
        data.update(read.remote())
    elif action == "pp" and value.isdigit() and int(value) < len(data.get("candidates", ())):
        place = Place(**data.pop("candidates")[int(value)])
        data.update(read.chosen(place, data.pop("candidate_address", None)))
    elif action == "n" and value.isdigit():
        data["places"] = read.places(value)
    elif action == "skip" and step == "description":
        data["description"] = ""
    elif action == "skip" and step.startswith("opt_"):
        name = step.removeprefix("opt_")
        data.update(read.tags("-") if name == "tags" else read.optional(name, "-"))
        await ctx.start_dialogue(NEW, "preview", data)
        return [_preview(ctx, data)]
    elif action == "opt" and value in OPTIONAL_FIELDS:
        await ctx.start_dialogue(NEW, f"opt_{value}", data)
        return [_ask(f"opt_{value}", ctx)]
    elif action == "pub":
        return await _publish(ctx, data)
    else:
        return [Reply(text=msg("error.stale_button"))]
    return await _advance(ctx, data)


async def _publish(ctx: Context, data: dict[str, Any]) -> Sequence[Reply]:
    assert ctx.association is not None
    if _next_step(data) != "preview":
        return await _advance(ctx, data)
    try:
        mission = await ctx.services.missions.create(
            ctx.association.id, _draft(data), ctx.volunteer.id
        )
    except InvalidMissionError as problem:
        return [Reply(text=msg(problem.reason)), _preview(ctx, data)]
    await ctx.end_dialogue()
    log.info("mission %s published by volunteer %s", mission.id, ctx.volunteer.id)
    await ctx.audit("mission_created", mission.title)
    return [
        Reply(
            text=Msg.join(
                msg("missions.published"),
                views.card(mission, ctx.services.settings.zone),
                separator="\n\n",
            ),
            buttons=_manage_buttons(mission),
        )
    ]


async def new_command(ctx: Context) -> Sequence[Reply]:
    """/nouvelle_mission: the guided dialogue, or everything in one line."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    if ctx.payload.strip():
        return await _one_line(ctx, ctx.payload)
    await ctx.start_dialogue(NEW, "title", {})
    first = replace(_ask("title", ctx), form=mission_form.mission_form())
    return [Reply(text=msg("missions.new_intro")), first]


async def _one_line(ctx: Context, line: str) -> Sequence[Reply]:
    """ "Title ; when ; place ; places [; description]" for people in a hurry."""
    parts = [p.strip() for p in line.split(";")]
    if len(parts) < ONE_LINE_PARTS or not all(parts[:ONE_LINE_PARTS]):
        return [Reply(text=msg("missions.one_line_help"))]
    services = ctx.services
    data: dict[str, Any] = read.title(parts[0])
    start, end = read.when(parts[1], services.clock.now(), services.settings.zone)
    if end is None:
        raise UserError(msg("missions.error.one_line_end"))
    data.update(starts_at=start.isoformat(), ends_at=end.isoformat())
    found = read.place(parts[2], services.places)
    if isinstance(found, list):
        raise UserError(msg("missions.error.place_ambiguous", text=parts[2][:100]))
    data.update(found)
    data["places"] = read.places(parts[3])
    data.update(read.optional("description", ";".join(parts[4:]) or "-"))
    await ctx.start_dialogue(NEW, "preview", data)
    return [_preview(ctx, data)]


# -- managing a mission ------------------------------------------------------------------------


def _manage_buttons(mission: MissionRecord) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = [
        (
            Button(msg("missions.admin_button_participants"), f"{PREFIX}:p:{mission.id}"),
            Button(msg("missions.admin_button_edit"), f"{PREFIX}:e:{mission.id}"),
        ),
    ]
    if mission.status is MissionStatus.PUBLISHED:
        rows.append(
            (
                Button(msg("missions.admin_button_done"), f"{PREFIX}:ok:{mission.id}"),
                Button(msg("missions.admin_button_cancel"), f"{PREFIX}:x:{mission.id}"),
            )
        )
        rows.append((Button(msg("missions.admin_button_post"), f"{PREFIX}:post:{mission.id}"),))
    rows.append((Button(msg("missions.admin_button_duplicate"), f"{PREFIX}:dup:{mission.id}"),))
    return tuple(rows)


def _status(mission: MissionRecord) -> Msg:
    return msg(f"missions.admin_status_{mission.status.value}")


async def _manage(ctx: Context, mission: MissionRecord) -> Sequence[Reply]:
    zone = ctx.services.settings.zone
    text = Msg.join(
        views.details(mission, zone),
        msg(
            "missions.admin_state",
            status=_status(mission),
            taken=mission.taken,
            places=mission.places,
        ),
        separator="\n\n",
    )
    return [Reply(text=text, buttons=_manage_buttons(mission))]


async def manage_command(ctx: Context) -> Sequence[Reply]:
    """/gerer: the association's missions (upcoming, then recent), each with "manage"."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    services = ctx.services
    since = services.clock.now() - timedelta(days=MANAGED_DAYS)
    missions = await services.missions.managed(ctx.association.id, since=since)
    new = (Button(msg("missions.admin_button_new"), f"{COMMAND_BUTTON_PREFIX}:nouvelle_mission"),)
    if not missions:
        return [Reply(text=msg("missions.admin_none"), buttons=(new,))]
    zone = services.settings.zone
    rows = tuple(
        (
            Button(
                msg(
                    "missions.admin_line",
                    day=m.starts_at.astimezone(zone).date(),
                    title=m.title,
                    status=_status(m),
                ),
                f"{PREFIX}:m:{m.id}",
            ),
        )
        for m in missions
    )
    return [Reply(text=msg("missions.admin_intro"), buttons=(*rows, new))]


async def _participants(ctx: Context, mission: MissionRecord) -> Sequence[Reply]:
    services = ctx.services
    assert ctx.association is not None
    people = await services.missions.participants(ctx.association.id, mission.id)
    names = await services.volunteers.names([p.volunteer_id for p in people])
    catalogue = services.catalogue
    locale = ctx.locale

    def label(volunteer_id: int) -> str:
        return names.get(volunteer_id) or catalogue.translate(
            msg("missions.admin_anonymous", number=volunteer_id), locale
        )

    def state(status: SignUpStatus, position: int | None) -> str:
        key = f"missions.admin_person_{status.value}"
        return catalogue.translate(msg(key, position=position or 0), locale)

    lines = [
        msg(
            "missions.admin_person",
            name=label(p.volunteer_id),
            state=state(p.status, p.waitlist_position),
        )
        for p in people
    ]
    header = [
        catalogue.translate(msg(f"missions.csv_{column}"), locale)
        for column in ("name", "status", "position")
    ]
    rows = [
        [label(p.volunteer_id), state(p.status, p.waitlist_position), p.waitlist_position or ""]
        for p in people
    ]
    text = Msg.join(
        msg(
            "missions.admin_people", title=mission.title, taken=mission.taken, places=mission.places
        ),
        *(lines or [msg("missions.admin_nobody")]),
    )
    files = (
        (
            Attachment(
                f"participants-mission-{mission.id}.csv", participants_csv(header, rows), "text/csv"
            ),
        )
        if people
        else ()
    )
    back = ((Button(msg("missions.button_back"), f"{PREFIX}:m:{mission.id}"),),)
    await ctx.audit("participants_exported", mission.title)
    return [Reply(text=text, files=files, buttons=back, private=True)]


def _edit_menu(mission: MissionRecord) -> Reply:
    buttons = [
        Button(msg(f"missions.field_{name}"), f"{PREFIX}:f:{mission.id}:{name}")
        for name in EDITABLE_FIELDS
    ]
    return Reply(
        text=msg("missions.edit_which", title=mission.title),
        buttons=(
            *_row(buttons, 2),
            (Button(msg("missions.button_back"), f"{PREFIX}:m:{mission.id}"),),
        ),
    )


async def _tell_people(
    services: Services,
    mission: MissionRecord,
    text: Msg,
    key: str,
    *,
    statuses: Sequence[SignUpStatus],
) -> int:
    """Message everyone holding or awaiting a place; returns how many were told."""
    people = await services.missions.participants(mission.association_id, mission.id)
    told = 0
    for person in people:
        if person.status in statuses:
            buttons = ((Button(msg("missions.button_details"), f"{views.PREFIX}:d:{mission.id}"),),)
            if await services.notifier.send(
                person.volunteer_id,
                Reply(text=text, buttons=buttons),
                f"{key}:{person.volunteer_id}",
            ):
                told += 1
    return told


async def edit_dialogue(ctx: Context) -> Sequence[Reply]:
    """The new value of the field being edited."""
    assert ctx.dialogue is not None
    if not _coordinators_only(ctx) or ctx.association is None:
        await ctx.end_dialogue()
        return [Reply(text=msg("error.coordinators_only"))]
    services = ctx.services
    mission_id = int(ctx.dialogue.data["mission"])
    field = str(ctx.dialogue.data["field"])
    mission = await services.missions.get(ctx.association.id, mission_id)
    if mission is None:
        await ctx.end_dialogue()
        return [Reply(text=msg("missions.not_found"))]
    text = (ctx.event.text or "").strip()
    if not text:
        return [Reply(text=msg(f"missions.edit_ask_{field}"))]
    zone = services.settings.zone
    changes: dict[str, Any]
    if field == "places":
        change = await services.missions.set_places(
            ctx.association.id, mission.id, read.places(text), services.settings.offer_for
        )
        await send_offers(services, change)
        await ctx.end_dialogue()
        resized = change.mission or mission
        await mission_posts.refresh(services, resized)
        await ctx.audit("mission_edited", resized.title)
        return [Reply(text=msg("missions.edit_saved")), *(await _manage(ctx, resized))]
    if field == "when":
        start, end = read.when(text, services.clock.now(), zone)
        changes = {
            "starts_at": start,
            "ends_at": end or start + (mission.ends_at - mission.starts_at),
        }
    elif field == "place":
        found = read.place(text, services.places)
        if isinstance(found, list):
            raise UserError(msg("missions.error.place_ambiguous", text=text[:100]))
        changes = found
    elif field == "title":
        changes = read.title(text)
    elif field == "tags":
        changes = read.tags(text)
    else:
        changes = read.optional(field, text)
    updated = await services.missions.update(ctx.association.id, mission.id, changes)
    await ctx.end_dialogue()
    if updated is None:
        return [Reply(text=msg("missions.not_found"))]
    await mission_posts.refresh(services, updated)
    await ctx.audit("mission_edited", updated.title)
    told = 0
    if field in ("when", "place"):
        told = await _tell_people(
            services,
            updated,
            Msg.join(
                msg("missions.changed", title=updated.title),
                views.card(updated, zone),
                separator="\n\n",
            ),
            f"changed:{updated.id}:{services.clock.now().isoformat()}",
            statuses=(SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITLISTED),
        )
        if field == "when":
            await _reschedule_reminders(services, updated)
    saved = msg("missions.edit_saved_told", count=told) if told else msg("missions.edit_saved")
    return [Reply(text=saved), *(await _manage(ctx, updated))]


async def _reschedule_reminders(services: Services, mission: MissionRecord) -> None:
    for person in await services.missions.participants(mission.association_id, mission.id):
        if person.status is SignUpStatus.CONFIRMED:
            await services.jobs.unschedule(f"reminder:{mission.id}:{person.volunteer_id}")
            await schedule_reminder(services, mission, person.volunteer_id)


async def cancel_dialogue(ctx: Context) -> Sequence[Reply]:
    """The reason for cancelling a mission; everyone concerned is told with it."""
    assert ctx.dialogue is not None
    if not _coordinators_only(ctx) or ctx.association is None:
        await ctx.end_dialogue()
        return [Reply(text=msg("error.coordinators_only"))]
    services = ctx.services
    reason = read.reason(ctx.event.text or "")
    mission_id = int(ctx.dialogue.data["mission"])
    mission, people = await services.missions.close(
        ctx.association.id, mission_id, MissionStatus.CANCELLED, reason
    )
    await ctx.end_dialogue()
    if mission is None:
        return [Reply(text=msg("missions.not_found"))]
    await mission_posts.refresh(services, mission)
    await ctx.audit("mission_cancelled", mission.title)
    zone = services.settings.zone
    start = mission.starts_at.astimezone(zone)
    for person in people:
        await services.jobs.unschedule(f"reminder:{mission.id}:{person.volunteer_id}")
        await services.notifier.send(
            person.volunteer_id,
            Reply(
                text=msg(
                    "missions.cancelled_by_association",
                    title=mission.title,
                    moment=start,
                    reason=reason,
                )
            ),
            f"mission-cancelled:{mission.id}:{person.volunteer_id}",
        )
    log.info("mission %s cancelled by volunteer %s", mission.id, ctx.volunteer.id)
    return [Reply(text=msg("missions.admin_cancelled", title=mission.title, count=len(people)))]


async def on_button(ctx: Context) -> Sequence[Reply]:
    """Every coordinator-side mission button."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    action, _, rest = ctx.payload.partition(":")
    if action == "form":
        return await mission_form.submitted(ctx, _preview)
    if action == "formagain":
        return await mission_form.again(ctx)
    if action in {"day", "time", "dur", "remote", "pp", "n", "skip", "opt", "pub"}:
        try:
            return await _new_button(ctx, action, rest)
        except ValueError:
            return [Reply(text=msg("error.stale_button"))]
    number, _, extra = rest.partition(":")
    if not number.isdigit() or len(number) > 12:
        return [Reply(text=msg("error.stale_button"))]
    services = ctx.services
    mission = await services.missions.get(ctx.association.id, int(number))
    if mission is None:
        return [Reply(text=msg("missions.not_found"))]
    if action == "m":
        return await _manage(ctx, mission)
    if action == "p":
        return await _participants(ctx, mission)
    if action == "dup":
        data = _copy(mission, services.settings.zone)
        await ctx.start_dialogue(NEW, "day", data)
        return [Reply(text=msg("missions.duplicate_intro", title=mission.title)), _ask("day", ctx)]
    if mission.status in (MissionStatus.CANCELLED, MissionStatus.DONE):
        return [Reply(text=msg("missions.admin_closed", status=_status(mission)))]
    if action == "e":
        return [_edit_menu(mission)]
    if action == "f" and extra in EDITABLE_FIELDS:
        await ctx.start_dialogue(EDIT, "value", {"mission": mission.id, "field": extra})
        return [Reply(text=msg(f"missions.edit_ask_{extra}"), buttons=(_cancel_row(),))]
    if action == "x":
        await ctx.start_dialogue(CANCEL, "reason", {"mission": mission.id})
        return [
            Reply(
                text=msg("missions.cancel_ask_reason", title=mission.title),
                buttons=(_cancel_row(),),
            )
        ]
    if action == "ok":
        return [
            Reply(
                text=msg("missions.done_confirm", title=mission.title),
                buttons=(
                    (Button(msg("missions.done_button_yes"), f"{PREFIX}:ok!:{mission.id}"),),
                    _cancel_row(),
                ),
            )
        ]
    if action == "post":
        return await mission_posts.post(ctx, mission)
    if action == "ok!":
        closed, _ = await services.missions.close(
            ctx.association.id, mission.id, MissionStatus.DONE, None
        )
        await mission_posts.refresh(services, closed)
        await ctx.audit("mission_done", mission.title)
        return [Reply(text=msg("missions.done", title=mission.title))]
    return [Reply(text=msg("error.stale_button"))]


def register(dispatcher: Dispatcher) -> None:
    """Add /nouvelle_mission, /gerer, their buttons and dialogues (coordinators only)."""
    dispatcher.command(
        ["nouvelle_mission", "new_mission", "nouvellemission"], new_command, coordinator_only=True
    )
    dispatcher.command(["gerer", "manage"], manage_command, coordinator_only=True)
    dispatcher.button(PREFIX, on_button, coordinator_only=True)
    dispatcher.dialogue(NEW, new_dialogue)
    dispatcher.dialogue(EDIT, edit_dialogue)
    dispatcher.dialogue(CANCEL, cancel_dialogue)
    dispatcher.menu_entry(
        MenuEntry(
            order=30,
            label=msg("missions.admin_menu_label"),
            description=msg("missions.admin_menu_description"),
            command="gerer",
            coordinator_only=True,
        )
    )
