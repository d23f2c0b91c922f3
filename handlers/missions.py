"""Missions for volunteers: browse, find near me, sign up in one tap, cancel, waitlist offers,
reminders the day before. Coordinators are told of every change to their missions."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import markup
from bot.context import Context
from bot.dispatcher import COMMAND_BUTTON_PREFIX, Dispatcher, MenuEntry
from bot.places import Place, distance_km, normalise
from bot.services import Services
from bot.types import Button, Location, Msg, Reply, msg
from handlers import mission_posts
from handlers import mission_views as views
from knowledge.normalise import fold
from storage.missions import Change, Outcome
from storage.records import JobRecord, MissionRecord, MissionStatus, SignUpRecord, SignUpStatus

log = logging.getLogger(__name__)

PREFIX = views.PREFIX
PAGE = 3
SCAN = 300
"""Upcoming missions looked at for one search (an association has far fewer)."""
WIDER_KM = 50.0
REMINDER_BEFORE = timedelta(days=1)
REMINDER_JOB = "mission.reminder"
NEAR_DIALOGUE = "missions_near"
TAG_MAX = 24
_NUMBER = re.compile(r"^\d{1,12}$")


@dataclass(frozen=True, slots=True)
class Search:
    """What a volunteer is looking for; travels inside the list buttons."""

    offset: int = 0
    when: str = "a"
    """``a`` any time, ``w`` this week, ``e`` this weekend."""
    latitude: float | None = None
    longitude: float | None = None
    km: float = 20.0
    tag: str = ""

    def encode(self) -> str:
        """Button data (at most 64 characters with the prefix)."""
        where = "-" if self.latitude is None else f"{self.latitude:.3f},{self.longitude:.3f}"
        return f"{PREFIX}:l:{self.offset}:{self.when}:{where}:{self.km:g}:{self.tag[:TAG_MAX]}"

    @classmethod
    def decode(cls, payload: str) -> Search | None:
        """The inverse of :meth:`encode` (without ``mi:l:``); None if forged or stale."""
        parts = payload.split(":", 4)
        if len(parts) != 5:
            return None
        offset, when, where, km, tag = parts
        try:
            latitude = longitude = None
            if where != "-":
                lat, lon = where.split(",")
                latitude, longitude = float(lat), float(lon)
            search = cls(int(offset), when, latitude, longitude, float(km), tag)
        except ValueError:
            return None
        if when not in "awe" or not 0 <= search.offset <= SCAN or not 0 < search.km <= 500:
            return None
        return search


def window(when: str, now: datetime, ctx: Context) -> tuple[datetime | None, datetime | None]:
    """``this week`` (until Sunday night) or ``this weekend`` in the association's zone."""
    zone = ctx.services.settings.zone
    today = now.astimezone(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    end = datetime.combine(monday, datetime.min.time(), zone)
    if when == "w":
        return None, end
    if when == "e":
        saturday = monday - timedelta(days=2)
        return datetime.combine(saturday, datetime.min.time(), zone), end
    return None, None


async def find(
    ctx: Context, search: Search
) -> tuple[list[tuple[MissionRecord, float | None]], int]:
    """One page of the missions matching a search, soonest first, with their distance when a
    point is set; and how many match in all."""
    if ctx.association is None:
        return [], 0
    missions = ctx.services.missions
    association = ctx.association.id
    since, until = window(search.when, ctx.services.clock.now(), ctx)
    point = None
    if search.latitude is not None and search.longitude is not None:
        point = (search.latitude, search.longitude)
    if point is None and not search.tag:
        total = await missions.count_upcoming(association, since=since, until=until)
        page = await missions.upcoming(
            association, limit=PAGE, offset=search.offset, since=since, until=until
        )
        return [(mission, None) for mission in page], total
    candidates = await missions.upcoming_places(
        association,
        limit=SCAN,
        since=since,
        until=until,
        near=(*point, search.km) if point is not None else None,
        tags=bool(search.tag),
    )
    found: list[tuple[int, float | None]] = []
    wanted = fold(search.tag)
    for mission in candidates:
        if wanted and not any(wanted in fold(t) for t in mission.tags):
            continue
        distance = None
        if point is not None and not mission.remote:
            if mission.latitude is None or mission.longitude is None:
                continue
            distance = distance_km(*point, mission.latitude, mission.longitude)
            if distance > search.km:
                continue
        found.append((mission.id, distance))
    shown = dict(found[search.offset : search.offset + PAGE])
    page = await missions.several(association, list(shown))
    return [(mission, shown[mission.id]) for mission in page], len(found)


def _filters(search: Search) -> tuple[tuple[Button, ...], ...]:
    first = replace(search, offset=0)
    rows: list[tuple[Button, ...]] = []
    when_buttons = [
        Button(msg(f"missions.filter_{code}"), replace(first, when=code).encode())
        for code in ("w", "e", "a")
        if code != search.when
    ]
    rows.append(tuple(when_buttons))
    if search.latitude is None:
        rows.append((Button(msg("missions.button_near"), f"{PREFIX}:near"),))
    elif search.km < WIDER_KM:
        rows.append((Button(msg("missions.button_wider"), replace(first, km=WIDER_KM).encode()),))
    return tuple(rows)


async def listing(ctx: Context, search: Search, place_name: str | None = None) -> list[Reply]:
    """One page of missions, each with "details" and "sign up", then the navigation."""
    page, total = await find(ctx, search)
    zone = ctx.services.settings.zone
    mine = await _my_signups(ctx)
    if place_name is not None:
        intro = msg("missions.list_near", place=place_name, km=int(search.km))
    elif search.latitude is not None:
        intro = msg("missions.list_near_point", km=int(search.km))
    else:
        intro = msg("missions.list_intro")
    if not page:
        empty = "missions.list_empty" if search.offset == 0 else "missions.list_no_more"
        return [Reply(text=Msg.join(intro, msg(empty)), buttons=_filters(search))]
    replies = [Reply(text=Msg.join(intro, msg("missions.list_count", count=total)))]
    for mission, distance in page:
        buttons = (
            Button(msg("missions.button_details"), f"{PREFIX}:d:{mission.id}"),
            *views.signup_buttons(mission, mine.get(mission.id)),
        )
        replies.append(Reply(text=views.card(mission, zone, distance), buttons=(buttons,)))
    navigation = list(_filters(search))
    if search.offset + PAGE < min(total, SCAN):
        more = Button(
            msg("missions.button_more"), replace(search, offset=search.offset + PAGE).encode()
        )
        navigation.insert(0, (more,))
    replies.append(Reply(text=msg("missions.list_footer"), buttons=tuple(navigation)))
    return replies


async def _my_signups(ctx: Context) -> dict[int, SignUpRecord]:
    if ctx.association is None:
        return {}
    mine = await ctx.services.missions.of_volunteer(ctx.volunteer.id, ctx.association.id)
    return {mission.id: signup for mission, signup in mine}


def _mission_id(ctx: Context, payload: str) -> int | None:
    return int(payload) if _NUMBER.match(payload) and ctx.association else None


def _closed(mission: MissionRecord | None) -> Reply:
    if mission is not None and mission.status is MissionStatus.CANCELLED:
        return Reply(text=msg("missions.closed_cancelled", title=mission.title))
    return Reply(text=msg("missions.closed"))


async def tell_coordinator(services: Services, mission: MissionRecord, text: Msg, key: str) -> None:
    """Let the coordinator who created the mission know (privately, through the outbox)."""
    if mission.created_by is None:
        return
    buttons = ((Button(msg("missions.button_manage"), f"{views.ADMIN_PREFIX}:m:{mission.id}"),),)
    await services.notifier.send(mission.created_by, Reply(text=text, buttons=buttons), key)


async def send_offers(services: Services, change: Change) -> None:
    """Tell each person who was offered a freed place, with the deadline and two buttons."""
    if change.mission is None:
        return
    zone = services.settings.zone
    for offer in change.offers:
        await services.notifier.send(
            offer.volunteer_id,
            views.offer_message(change.mission, offer, zone),
            f"offer:{offer.mission_id}:{offer.volunteer_id}:{offer.arrival}",
        )


async def schedule_reminder(services: Services, mission: MissionRecord, volunteer_id: int) -> None:
    """A "still coming?" message the day before (not if the mission is sooner than that)."""
    due = mission.starts_at - REMINDER_BEFORE
    if due <= services.clock.now():
        return
    await services.jobs.schedule(
        f"reminder:{mission.id}:{volunteer_id}",
        REMINDER_JOB,
        due,
        {"association": mission.association_id, "mission": mission.id, "volunteer": volunteer_id},
    )


async def confirmed_reply(ctx: Context, mission: MissionRecord) -> Reply:
    """The confirmation with the practical details and the calendar file."""
    zone = ctx.services.settings.zone
    organiser = ctx.association.name if ctx.association else None
    return Reply(
        text=Msg.join(
            msg("missions.signed_up", title=mission.title),
            views.details(mission, zone),
            msg("missions.calendar_hint"),
            separator="\n\n",
        ),
        buttons=((Button(msg("missions.button_cancel"), f"{PREFIX}:c:{mission.id}"),),),
        files=(views.invitation(mission, organiser),),
        private=True,
    )


async def _notice(ctx: Context, mission: MissionRecord, signup: SignUpRecord, event: str) -> None:
    """Tell the coordinator that this volunteer signed up (``signed_up``) or left
    (``cancelled``), with the places left."""
    name = ctx.volunteer.display_name or msg("missions.someone")
    text = msg(
        f"missions.notice_{event}", name=name, title=mission.title, left=views.places_left(mission)
    )
    key = f"notice-{event}:{mission.id}:{signup.volunteer_id}:{signup.arrival}"
    await tell_coordinator(ctx.services, mission, text, key)


async def after_confirmed(ctx: Context, change: Change) -> None:
    """Reminder, coordinator notice, and "now full" when the last place went."""
    mission = change.mission
    signup = change.signup
    if mission is None or signup is None:
        return
    services = ctx.services
    await schedule_reminder(services, mission, ctx.volunteer.id)
    await _notice(ctx, mission, signup, "signed_up")
    if mission.places_left == 0:
        await tell_coordinator(
            services,
            mission,
            msg("missions.notice_full", title=mission.title),
            f"notice-full:{mission.id}:{signup.volunteer_id}:{signup.arrival}",
        )


async def sign_up(ctx: Context, mission_id: int) -> Sequence[Reply]:
    """One tap: a place, or a place on the waitlist."""
    assert ctx.association is not None
    change = await ctx.services.missions.sign_up(ctx.association.id, mission_id, ctx.volunteer.id)
    mission = change.mission
    if change.outcome is Outcome.NOT_FOUND or mission is None:
        return [Reply(text=msg("missions.not_found"))]
    if change.outcome is Outcome.CLOSED:
        return [_closed(mission)]
    zone = ctx.services.settings.zone
    if change.outcome is Outcome.ALREADY and change.signup is not None:
        return [
            Reply(
                text=Msg.join(
                    msg("missions.already", title=mission.title),
                    views.status_line(change.signup, zone),
                ),
                buttons=(views.signup_buttons(mission, change.signup),),
            )
        ]
    ctx.services.metrics.signups.labels(outcome=change.outcome.value).inc()
    await mission_posts.refresh(ctx.services, mission)
    if change.outcome is Outcome.WAITLISTED and change.signup is not None:
        return [
            Reply(
                text=msg(
                    "missions.waitlisted",
                    title=mission.title,
                    position=change.signup.waitlist_position or 1,
                ),
                buttons=(
                    (Button(msg("missions.button_leave_waitlist"), f"{PREFIX}:c:{mission.id}"),),
                ),
            )
        ]
    await after_confirmed(ctx, change)
    return [await confirmed_reply(ctx, mission)]


async def cancel(ctx: Context, mission_id: int) -> Sequence[Reply]:
    """One tap: give the place up; it goes to the next on the waitlist."""
    assert ctx.association is not None
    services = ctx.services
    change = await services.missions.cancel(
        ctx.association.id, mission_id, ctx.volunteer.id, services.settings.offer_for
    )
    mission = change.mission
    if mission is None:
        return [Reply(text=msg("missions.not_found"))]
    if change.outcome is Outcome.NOT_SIGNED_UP:
        return [Reply(text=msg("missions.not_signed_up", title=mission.title))]
    services.metrics.signups.labels(outcome="cancelled").inc()
    await services.jobs.unschedule(f"reminder:{mission.id}:{ctx.volunteer.id}")
    await send_offers(services, change)
    await mission_posts.refresh(services, mission)
    signup = change.signup
    if signup is not None:
        await _notice(ctx, mission, signup, "cancelled")
    return [
        Reply(
            text=msg("missions.cancelled", title=mission.title),
            buttons=((Button(msg("missions.button_sign_up_again"), f"{PREFIX}:s:{mission.id}"),),),
        )
    ]


async def answer_offer(ctx: Context, mission_id: int, accept: bool) -> Sequence[Reply]:
    """Accept or decline a freed place."""
    assert ctx.association is not None
    services = ctx.services
    change = await services.missions.answer_offer(
        ctx.association.id, mission_id, ctx.volunteer.id, accept, services.settings.offer_for
    )
    await send_offers(services, change)
    mission = change.mission
    await mission_posts.refresh(services, mission)
    if change.outcome is Outcome.ACCEPTED and mission is not None:
        await after_confirmed(ctx, change)
        return [await confirmed_reply(ctx, mission)]
    if change.outcome is Outcome.DECLINED and mission is not None:
        return [Reply(text=msg("missions.offer_declined", title=mission.title))]
    if change.outcome is Outcome.EXPIRED and mission is not None:
        return [Reply(text=msg("missions.offer_expired", title=mission.title))]
    if change.outcome is Outcome.NOT_FOUND:
        return [Reply(text=msg("missions.not_found"))]
    return [Reply(text=msg("missions.no_offer"))]


async def details(ctx: Context, mission_id: int) -> Sequence[Reply]:
    """The whole mission, and what the volunteer can do about it."""
    assert ctx.association is not None
    mission = await ctx.services.missions.get(ctx.association.id, mission_id)
    if mission is None:
        return [Reply(text=msg("missions.not_found"))]
    zone = ctx.services.settings.zone
    mine = (await _my_signups(ctx)).get(mission.id)
    lines = [views.details(mission, zone)]
    rows: list[tuple[Button, ...]] = []
    open_ = (
        mission.status is MissionStatus.PUBLISHED and mission.starts_at > ctx.services.clock.now()
    )
    if mine is not None:
        lines.append(views.status_line(mine, zone))
    if open_:
        rows.append(views.signup_buttons(mission, mine))
    else:
        lines.append(_closed(mission).text)
    if ctx.is_coordinator:
        rows.append(
            (Button(msg("missions.button_manage"), f"{views.ADMIN_PREFIX}:m:{mission.id}"),)
        )
    rows.append((Button(msg("missions.button_back"), Search().encode()),))
    return [Reply(text=Msg.join(*lines, separator="\n\n"), buttons=tuple(rows))]


async def my_missions(ctx: Context) -> Sequence[Reply]:
    """The volunteer's places and waitlist places, each with "cancel"."""
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    zone = ctx.services.settings.zone
    mine = await ctx.services.missions.of_volunteer(ctx.volunteer.id, ctx.association.id)
    if not mine:
        return [
            Reply(
                text=msg("missions.mine_empty"),
                buttons=(
                    (Button(msg("missions.button_browse"), f"{COMMAND_BUTTON_PREFIX}:missions"),),
                ),
            )
        ]
    replies = [Reply(text=msg("missions.mine_intro", count=len(mine)))]
    for mission, signup in mine:
        replies.append(
            Reply(
                text=Msg.join(views.card(mission, zone), views.status_line(signup, zone)),
                buttons=(
                    (
                        Button(msg("missions.button_details"), f"{PREFIX}:d:{mission.id}"),
                        *views.signup_buttons(mission, signup),
                    ),
                ),
            )
        )
    return replies


def _reminder_buttons(volunteer_reminders: bool) -> tuple[tuple[Button, ...], ...]:
    wanted = "off" if volunteer_reminders else "on"
    return ((Button(msg(f"missions.reminders_button_{wanted}"), f"{PREFIX}:rem:{wanted}"),),)


async def reminders_command(ctx: Context) -> Sequence[Reply]:
    """/rappels: see and switch the day-before reminders."""
    state = "missions.reminders_on" if ctx.volunteer.reminders else "missions.reminders_off"
    return [Reply(text=msg(state), buttons=_reminder_buttons(ctx.volunteer.reminders))]


async def near_prompt(ctx: Context) -> Sequence[Reply]:
    """Ask where the volunteer is: a shared location, a postcode or a town."""
    await ctx.start_dialogue(NEAR_DIALOGUE, "where")
    return [Reply(text=msg("missions.near_prompt"))]


def _place_search(place: Place, km: float) -> Search:
    return Search(latitude=place.latitude, longitude=place.longitude, km=km)


def place_label(place: Place) -> str:
    """ "Saint-Étienne (42000)"."""
    return f"{place.name} ({place.postcode})"


async def near_text(ctx: Context) -> Sequence[Reply]:
    """The answer to "where are you?": a postcode or a town, maybe ambiguous."""
    text = (ctx.event.text or "").strip()
    if ctx.event.location is not None:
        await ctx.end_dialogue()
        return await near_point(ctx, ctx.event.location)
    places = ctx.services.places.lookup(text[:100], limit=4)
    if not places:
        return [Reply(text=msg("missions.near_unknown", text=text[:100]))]
    await ctx.end_dialogue()
    km = ctx.services.settings.search_radius_km
    if len(places) == 1 or places[0].population > 10 * places[1].population:
        return await listing(ctx, _place_search(places[0], km), place_label(places[0]))
    return [
        Reply(
            text=msg("missions.near_which"),
            buttons=tuple(
                (Button(Msg.text(markup.escape(place_label(p))), _place_search(p, km).encode()),)
                for p in places
            ),
        )
    ]


async def near_point(ctx: Context, point: Location) -> Sequence[Reply]:
    """Missions around a shared location pin."""
    search = Search(
        latitude=point.latitude,
        longitude=point.longitude,
        km=ctx.services.settings.search_radius_km,
    )
    return await listing(ctx, search)


async def missions_command(ctx: Context) -> Sequence[Reply]:
    """/missions [postcode, town or tag]: upcoming missions, a few at a time."""
    if ctx.dialogue is not None and ctx.dialogue.dialogue == NEAR_DIALOGUE:
        await ctx.end_dialogue()
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    query = ctx.payload.strip()[:100]
    if not query:
        return await listing(ctx, Search(km=ctx.services.settings.search_radius_km))
    places = ctx.services.places.lookup(query, limit=1)
    if places and (query[:1].isdigit() or normalise(query) == normalise(places[0].name)):
        km = ctx.services.settings.search_radius_km
        return await listing(ctx, _place_search(places[0], km), place_label(places[0]))
    return await listing(
        ctx, Search(tag=query[:TAG_MAX], km=ctx.services.settings.search_radius_km)
    )


async def on_button(ctx: Context) -> Sequence[Reply]:
    """Every volunteer-side mission button."""
    action, _, rest = ctx.payload.partition(":")
    services = ctx.services
    if ctx.association is None:
        return [Reply(text=msg("missions.no_association"))]
    if action == "l":
        search = Search.decode(rest)
        return await listing(ctx, search) if search else [Reply(text=msg("error.stale_button"))]
    if action == "near":
        return await near_prompt(ctx)
    if action == "rem" and rest in {"on", "off"}:
        await services.volunteers.set_reminders(ctx.volunteer.id, rest == "on")
        key = "missions.reminders_on" if rest == "on" else "missions.reminders_off"
        return [Reply(text=msg(key), buttons=_reminder_buttons(rest == "on"))]
    mission_id = _mission_id(ctx, rest)
    if mission_id is None:
        return [Reply(text=msg("error.stale_button"))]
    if action == "d":
        return await details(ctx, mission_id)
    if action == "s":
        return await sign_up(ctx, mission_id)
    if action == "c":
        return await cancel(ctx, mission_id)
    if action in {"a", "r"}:
        return await answer_offer(ctx, mission_id, accept=action == "a")
    if action == "y":
        return [Reply(text=msg("missions.reminder_thanks"))]
    if action == "n":
        return await cancel(ctx, mission_id)
    return [Reply(text=msg("error.stale_button"))]


async def remind(services: Services, job: JobRecord) -> None:
    """The day before: "still coming?" with Yes / No, if the place is still theirs."""
    association = int(job.payload["association"])
    mission_id = int(job.payload["mission"])
    volunteer_id = int(job.payload["volunteer"])
    mission = await services.missions.get(association, mission_id)
    volunteer = await services.volunteers.get(volunteer_id)
    if mission is None or volunteer is None or not volunteer.reminders:
        return
    if mission.status is not MissionStatus.PUBLISHED or mission.starts_at <= services.clock.now():
        return
    places = await services.missions.participants(association, mission_id)
    if not any(
        p.volunteer_id == volunteer_id and p.status is SignUpStatus.CONFIRMED for p in places
    ):
        return
    zone = services.settings.zone
    reply = Reply(
        text=Msg.join(
            msg("missions.reminder", title=mission.title),
            views.details(mission, zone),
            msg("missions.reminder_question"),
            separator="\n\n",
        ),
        buttons=(
            (
                Button(msg("missions.button_still_coming"), f"{PREFIX}:y:{mission.id}"),
                Button(msg("missions.button_not_coming"), f"{PREFIX}:n:{mission.id}"),
            ),
        ),
    )
    key = f"reminder:{mission.id}:{volunteer_id}:{mission.starts_at.isoformat()}"
    await services.notifier.send(volunteer_id, reply, key)


async def expire_offers(services: Services) -> None:
    """Offers past their deadline move on to the next person; the late one is told."""
    for change in await services.missions.expire_offers(services.settings.offer_for):
        await send_offers(services, change)
        if change.signup is not None and change.mission is not None:
            signup = change.signup
            await services.notifier.send(
                signup.volunteer_id,
                Reply(text=msg("missions.offer_expired", title=change.mission.title)),
                f"offer-expired:{signup.mission_id}:{signup.volunteer_id}:{signup.arrival}",
            )


def register(dispatcher: Dispatcher) -> None:
    """Add /missions, /mes_missions, /rappels, the buttons, the location pin and the jobs."""

    async def on_location(ctx: Context) -> Sequence[Reply]:
        assert ctx.event.location is not None
        return await near_point(ctx, ctx.event.location)

    dispatcher.command(["missions", "mission"], missions_command)
    dispatcher.command(["mes_missions", "my_missions", "mesmissions"], my_missions)
    dispatcher.command(["rappels", "reminders"], reminders_command)
    dispatcher.command(["pres_de_moi", "near_me", "presdemoi"], near_prompt)
    dispatcher.button(PREFIX, on_button)
    dispatcher.dialogue(NEAR_DIALOGUE, near_text)
    dispatcher.on_location(on_location)
    dispatcher.job(REMINDER_JOB, remind)
    dispatcher.sweep(expire_offers)
    dispatcher.menu_entry(
        MenuEntry(
            order=20,
            label=msg("missions.menu_label"),
            description=msg("missions.menu_description"),
            command="missions",
        )
    )
    dispatcher.menu_entry(
        MenuEntry(
            order=21,
            label=msg("missions.mine_menu_label"),
            description=msg("missions.mine_menu_description"),
            command="mes_missions",
        )
    )
