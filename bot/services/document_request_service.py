"""Records the department provides before the audit (ISO 19011 6.3.1; 前期准备). No Telegram here.

The auditor, from the plan card, lists what the department should send (a question's records,
by its number, or typed items: "quality objectives 2026") and by when; the department's
contacts get one card with a button per item. A clerk answers an item with files or photos
(evidence on the item's question, marked as provided by the department, with the date the
documents bear if the clerk types one) or with "not applicable" and a note. Answers after
the audit started are still taken, marked late. The auditor sees what arrived and may
return an item with a reason (the clerk is told).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from bot.domain.checklists import Checklist
from bot.domain.clock import Clock
from bot.domain.dates import parse_date
from bot.domain.errors import ServiceError
from bot.domain.reminder_rules import Rules, not_before, stage_on
from bot.domain.text import clean_text
from bot.domain.vocabulary import AuditStatus, NoticeKind, Role
from bot.services.people_service import Actor
from bot.services.thumbnails import store_file
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, dialogs, evidence, outbox, people, trail
from storage.repos import document_requests as requests

ASK_FLOW = "records_ask"  # the auditor listing what to request, or typing why an item goes back
GIVE_FLOW = "records_give"  # a clerk answering one item
MAX_ITEMS = 20
MAX_ITEM = 200  # characters of a typed item
MAX_NOTE = 500
DUE_CHOICES = (2, 5, 7, 14)  # days from today offered as the due date
DEFAULT_DUE = 5
REMIND_STAGES = ("before1", "due")  # and every overdue stage; a request is days, not weeks, ahead
# What an audit takes as records: photos, and documents of these kinds.
ACCEPTED = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".txt",
                      ".csv", ".jpg", ".jpeg", ".png", ".heic", ".tif", ".tiff", ".ofd", ".wps", ".et"})
ACCEPTED_MIME = ("application/pdf", "image/", "text/plain", "text/csv", "application/msword",
                 "application/vnd.openxmlformats", "application/vnd.ms-", "application/vnd.oasis")
PREFIX = "records_"


class RecordsError(ServiceError):
    """A refusal about a document request (label ``records_<code>``)."""

    prefix = PREFIX


@dataclass(frozen=True)
class Item:
    id: int | None
    text: str  # "Q3 · 7.5.3 · the question" or the typed item
    state: str = "asked"  # asked, provided, not_applicable, returned
    files: int = 0
    note: str = ""
    late: bool = False
    document_date: str | None = None
    return_reason: str = ""


@dataclass(frozen=True)
class Draft:
    """The auditor's request as it is being written (``sent``: it went to ``contacts`` people),
    with what earlier requests of the audit got back."""

    audit_id: int
    number: str
    department: str
    items: list[Item]
    due: date
    due_choices: list[date]
    earlier: list[Item] = field(default_factory=list)
    sent: bool = False
    contacts: int = 0
    returning: Item | None = None  # the item whose reason for return is asked for


@dataclass(frozen=True)
class ItemCard:
    """One item as the clerk answers it."""

    item: Item
    request_id: int
    number: str
    department: str
    due: date
    awaiting: str = "file"  # file (or the document date), note (why not applicable)


@dataclass(frozen=True)
class RequestCard:
    """The request as its notice shows it: every item with a button."""

    request_id: int
    audit_id: int
    number: str
    department: str
    due: date
    items: list[Item]
    by: str = ""


class DocumentRequestService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, files: FileStore):
        self.db = db
        self.clock = clock
        self.rules = settings.rules()
        self.files = files

    def _today(self) -> date:
        return self.rules.today(self.clock.now())

    # --- the auditor -----------------------------------------------------------------------

    async def start(self, actor: Actor, audit_id: int) -> Draft:
        """A new request for audit ``audit_id`` (from its plan card): typed items come next."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            audit = await self._audit(conn, actor, audit_id)
            due = self._today() + timedelta(days=DEFAULT_DUE)
            await dialogs.put(conn, actor.id, flow=ASK_FLOW, at=now, audit_id=audit_id, awaiting="items",
                              data={"items": [], "due": due.isoformat()})
            return await self._draft(conn, audit, [], due, actor.lang)

    async def add_items(self, actor: Actor, state: dict[str, Any], text: str) -> Draft:
        """Typed lines: a question's number asks for its records, anything else is an item."""
        if state.get("awaiting") == "return":
            return await self._return_reason(actor, state, text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            audit = await self._audit(conn, actor, state["audit_id"])
            ids = Checklist.from_json(audit["checklist_json"]).question_ids()
            items = list(state["data"].get("items", []))
            for line in text.splitlines():
                number = _number(line)
                line = clean_text(line, MAX_ITEM)
                if not line:
                    continue
                entry = ["q", ids[number - 1]] if number and number <= len(ids) else ["t", line]
                if entry not in items:
                    items.append(entry)
            if len(items) > MAX_ITEMS:
                raise RecordsError("too_many", limit=MAX_ITEMS)
            due = date.fromisoformat(state["data"]["due"])
            await dialogs.put(conn, actor.id, flow=ASK_FLOW, at=now, audit_id=audit["id"], awaiting="items",
                              data={"items": items, "due": due.isoformat()})
            return await self._draft(conn, audit, items, due, actor.lang)

    async def set_due(self, actor: Actor, audit_id: int, day: date) -> Draft:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            audit = await self._audit(conn, actor, audit_id)
            state = await self._drafting(conn, actor, audit_id)
            items = dialogs.data_of(state).get("items", [])
            if day < self._today():
                raise RecordsError("stale")
            await dialogs.put(conn, actor.id, flow=ASK_FLOW, at=now, audit_id=audit_id, awaiting="items",
                              data={"items": items, "due": day.isoformat()})
            return await self._draft(conn, audit, items, day, actor.lang)

    async def send(self, actor: Actor, audit_id: int) -> Draft:
        """The request goes to the department's contacts (one card each, through the outbox)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            audit = await self._audit(conn, actor, audit_id)
            state = await self._drafting(conn, actor, audit_id)
            data = dialogs.data_of(state)
            items, due = data.get("items", []), date.fromisoformat(data["due"])
            if not items:
                raise RecordsError("empty")
            contacts = await people.staff_of(conn, audit["department_id"])
            if not contacts:
                raise RecordsError("no_contacts", department=audit["department"])
            request_id = await requests.create(conn, audit_id, actor.id, due, now,
                                               [(v, None) if k == "q" else (None, v) for k, v in items])
            for person in contacts:
                await outbox.enqueue(conn, dedupe_key=f"records:{request_id}:{person['id']}", chat_id=person["id"],
                                     kind=NoticeKind.records_requested, payload={"request_id": request_id},
                                     not_before=not_before(self.rules, now), at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="document_request", entity_id=request_id,
                               action="sent", after={"audit": audit_id, "items": len(items), "due": due.isoformat()})
            await dialogs.clear(conn, actor.id)
            draft = await self._draft(conn, audit, [], due, actor.lang)
        return Draft(audit_id, audit["number"], audit["department"], [], due, [], draft.earlier,
                     sent=True, contacts=len(contacts))

    async def give_back(self, actor: Actor, item_id: int) -> Draft:
        """The auditor returns an answered item: the reason is typed next."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await requests.item(conn, item_id)
            if row is None or row["state"] not in ("provided", "not_applicable"):
                raise RecordsError("stale")
            audit = await self._audit(conn, actor, row["audit_id"])
            await dialogs.put(conn, actor.id, flow=ASK_FLOW, at=now, audit_id=audit["id"], awaiting="return",
                              data={"item": item_id, "items": [], "due": row["due_date"]})
            draft = await self._draft(conn, audit, [], date.fromisoformat(row["due_date"]), actor.lang)
            checklist = Checklist.from_json(audit["checklist_json"])
        return Draft(**{**draft.__dict__, "returning": _item(row, checklist, actor.lang)})

    async def _return_reason(self, actor: Actor, state: dict[str, Any], text: str) -> Draft:
        reason = clean_text(text, MAX_NOTE)
        if not reason:
            raise RecordsError("reason_empty")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await requests.item(conn, state["data"]["item"])
            if row is None or row["state"] not in ("provided", "not_applicable"):
                await dialogs.clear(conn, actor.id)
                raise RecordsError("stale")
            audit = await self._audit(conn, actor, row["audit_id"])
            await requests.give_back(conn, row["id"], reason)
            if row["answered_by"] is not None:
                await outbox.enqueue(conn, dedupe_key=f"records-back:{row['id']}:{now.isoformat()}",
                                     chat_id=row["answered_by"], kind=NoticeKind.records_returned,
                                     payload={"item_id": row["id"]}, not_before=not_before(self.rules, now), at=now)
            await trail.record(conn, at=now, person_id=actor.id, entity="document_request_item", entity_id=row["id"],
                               action="returned", after={"reason": reason})
            due = self._today() + timedelta(days=DEFAULT_DUE)  # the card invites a new request next
            await dialogs.put(conn, actor.id, flow=ASK_FLOW, at=now, audit_id=audit["id"], awaiting="items",
                              data={"items": [], "due": due.isoformat()})
            return await self._draft(conn, audit, [], due, actor.lang)

    async def _audit(self, conn: Any, actor: Actor, audit_id: int) -> Any:
        if not actor.is_auditor:
            raise RecordsError("not_allowed")
        audit = await audits.get(conn, audit_id)
        if audit is None or audit["status"] == AuditStatus.cancelled:
            raise RecordsError("stale")
        if not actor.is_lead and not await audits.is_member(conn, audit_id, actor.id):
            raise RecordsError("not_allowed")
        if AuditStatus(audit["status"]).closed:
            raise RecordsError("audit_closed", number=audit["number"])
        return audit

    async def _drafting(self, conn: Any, actor: Actor, audit_id: int) -> Any:
        state = await dialogs.get(conn, actor.id)
        if state is None or state["flow"] != ASK_FLOW or state["audit_id"] != audit_id:
            raise RecordsError("stale")
        return state

    async def _draft(self, conn: Any, audit: Any, items: list, due: date, lang: str) -> Draft:
        checklist = Checklist.from_json(audit["checklist_json"])
        shown = [Item(None, _question_text(checklist, v, lang) if k == "q" else v) for k, v in items]
        earlier = [_item(r, checklist, lang) for r in await requests.of_audit(conn, audit["id"])]
        today = self._today()
        return Draft(audit["id"], audit["number"], audit["department"], shown, due,
                     [today + timedelta(days=d) for d in DUE_CHOICES], earlier)

    # --- the department --------------------------------------------------------------------

    async def listing(self, actor: Actor, request_id: int) -> RequestCard:
        """The request's card again (◀ from an item)."""
        async with self.db.read() as conn:
            roles = {(Role.staff, d) for d in actor.staff_departments}
            card = await request_card(conn, request_id, actor.lang, roles)
        if card is None:
            raise RecordsError("not_allowed")
        return card

    async def open_item(self, actor: Actor, item_id: int) -> ItemCard:
        """A clerk answers item ``item_id``: files next (or ✖ not applicable)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._clerk_item(conn, actor, item_id)
            await dialogs.put(conn, actor.id, flow=GIVE_FLOW, at=now, audit_id=row["audit_id"], awaiting="file",
                              data={"item": item_id})
            return self._card(row, actor.lang)

    async def not_applicable(self, actor: Actor, item_id: int) -> ItemCard:
        """✖ Not applicable: the note saying why is typed next."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._clerk_item(conn, actor, item_id)
            await dialogs.put(conn, actor.id, flow=GIVE_FLOW, at=now, audit_id=row["audit_id"], awaiting="note",
                              data={"item": item_id})
            return self._card(row, actor.lang, awaiting="note")

    async def typed(self, actor: Actor, state: dict[str, Any], text: str) -> ItemCard:
        """Typed text while answering: the note (not applicable), or the date the documents bear."""
        now = self.clock.now()
        item_id = state["data"].get("item")
        async with self.db.transaction() as conn:
            row = await self._clerk_item(conn, actor, item_id)
            if state.get("awaiting") == "note":
                note = clean_text(text, MAX_NOTE)
                if not note:
                    raise RecordsError("note_empty")
                await requests.answer(conn, item_id, state="not_applicable", person_id=actor.id, at=now,
                                      late=_late(row), note=note)
                await trail.record(conn, at=now, person_id=actor.id, entity="document_request_item",
                                   entity_id=item_id, action="not_applicable", after={"note": note})
                await dialogs.put(conn, actor.id, flow=GIVE_FLOW, at=now, audit_id=row["audit_id"], awaiting="file",
                                  data={"item": item_id})
            else:
                day = parse_date(text.strip(), self._today())
                if day is None:
                    raise RecordsError("send_file")
                await requests.set_document_date(conn, item_id, day)
            return self._card(await requests.item(conn, item_id), actor.lang)

    async def add_file(self, actor: Actor, state: dict[str, Any], *, kind: str, data: bytes, file_name: str | None,
                       mime_type: str | None, telegram_file_id: str | None, caption: str | None) -> ItemCard:
        """A file for the item being answered: evidence on its question, provided by the department."""
        if state.get("awaiting") not in ("file", "note"):
            raise RecordsError("stale")
        if not accepted(kind, file_name, mime_type):
            raise RecordsError("file_type", name=file_name or "")
        item_id = state["data"].get("item")
        async with self.db.read() as conn:  # check before writing any file
            await self._clerk_item(conn, actor, item_id)
        sha, thumb_sha = await store_file(self.files, data, kind)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            row = await self._clerk_item(conn, actor, item_id)
            evidence_id = await evidence.add(
                conn, kind=kind, sha256=sha, size=len(data), person_id=actor.id, at=now, audit_id=row["audit_id"],
                question_id=row["question_id"], thumb_sha256=thumb_sha, file_name=file_name, mime_type=mime_type,
                caption=clean_text(caption or "", MAX_NOTE) or None, telegram_file_id=telegram_file_id)
            await requests.mark_provided(conn, evidence_id, item_id, row["document_date"])
            await requests.answer(conn, item_id, state="provided", person_id=actor.id, at=now, late=_late(row))
            await trail.record(conn, at=now, person_id=actor.id, entity="evidence", entity_id=evidence_id,
                               action="added", after={"request_item": item_id, "sha256": sha, "kind": kind,
                                                      "source": requests.DEPARTMENT})
            await dialogs.put(conn, actor.id, flow=GIVE_FLOW, at=now, audit_id=row["audit_id"], awaiting="file",
                              data={"item": item_id})
            return self._card(await requests.item(conn, item_id), actor.lang)

    async def _clerk_item(self, conn: Any, actor: Actor, item_id: int | None) -> Any:
        row = await requests.item(conn, item_id) if item_id is not None else None
        if row is None or row["status"] == AuditStatus.cancelled:
            raise RecordsError("stale")
        if row["department_id"] not in actor.staff_departments:
            raise RecordsError("not_allowed")
        if AuditStatus(row["status"]).closed:
            raise RecordsError("audit_closed", number=row["number"])
        return row

    def _card(self, row: Any, lang: str, *, awaiting: str = "file") -> ItemCard:
        return _card_of(row, lang, awaiting)


async def queue_reminders(conn: Any, rules: Rules, now: Any) -> int:
    """The reminder pass's part: each request with items still to answer reminds the
    department's contacts once per stage (as actions do: 1 day before, on the due date, every
    few days late; only the latest stage, never in the quiet hours). Returns rows queued."""
    today, queued = rules.today(now), 0
    for row in await requests.waiting(conn):
        stage = stage_on(rules, date.fromisoformat(row["due_date"]), today)
        if stage is None or (stage.name not in REMIND_STAGES and not stage.name.startswith("overdue:")):
            continue
        for person in await people.staff_of(conn, row["department_id"]):
            queued += await outbox.enqueue(
                conn, dedupe_key=f"records-remind:{row['id']}:{stage.name}:{person['id']}", chat_id=person["id"],
                kind=NoticeKind.records_requested, payload={"request_id": row["id"], "stage": stage.name},
                not_before=not_before(rules, now), at=now)
    return queued


async def notice(conn: Any, kind: str, payload: dict[str, Any], lang: str, roles: set,
                 today: date | None = None, rules: Rules | None = None) -> dict[str, Any] | None:
    """The values of a records notice (None when it no longer applies to the recipient; a
    reminder, once nothing is left to answer or a later stage applies)."""
    if kind == NoticeKind.records_requested:
        card = await request_card(conn, payload["request_id"], lang, roles)
        if card is None:
            return None
        stage = payload.get("stage")
        if stage is not None:
            current = stage_on(rules, card.due, today) if rules is not None and today is not None else None
            if not await requests.open_items(conn, card.request_id) or current is None or current.name != stage:
                return None
        return {"card": card, "stage": stage}
    row = await requests.item(conn, payload["item_id"])
    if row is None or row["state"] != "returned" or (Role.staff, row["department_id"]) not in roles:
        return None
    return {"card": _card_of(row, lang)}


async def request_card(conn: Any, request_id: int, lang: str, roles: set) -> RequestCard | None:
    """The notice of a request (None when the recipient is no contact of the department now)."""
    row = await requests.get(conn, request_id)
    if row is None or (Role.staff, row["department_id"]) not in roles or row["status"] == AuditStatus.cancelled:
        return None
    checklist = Checklist.from_json(row["checklist_json"])
    by = await people.get(conn, row["requested_by"])
    items = [_item(r, checklist, lang) for r in await requests.items(conn, request_id)]
    return RequestCard(request_id, row["audit_id"], row["number"], row["department"],
                       date.fromisoformat(row["due_date"]), items, by["name"] if by else "")


def _card_of(row: Any, lang: str, awaiting: str = "file") -> ItemCard:
    checklist = Checklist.from_json(row["checklist_json"])
    return ItemCard(_item(row, checklist, lang), row["request_id"], row["number"], row["department"],
                    date.fromisoformat(row["due_date"]), awaiting)


def accepted(kind: str, file_name: str | None, mime_type: str | None) -> bool:
    """Whether an audit takes this file as a record: photos, and office documents, PDFs and images."""
    if kind == "photo":
        return True
    if kind != "document":
        return False
    if file_name and PurePath(file_name.lower()).suffix in ACCEPTED:
        return True
    return not file_name and any((mime_type or "").startswith(m) for m in ACCEPTED_MIME)


def _late(row: Any) -> bool:
    """Answered after the audit started (its plan was confirmed)."""
    return row["status"] != AuditStatus.planning


def _number(line: str) -> int:
    """The question number a line is ("3", "#3", "Q3"), else 0."""
    stripped = line.strip().lstrip("#Qq").strip()
    return int(stripped) if stripped.isascii() and stripped.isdigit() and len(stripped) < 6 else 0


def _question_text(checklist: Checklist, question_id: str, lang: str) -> str:
    ids = checklist.question_ids()
    found = checklist.find(question_id)
    if found is None:
        return question_id
    question = found[1]
    return f"Q{ids.index(question_id) + 1} · {question.clause} · {question.text.get(lang or 'zh')}"


def _item(row: Any, checklist: Checklist, lang: str) -> Item:
    text = _question_text(checklist, row["question_id"], lang) if row["question_id"] else row["text"] or ""
    return Item(row["id"], text, row["state"], int(row["files"] or 0), row["note"] or "", bool(row["late"]),
                row["document_date"], row["return_reason"] or "")
