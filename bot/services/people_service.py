"""People, roles, departments and invites: who may use the bot and as what."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, PeopleError, StaleButton
from bot.domain.text import clean_line
from bot.domain.vocabulary import NoticeKind, Role
from bot.services.commands import MenuOf, queue_menu, queue_menus_at_start
from bot.settings import Settings
from storage.db import Database
from storage.repos import departments, dialogs, invites, outbox, people, report_flow, trail
from storage.times import from_db

INVITE_ROLES = (Role.auditor, Role.staff)
GRANTABLE_ROLES = (Role.auditor, Role.lead)
MAX_NAME = 80
FLOW = "admin"
MAX_DEPARTMENT_CHOICES = 30  # departments offered when moving a clerk (one button each)
MAX_INVITES_LISTED = 20  # /invite list (a Revoke button each)


@dataclass(frozen=True)
class Actor:
    """A known person and what they may do."""

    id: int
    name: str
    lang: str
    active: bool
    roles: frozenset[str] = field(default_factory=frozenset)
    staff_departments: tuple[int, ...] = ()

    @property
    def is_lead(self) -> bool:
        return Role.lead in self.roles

    @property
    def is_auditor(self) -> bool:
        """Auditors and leads run audits."""
        return bool(self.roles & {Role.auditor, Role.lead})

    @property
    def is_staff(self) -> bool:
        return Role.staff in self.roles

    @property
    def known(self) -> bool:
        return bool(self.roles)


@dataclass(frozen=True)
class NewDepartment:
    """A department a lead created from /departments."""

    id: int
    name: str


class JoinResult(StrEnum):
    joined = "joined"
    already = "already"
    invalid = "invalid"
    expired = "expired"
    used = "used"


@dataclass(frozen=True)
class Joined:
    result: JoinResult
    role: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class Invite:
    code: str
    role: str
    department: str | None
    department_created: bool
    expires_days: int



@dataclass(frozen=True)
class PersonCard:
    """A person as a lead manages them."""

    person: Actor
    staff: list[dict[str, Any]]  # the departments they are staff of: {"id", "name"}
    choices: list[dict[str, Any]] = field(default_factory=list)  # departments to move them to
    confirm_deactivate: bool = False  # ask before switching their access off
    approver: bool = False  # approves audit reports (bot/services/report_flow_service.py)


class PeopleService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.settings = settings

    async def identify(self, user_id: int, *, name: str, username: str | None, client_lang: str) -> Actor:
        """Who is writing, and what they may do.

        A person who was never invited is answered without being stored: a stranger gets
        an Actor with no roles and nothing is written. Ids in AUDITBOT_ADMIN_IDS become
        leads on first contact. A known person's name and client language are refreshed
        when they change (bookkeeping, not the update's effect: it does not claim it).
        """
        name = name[:MAX_NAME]
        admin = user_id in self.settings.admin_ids
        async with self.db.read() as conn:
            person = await people.get(conn, user_id)
            role_rows = await people.roles(conn, user_id) if person is not None else []
        if not role_rows and not admin:
            return Actor(id=user_id, name=name, lang=client_lang, active=True)
        if person is not None and role_rows and not _stale(person, name, username, client_lang):
            return _actor_of(person, role_rows)
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            await people.upsert(conn, user_id, name=name, username=username, lang=client_lang, at=now)
            if admin and await people.add_role(conn, user_id, Role.lead, None, now):
                await trail.record(conn, at=now, person_id=user_id, entity="person", entity_id=user_id,
                                   action="role_added", after={"role": Role.lead, "via": "admin_ids"})
                await queue_menu(conn, user_id, now)
            return await _actor(conn, user_id)

    async def get(self, person_id: int) -> Actor | None:
        async with self.db.read() as conn:
            if await people.get(conn, person_id) is None:
                return None
            return await _actor(conn, person_id)

    async def person(self, actor: Actor, person_id: int) -> Actor:
        """A person's card for a lead."""
        _require_lead(actor)
        found = await self.get(person_id)
        if found is None:
            raise StaleButton()
        return found

    async def card(self, actor: Actor, person_id: int, *, pick_department: bool = False,
                   confirm_deactivate: bool = False) -> PersonCard:
        """A person's card for a lead: roles, the departments they are staff of (and, when
        picking, the departments to move them to), or the question before deactivating."""
        _require_lead(actor)
        async with self.db.read() as conn:
            if await people.get(conn, person_id) is None:
                raise StaleButton()
            person = await _actor(conn, person_id)
            staff = [{"id": r["department_id"], "name": r["department"]} for r in await people.roles(conn, person_id)
                     if r["role"] == Role.staff]
            choices = []
            if pick_department:
                mine = {d["id"] for d in staff}
                choices = [{"id": d["id"], "name": d["name"]} for d in await departments.list_active(conn)
                           if d["id"] not in mine][:MAX_DEPARTMENT_CHOICES]
            approver = await report_flow.is_approver(conn, person_id)
        return PersonCard(person, staff, choices, confirm_deactivate and person.active and person_id != actor.id,
                          approver)

    async def move_staff(self, actor: Actor, person_id: int, department_id: int) -> PersonCard:
        """Make a staff member (a clerk) the staff of ``department_id`` instead of their department(s)."""
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await people.get(conn, person_id) is None:
                raise StaleButton()
            target = await departments.get(conn, department_id)
            if target is None or not target["active"]:
                raise StaleButton()
            before = [r["department_id"] for r in await people.roles(conn, person_id) if r["role"] == Role.staff]
            if not before:
                raise StaleButton()  # not staff (any more)
            await people.remove_role(conn, person_id, Role.staff)
            await people.add_role(conn, person_id, Role.staff, department_id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="person", entity_id=person_id,
                               action="staff_department_changed", before=before, after=department_id)
        return await self.card(actor, person_id)

    async def queue_menus(self, menu_of: MenuOf) -> int:
        """At start: queue the command menu of each active person whose roles, language or
        commands (``menu_of`` their roles) changed since, or who never had one of their own;
        how many were queued."""
        now = self.clock.now()
        async with self.db.transaction(claim=False) as conn:
            return await queue_menus_at_start(conn, await people.active_with_roles(conn), now, menu_of)

    async def leads(self) -> list[tuple[int, str]]:
        """(id, language) of the active leads."""
        async with self.db.read() as conn:
            return [(row["id"], row["lang"]) for row in await people.with_role(conn, Role.lead)]

    async def set_lang(self, actor: Actor, lang: str) -> Actor:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await people.set_lang(conn, actor.id, lang, now)
            if actor.known:
                await queue_menu(conn, actor.id, now)
            return await _actor(conn, actor.id)

    async def list_invites(self, actor: Actor) -> list[dict]:
        """/invite list: the invites not used and not expired, newest first."""
        _require_lead(actor)
        async with self.db.read() as conn:
            return [dict(r) for r in await invites.pending(conn, self.clock.now(), MAX_INVITES_LISTED)]

    async def revoke_invite(self, actor: Actor, code: str) -> list[dict]:
        """End a pending invite (its link then gets the expired message); the invites left."""
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await invites.revoke(conn, code, now):
                raise PeopleError("invite_gone")
            await trail.record(conn, at=now, person_id=actor.id, entity="invite", entity_id=code[:4],
                               action="revoked")
        return await self.list_invites(actor)

    async def ask_invite_department(self, actor: Actor) -> None:
        """A lead inviting staff will type a new department's name next."""
        _require_lead(actor)
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting="invite_department", at=self.clock.now())

    async def create_invite(self, actor: Actor, role: str, department_name: str | None, *,
                            department_id: int | None = None) -> Invite:
        """A one-time code for ``role`` (staff need a department, by id or name; an unknown
        name is created). Ends the lead's admin dialog (a department name typed for it)."""
        _require_lead(actor)
        if role not in INVITE_ROLES:
            raise PeopleError("invite_usage")
        now = self.clock.now()
        code = secrets.token_urlsafe(12)
        created = False
        name = None
        async with self.db.transaction() as conn:
            if role == Role.staff and department_id is not None:
                found = await departments.get(conn, department_id)
                if found is None or not found["active"]:
                    raise StaleButton()
                name = found["name"]
            elif role == Role.staff:
                name = clean_name(department_name or "")
                if not name:
                    raise PeopleError("invite_usage")
                department_id, created = await departments.get_or_create(conn, name, now)
                name = (await departments.get(conn, department_id))["name"]
            await _leave(conn, actor)
            await invites.create(
                conn, code=code, role=role, department_id=department_id, created_by=actor.id, at=now,
                expires_at=now + timedelta(days=self.settings.invite_days),
            )
            await trail.record(conn, at=now, person_id=actor.id, entity="invite", entity_id=code[:4],
                               action="created", after={"role": role, "department": name})
        return Invite(code, role, name, created, self.settings.invite_days)

    async def join(self, actor: Actor, code: str, *, username: str | None = None) -> Joined:
        """Redeem an invite code: single use, within its validity.

        The person is stored only now, when the code is good (strangers are not kept).
        """
        user_id = actor.id
        now = self.clock.now()
        async with self.db.transaction() as conn:
            invite = await invites.get(conn, code)
            if invite is None:
                return Joined(JoinResult.invalid)
            if invite["used_by"] is not None:
                same = invite["used_by"] == user_id
                return Joined(JoinResult.already if same else JoinResult.used, invite["role"], invite["department"])
            if from_db(invite["expires_at"]) <= now:
                return Joined(JoinResult.expired)
            await people.upsert(conn, user_id, name=actor.name, username=username, lang=actor.lang, at=now)
            if not await invites.redeem(conn, code, user_id, now):
                return Joined(JoinResult.expired)
            await people.set_active(conn, user_id, True, now)
            await people.add_role(conn, user_id, invite["role"], invite["department_id"], now)
            await queue_menu(conn, user_id, now)
            await outbox.enqueue(  # the lead who invited them hears of it
                conn, dedupe_key=f"joined:{code}", chat_id=invite["created_by"], kind=NoticeKind.lead_joined,
                payload={"person_id": user_id, "role": invite["role"], "department": invite["department"]},
                not_before=now, at=now)
            await trail.record(conn, at=now, person_id=user_id, entity="person", entity_id=user_id,
                               action="joined", after={"role": invite["role"], "department": invite["department"]})
        return Joined(JoinResult.joined, invite["role"], invite["department"])

    async def list_people(self) -> list[dict]:
        """Everyone with a role; ``roles`` is a list of {role, department} (lead, auditor, staff)."""
        order = {role: n for n, role in enumerate(people.ROLES)}
        async with self.db.read() as conn:
            result = []
            for row in await people.list_all(conn):
                person = dict(row)
                held = await people.roles(conn, row["id"])
                person["roles"] = sorted(({"role": r["role"], "department": r["department"]} for r in held),
                                         key=lambda r: (order.get(r["role"], len(order)), r["department"] or ""))
                result.append(person)
            return result

    async def list_departments(self) -> list[dict]:
        async with self.db.read() as conn:
            return [dict(row) for row in await departments.list_active(conn)]

    async def ask_department_name(self, actor: Actor, department_id: int) -> str:
        """A lead starts renaming a department: the next text they type is its new name.

        Returns the current name.
        """
        _require_lead(actor)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            current = await departments.get(conn, department_id)
            if current is None or not current["active"]:
                raise StaleButton()
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting="department_name",
                              data={"department_id": department_id}, at=now)
        return current["name"]

    async def ask_new_department(self, actor: Actor) -> None:
        """➕ on /departments: the next text the lead types is a new department's name."""
        _require_lead(actor)
        async with self.db.transaction() as conn:
            await dialogs.put(conn, actor.id, flow=FLOW, awaiting="new_department", at=self.clock.now())

    async def create_department(self, actor: Actor, text: str) -> NewDepartment:
        """A new department named ``text`` (refused when empty or taken); the lead's dialog ends."""
        _require_lead(actor)
        name = _department_name(text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            department_id, created = await departments.get_or_create(conn, name, now)
            if not created:
                raise PeopleError("department_name_taken")
            await trail.record(conn, at=now, person_id=actor.id, entity="department", entity_id=department_id,
                               action="created", after={"name": name})
            await _leave(conn, actor)
        return NewDepartment(department_id, name)

    async def typed(self, actor: Actor, text: str) -> str | Invite | NewDepartment:
        """Text typed in the lead's admin dialog: a new department (returned), a department's
        new name (returned), or the new department of a staff invite (the invite returned)."""
        async with self.db.read() as conn:
            state = await dialogs.get(conn, actor.id)
        awaiting = state["awaiting"] if state is not None and state["flow"] == FLOW else None
        data = dialogs.data_of(state)
        if awaiting == "new_department":
            return await self.create_department(actor, text)
        if awaiting == "invite_department":
            return await self.create_invite(actor, Role.staff, _department_name(text))
        if awaiting != "department_name" or "department_id" not in data:
            raise PeopleError("no_dialog")
        return await self.rename_department(actor, data["department_id"], text)

    async def rename_department(self, actor: Actor, department_id: int, new_name: str) -> str:
        """Rename (and end the lead's rename dialog); refuses a name another department has."""
        _require_lead(actor)
        name = _department_name(new_name)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            current = await departments.get(conn, department_id)
            if current is None:
                await _leave(conn, actor)
                raise PeopleError("no_dialog")
            other = await departments.by_name(conn, name)
            if other is not None and other["id"] != department_id:
                raise PeopleError("department_name_taken")
            await departments.rename(conn, department_id, name)
            await trail.record(conn, at=now, person_id=actor.id, entity="department", entity_id=department_id,
                               action="renamed", before=current["name"], after=name)
            await _leave(conn, actor)
        return name

    async def set_active(self, actor: Actor, person_id: int, active: bool) -> None:
        _require_lead(actor)
        if person_id == actor.id and not active:
            raise StaleButton()
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await people.get(conn, person_id) is None:
                raise StaleButton()
            await people.set_active(conn, person_id, active, now)
            if active:
                await queue_menu(conn, person_id, now)
            await trail.record(conn, at=now, person_id=actor.id, entity="person", entity_id=person_id,
                               action="activated" if active else "deactivated")

    async def toggle_role(self, actor: Actor, person_id: int, role: str) -> bool:
        """Grant or withdraw auditor/lead; returns whether the person now holds it."""
        _require_lead(actor)
        if role not in GRANTABLE_ROLES or (person_id == actor.id and role == Role.lead):
            raise StaleButton()
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await people.get(conn, person_id) is None:
                raise StaleButton()
            if await people.remove_role(conn, person_id, role):
                held = False
            else:
                await people.add_role(conn, person_id, role, None, now)
                held = True
            await trail.record(conn, at=now, person_id=actor.id, entity="person", entity_id=person_id,
                               action="role_added" if held else "role_removed", after={"role": role})
            await queue_menu(conn, person_id, now)
            if person_id != actor.id:
                await outbox.enqueue(conn, dedupe_key=f"role:{person_id}:{role}:{held}:{now.isoformat()}",
                                     chat_id=person_id, kind=NoticeKind.role_changed,
                                     payload={"role": role, "held": held, "by": actor.id}, not_before=now, at=now)
        return held


def clean_name(text: str) -> str:
    """A name as typed, with control characters and extra spaces removed."""
    return clean_line(text, MAX_NAME)


def _department_name(text: str) -> str:
    """A department's name as typed, cleaned; refused when nothing is left."""
    name = clean_name(text)
    if not name:
        raise PeopleError("department_name_empty")
    return name


def _require_lead(actor: Actor) -> None:
    if not actor.is_lead:
        raise NotAllowed()


async def _leave(conn, actor: Actor) -> None:
    state = await dialogs.get(conn, actor.id)
    if state is not None and state["flow"] == FLOW:
        await dialogs.clear(conn, actor.id)


def _stale(person, name: str, username: str | None, client_lang: str) -> bool:
    """Has the person's name, username or (not chosen) client language changed?"""
    return (person["name"] != name or person["username"] != username
            or (not person["lang_chosen"] and person["lang"] != client_lang))


async def _actor(conn, person_id: int) -> Actor:
    return _actor_of(await people.get(conn, person_id), await people.roles(conn, person_id))


def _actor_of(person, role_rows) -> Actor:
    person_id = person["id"]
    return Actor(
        id=person_id,
        name=person["name"],
        lang=person["lang"],
        active=bool(person["active"]),
        roles=frozenset(r["role"] for r in role_rows),
        staff_departments=tuple(r["department_id"] for r in role_rows if r["role"] == Role.staff),
    )
