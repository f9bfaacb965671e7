"""Corrective actions made straight in the database (no audit interview), and the services around them."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from bot.domain.checklists import load_all
from bot.domain.clock import FakeClock
from bot.runtime import Runtime, bootstrap
from bot.services.people_service import Actor
from bot.settings import Settings
from devtools.botapi_double import MESSAGE_METHODS
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, departments, evidence, findings, people
from storage.sql import fetch_all
from tests import databases
from tests.harness import AUDITOR, LEAD, STAFF, BotHarness, TgUser

DIGEST = "☀️ Daily digest"
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai: FakeClock's default
DUE = date(2026, 12, 2)  # 30 days after NOW
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECKLIST = load_all()["functional-department"]
QUESTIONS = CHECKLIST.question_ids()
DEPARTMENT = "法制办公室"


@dataclass(frozen=True)
class Action:
    capa_id: int
    audit_id: int
    department_id: int
    number: str
    due: date


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment of 2026 in the bot's default time zone."""
    return datetime.combine(date(2026, month, day), time(hour, minute), tzinfo=SHANGHAI)


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), ((seed * 67) % 256, 90, 160)).save(out, "JPEG")
    return out.getvalue()


async def add_person(db: Database, user: TgUser | int, role: str, department: str | None = None, *,
                     name: str | None = None, lang: str | None = None, at: datetime = NOW) -> int:
    """A person holding ``role`` (staff: of ``department``, created if new); returns the department id."""
    person_id = user if isinstance(user, int) else user.id
    default_name = f"Person {person_id}" if isinstance(user, int) else user.first_name
    default_lang = "zh" if not isinstance(user, int) and (user.language_code or "").startswith("zh") else "en"
    async with db.transaction() as conn:
        await people.upsert(conn, person_id, name=name or default_name, username=None,
                            lang=lang or default_lang, at=at)
        department_id = None
        if department is not None:
            department_id, _ = await departments.get_or_create(conn, department, at)
        await people.add_role(conn, person_id, role, department_id, at)
    return department_id or 0


async def make_action(
    db: Database, *, due: date, at: datetime = NOW, department: str = DEPARTMENT, auditor: int = AUDITOR.id,
    kind: str = "minor", statement: str = "两份岗位说明书未经签发。 Two job descriptions unsigned.",
    audit_id: int | None = None, index: int = 0, photos: int = 0, files: FileStore | None = None,
) -> Action:
    """A completed audit's finding and its open corrective action (nobody told yet)."""
    async with db.transaction() as conn:
        department_id, _ = await departments.get_or_create(conn, department, at)
        if audit_id is None:
            if await people.get(conn, auditor) is None:
                await people.upsert(conn, auditor, name=f"Auditor {auditor}", username=None, lang="en", at=at)
            audit_id, _ = await audits.create(
                conn, checklist_id=CHECKLIST.id, checklist_version=CHECKLIST.version,
                checklist_json=CHECKLIST.to_json(), department_id=department_id, lang="zh",
                created_by=auditor, at=at, number_prefix=f"A-{at.year}-",
            )
            await audits.set_status(conn, audit_id, "completed", at)
        question_id = QUESTIONS[index]
        number = f"NC{index + 1}"
        finding_id = await findings.add_finding(conn, audit_id=audit_id, question_id=question_id, kind=kind,
                                                number=number, statement=statement, at=at)
        for n in range(photos):
            data = jpeg(index * 10 + n)
            await evidence.add(conn, kind="photo", sha256=files.put(data), size=len(data), person_id=auditor,
                               at=at, audit_id=audit_id, question_id=question_id, mime_type="image/jpeg")
        capa_id = await findings.add_capa(conn, finding_id=finding_id, audit_id=audit_id,
                                          department_id=department_id, auditor_id=auditor, due_date=due, at=at)
    return Action(capa_id, audit_id, department_id, number, due)


async def cast(db: Database, department: str = DEPARTMENT) -> None:
    """The usual people: LEAD (lead), AUDITOR (auditor), STAFF (staff of ``department``)."""
    await add_person(db, LEAD, "lead")
    await add_person(db, AUDITOR, "auditor")
    await add_person(db, STAFF, "staff", department)


def first_lines(bot: BotHarness, mark: int) -> dict[int, list[str]]:
    """What each chat got since ``mark``: the first line of each message, 'photo' or 'document' for files."""
    got: dict[int, list[str]] = defaultdict(list)
    for sent in bot.double.sent[mark:]:
        if sent.method not in MESSAGE_METHODS or sent.method.startswith("edit"):
            continue
        if sent.method in ("sendPhoto", "sendMediaGroup"):
            got[sent.chat_id].append("photo")
        elif sent.method == "sendDocument":
            got[sent.chat_id].append("document")
        elif not is_report_deadline(sent.plain_text):
            line = (sent.plain_text or "").splitlines()[0]
            got[sent.chat_id].append(DIGEST if line.startswith(DIGEST) else line)
    return dict(got)


def is_report_deadline(text: str | None) -> bool:
    """The question why an audit's report is not issued in time (issue 20): these tests' audits are
    never issued, and the weeks they move the clock through pass that deadline."""
    return any(words in (text or "") for words in ("agreed period", "约定期限"))


async def day(bot: BotHarness, clock, moment: datetime) -> dict[int, list[str]]:
    """Move the clock and run one reminder pass; what it sent, per chat."""
    clock.set(moment)
    mark = bot.double.mark()
    await bot.tick()
    return first_lines(bot, mark)


class World(Runtime):
    """The application's runtime (services on a temporary database), without Telegram."""

    async def actor(self, user: TgUser | int) -> Actor:
        return await self.people.get(user if isinstance(user, int) else user.id)

    async def outbox_rows(self, *, state: str | None = None) -> list[dict]:
        async with self.db.read() as conn:
            rows = [dict(r) for r in await fetch_all(conn, "SELECT * FROM outbox ORDER BY id")]
        return [r for r in rows if state is None or r["state"] == state]


async def open_world(data_dir: Path, clock: FakeClock | None = None) -> World:
    settings = Settings(data_dir=data_dir, database_url=databases.current(), _env_file=None)
    runtime = await bootstrap(settings, clock or FakeClock(NOW))
    return World(**vars(runtime))
