"""/find: what was written in past and present audits, for whoever may read it. No Telegram here.

A query is words and filters (``state:overdue dept:财务局 clause:7.5 year:2025``; 状态/部门/
条款/年份 and a full-width colon work too). Every word must occur in the text, as it is
written: Chinese needs no spaces ("授权签字" finds "未书面授权签字"), but the words are not
segmented, so "签字授权" (the same two words in the other order) does not; "签字 授权" does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, ServiceError
from bot.domain.vocabulary import AuditStatus, CapaState
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.repos import search
from storage.repos.search import Filters, Reader

PAGE = 10  # hits per page
MAX_QUERY = 200  # characters: longer is no search
MAX_WORDS = 8
MAX_PAGE = 100
SNIPPET = 60  # characters of the text shown around the first word

_KEYS = {"state": "state", "状态": "state", "dept": "dept", "部门": "dept", "clause": "clause", "条款": "clause",
         "year": "year", "年份": "year", "年": "year"}
_STATES = {"overdue": "overdue", "逾期": "overdue", "open": CapaState.open, "planned": CapaState.planned,
           "accepted": CapaState.plan_accepted, "implemented": CapaState.implemented, "closed": CapaState.closed,
           "关闭": CapaState.closed, "已关闭": CapaState.closed}
_AUDIT_STATES = {"planning": AuditStatus.planning, "in_progress": AuditStatus.in_progress,
                 "running": AuditStatus.in_progress, "completed": AuditStatus.completed,
                 "完成": AuditStatus.completed, "已完成": AuditStatus.completed}


class SearchError(ServiceError):
    """A search that cannot run (label ``find_<code>``)."""

    prefix = "find_"


@dataclass(frozen=True)
class Hit:
    """One result: what it is, where it belongs, and what its button opens."""

    kind: str  # audit, finding, note, action
    audit_id: int
    number: str  # the audit's
    department: str
    clause: str
    text: str  # the part of its text around the first word
    capa_id: int | None = None
    capa_state: str | None = None
    opens: str = "summary"  # summary (the audit's), capa (the staff's card), capa_lead, capa_verify


@dataclass(frozen=True)
class Results:
    query: str
    serial: int  # names this search on the page buttons
    page: int
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # a next page exists

    @property
    def first(self) -> int:
        """How many hits the pages before this one showed."""
        return self.page * PAGE


@dataclass(frozen=True)
class Query:
    words: list[str]
    filters: Filters


def parse(text: str) -> Query:
    """Words and filters of a typed query; SearchError usage / too_long / bad_filter."""
    text = (text or "").strip()
    if not text:
        raise SearchError("usage")
    if len(text) > MAX_QUERY:
        raise SearchError("too_long", limit=MAX_QUERY)
    words: list[str] = []
    values: dict[str, str] = {}
    for token in text.replace("：", ":").split():
        key, colon, value = token.partition(":")
        if colon and key.lower() in _KEYS and value:
            values[_KEYS[key.lower()]] = value
        elif token not in words:
            words.append(token)
    if not words and not values:
        raise SearchError("usage")
    if len(words) > MAX_WORDS:
        raise SearchError("too_long", limit=MAX_QUERY)
    return Query(words, _filters(values))


def _filters(values: dict[str, str]) -> Filters:
    state = values.get("state", "").lower()
    year = values.get("year")
    if year is not None and not (year.isascii() and year.isdigit() and len(year) == 4):
        raise SearchError("bad_filter", filter=f"year:{year}")
    if state and state not in _STATES and state not in _AUDIT_STATES:
        raise SearchError("bad_filter", filter=f"state:{values['state']}")
    capa = _STATES.get(state)
    return Filters(
        capa_states=(str(capa),) if capa is not None and capa != "overdue" else (),
        overdue=capa == "overdue",
        audit_status=str(_AUDIT_STATES[state]) if state in _AUDIT_STATES else None,
        department=values.get("dept"),
        clause=values.get("clause"),
        year=int(year) if year else None,
    )


class SearchService:
    def __init__(self, db: Database, clock: Clock, settings: Settings):
        self.db = db
        self.clock = clock
        self.rules = settings.rules()

    async def find(self, actor: Actor, text: str) -> Results:
        """The first page of what ``text`` finds (kept as the person's last search)."""
        _require_known(actor)
        query = parse(text)
        async with self.db.transaction() as conn:
            serial = await search.remember(conn, actor.id, text.strip(), self.clock.now())
        return await self._page(actor, text.strip(), query, serial, 0)

    async def page(self, actor: Actor, serial: int, page: int) -> Results:
        """Page ``page`` of the person's last search (a page button of an older one is stale)."""
        _require_known(actor)
        async with self.db.read() as conn:
            text = await search.remembered(conn, actor.id, serial)
        if text is None or not 0 <= page <= MAX_PAGE:
            raise SearchError("stale")
        return await self._page(actor, text, parse(text), serial, page)

    async def _page(self, actor: Actor, text: str, query: Query, serial: int, page: int) -> Results:
        reader = Reader(actor.id, lead=actor.is_lead, auditor=actor.is_auditor,
                        departments=tuple(actor.staff_departments))
        async with self.db.read() as conn:
            rows = await search.find(conn, query.words, query.filters, reader,
                                     today=self.rules.today(self.clock.now()),
                                     limit=PAGE + 1, offset=page * PAGE)
        hits = [self._hit(actor, dict(r), query.words) for r in rows[:PAGE]]
        return Results(text, serial, page, hits, more=len(rows) > PAGE)

    def _hit(self, actor: Actor, row: dict, words: list[str]) -> Hit:
        capa_id = row["capa_id"]
        opens = "summary"
        if capa_id is not None and actor.is_lead:
            opens = "capa_lead"
        elif row["kind"] == "action" and row["department_id"] in actor.staff_departments:
            opens = "capa"
        elif row["kind"] == "action":
            opens = "capa_verify"
        return Hit(row["kind"], row["audit_id"], row["number"], row["department"] or "", row["clause"] or "",
                   snippet(row["body"], words, row["number"]), capa_id, row["capa_state"], opens)


def snippet(body: str, words: list[str], number: str) -> str:
    """About SNIPPET characters of ``body`` around the first word found in it."""
    body = " ".join(body.split())
    if body.startswith(number):
        body = body[len(number):].strip() or body
    lower = body.lower()
    at = min((i for i in (lower.find(w.lower()) for w in words) if i >= 0), default=0)
    start = max(0, at - SNIPPET // 3)
    cut = body[start:start + SNIPPET]
    return ("…" if start else "") + cut + ("…" if start + SNIPPET < len(body) else "")


def _require_known(actor: Actor) -> None:
    if not actor.known:
        raise NotAllowed()
