"""How missions look in the chat: cards, places, the buttons volunteers press, and the
messages sent to people when something happens to their place."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import markup
from bot.types import Attachment, Button, Msg, Reply, msg
from handlers.ical import mission_invitation
from storage.records import MissionRecord, SignUpRecord, SignUpStatus

PREFIX = "mi"
"""Button prefix of the volunteers' mission actions."""
ADMIN_PREFIX = "ma"
"""Button prefix of the coordinators' mission actions."""


def local(mission: MissionRecord, zone: ZoneInfo) -> tuple[Msg, Msg]:
    """The start (date and time) and the end time, in the association's time zone."""
    start = mission.starts_at.astimezone(zone)
    end = mission.ends_at.astimezone(zone)
    if end.date() == start.date():
        until = msg("missions.until_time", time=end.time())
    else:
        until = msg("missions.until_datetime", moment=end)
    return msg("missions.at", moment=start), until


def place(mission: MissionRecord) -> Msg:
    """Where: "à distance", or the address and the town."""
    if mission.remote:
        return msg("missions.remote")
    town = " ".join(p for p in (mission.postcode, mission.city) if p)
    shown = ", ".join(p for p in (mission.address, town) if p)
    return Msg.text(markup.escape(shown))


def places_left(mission: MissionRecord) -> Msg:
    """ "3 places left", "full (waitlist open)"."""
    if mission.places_left == 0:
        return msg("missions.full")
    if mission.places_left == 1:
        return msg("missions.one_place_left")
    return msg("missions.places_left", count=mission.places_left)


def card(mission: MissionRecord, zone: ZoneInfo, distance_km: float | None = None) -> Msg:
    """A mission in three short lines, for lists."""
    start, until = local(mission, zone)
    where = place(mission)
    if distance_km is not None and not mission.remote:
        where = msg("missions.place_distance", place=where, km=_km(distance_km))
    return Msg.join(
        msg("missions.card_title", title=mission.title),
        msg("missions.card_when", start=start, until=until),
        msg("missions.card_where", place=where, left=places_left(mission)),
    )


def _km(distance: float) -> str:
    return f"{distance:.1f}".replace(".", ",") if distance < 10 else f"{distance:.0f}"


def details(mission: MissionRecord, zone: ZoneInfo) -> Msg:
    """Everything a volunteer needs to decide and to come."""
    start, until = local(mission, zone)
    lines: list[Msg] = [
        msg("missions.card_title", title=mission.title),
        msg("missions.detail_when", start=start, until=until),
        msg("missions.detail_where", place=place(mission)),
        msg("missions.detail_places", left=places_left(mission), places=mission.places),
    ]
    if mission.description:
        lines.append(msg("missions.detail_description", text=mission.description))
    if mission.tags:
        lines.append(msg("missions.detail_tags", tags=", ".join(mission.tags)))
    if mission.bring:
        lines.append(msg("missions.detail_bring", text=mission.bring))
    if mission.contact:
        lines.append(msg("missions.detail_contact", text=mission.contact))
    return Msg.join(*lines)


def status_line(signup: SignUpRecord, zone: ZoneInfo) -> Msg:
    """Where the volunteer stands on a mission."""
    if signup.status is SignUpStatus.CONFIRMED:
        return msg("missions.status_confirmed")
    if signup.status is SignUpStatus.OFFERED and signup.offer_expires_at is not None:
        return msg("missions.status_offered", deadline=signup.offer_expires_at.astimezone(zone))
    if signup.status is SignUpStatus.WAITLISTED:
        return msg("missions.status_waitlisted", position=signup.waitlist_position or 1)
    return msg("missions.status_none")


def signup_buttons(mission: MissionRecord, signup: SignUpRecord | None) -> tuple[Button, ...]:
    """ "Sign up" or "Cancel my place", as the volunteer's situation calls for."""
    if signup is not None and signup.status is SignUpStatus.OFFERED:
        return offer_buttons(mission.id)
    if signup is not None and signup.status in (
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
    ):
        return (Button(msg("missions.button_cancel"), f"{PREFIX}:c:{mission.id}"),)
    if mission.places_left == 0:
        return (Button(msg("missions.button_waitlist"), f"{PREFIX}:s:{mission.id}"),)
    return (Button(msg("missions.button_sign_up"), f"{PREFIX}:s:{mission.id}"),)


def offer_buttons(mission_id: int) -> tuple[Button, ...]:
    """Accept or decline an offered place."""
    return (
        Button(msg("missions.button_accept"), f"{PREFIX}:a:{mission_id}"),
        Button(msg("missions.button_decline"), f"{PREFIX}:r:{mission_id}"),
    )


def invitation(mission: MissionRecord, organiser: str | None) -> Attachment:
    """The mission as an ``.ics`` file for the volunteer's calendar."""
    location = None
    if not mission.remote:
        town = " ".join(p for p in (mission.postcode, mission.city) if p)
        location = ", ".join(p for p in (mission.address, town) if p) or None
    content = mission_invitation(
        uid=f"mission-{mission.id}-a{mission.association_id}@entraide",
        title=mission.title,
        starts_at=mission.starts_at,
        ends_at=mission.ends_at,
        location=location,
        description="\n".join(
            p
            for p in (
                mission.description,
                mission.bring and f"→ {mission.bring}",
                mission.contact and f"☎ {mission.contact}",
            )
            if p
        )
        or None,
        organiser_name=organiser,
        created_at=mission.starts_at,
    )
    return Attachment(f"mission-{mission.id}.ics", content, "text/calendar")


def offer_message(mission: MissionRecord, signup: SignUpRecord, zone: ZoneInfo) -> Reply:
    """A freed place offered to the next person on the waitlist."""
    deadline = (signup.offer_expires_at or mission.starts_at).astimezone(zone)
    return Reply(
        text=Msg.join(
            msg("missions.offer", title=mission.title, deadline=deadline),
            card(mission, zone),
            separator="\n\n",
        ),
        buttons=(offer_buttons(mission.id),),
    )
