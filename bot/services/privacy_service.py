"""Personal data under China's PIPL and the GDPR: how long things are kept (the daily pass),
and a person's data exported or erased. No Telegram here.

Lifetimes (settings ``AUDITBOT_RETAIN_*``): generated files in the reports folder, the raw
text of set-aside updates, finished notices, finished invites; the ids of handled updates
after a week (as before). Erasing a person pseudonymises them: their records stay as the
audit record under "former staff #n", everything that was only about them goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, ServiceError
from bot.domain.vocabulary import NoticeKind
from bot.services.inbox_service import KEEP_HANDLED
from bot.services.people_service import Actor
from bot.settings import Settings
from storage.db import Database
from storage.files import FileStore, save_atomically
from storage.repos import inbox, leases, people, privacy, trail

log = logging.getLogger(__name__)

FORMER = "former staff #{n}"  # the name an erased person's records carry (data, not a message)
MIN_NAME = 2  # shorter names are not looked for in free text (they would match everywhere)
IN_FLIGHT = timedelta(minutes=5)  # a generated file younger than this may be on its way out
# Notices whose row is the only record that they went out: kept past the outbox's lifetime,
# else they would be queued again (a missed programme window, actions waiting for staff).
KEEP_NOTICES = (NoticeKind.programme_missed, NoticeKind.capa_no_staff)
_CARDS = ("plan_json", "opening_json", "closing_json")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class PrivacyError(ServiceError):
    """A refusal: 'not_found' (no such person, or erased already), 'self' (a lead erasing themselves)."""

    prefix = "privacy_"


@dataclass(frozen=True)
class Pruned:
    """What one retention pass removed."""

    files: int = 0
    set_aside: int = 0
    outbox: int = 0
    invites: int = 0


@dataclass(frozen=True)
class PersonExport:
    person_id: int
    name: str
    path: Path
    size: int
    tables: dict[str, int]  # rows per JSON file
    files: int  # evidence files included
    missing: int  # evidence files whose bytes are not on this disk


@dataclass(frozen=True)
class ErasePreview:
    """What a lead is asked before erasing: who, and what stays in the audit record."""

    person: Actor
    audits: int
    files: int
    verifying: int  # open actions they verify (move them first, or the leads get their notices)
    admin: bool  # in AUDITBOT_ADMIN_IDS: a lead again the next time they write


@dataclass(frozen=True)
class Erased:
    person_id: int
    pseudonym: str
    pseudonym_id: int
    removed: dict[str, int] = field(default_factory=dict)  # rows deleted per table
    moved: dict[str, int] = field(default_factory=dict)  # rows now pointing at the pseudonym
    scrubbed: int = 0  # evidence files and audit cards whose text named them
    files_deleted: int = 0  # generated reports and exports deleted
    admin: bool = False


class PrivacyService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, files: FileStore):
        self.db = db
        self.clock = clock
        self.settings = settings
        self.files = files

    # --- lifetimes ---------------------------------------------------------------------------

    async def prune(self) -> Pruned:
        """Remove what has outlived its setting (the scheduler's daily pass, on the leader only)."""
        now = self.clock.now()
        s = self.settings
        async with self.db.transaction(claim=False) as conn:
            await inbox.prune(conn, now - KEEP_HANDLED)
            await leases.prune(conn)  # chat leases a replica died holding, long run out
            set_aside = await privacy.clear_set_aside(conn, now - timedelta(days=s.retain_set_aside_days))
            sent = await privacy.prune_outbox(conn, now - timedelta(days=s.retain_outbox_days), KEEP_NOTICES)
            invites = await privacy.prune_invites(conn, now - timedelta(days=s.retain_invites_days))
        files = await asyncio.to_thread(self._delete_generated, now - timedelta(days=s.retain_generated_days))
        pruned = Pruned(files, set_aside, sent, invites)
        if any(vars(pruned).values()):
            log.info("retention: %d generated files, %d set-aside updates, %d notices, %d invites removed",
                     files, set_aside, sent, invites)
        return pruned

    def _delete_generated(self, before: datetime) -> int:
        """Delete the files written to the reports folder before ``before`` (not the photo cache)."""
        folder = self.settings.reports_dir
        if not folder.is_dir():
            return 0
        deleted = 0
        for path in folder.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if path.is_file() and path.stat().st_mtime < before.timestamp():
                    path.unlink()
                    deleted += 1
        return deleted

    # --- a person's data ---------------------------------------------------------------------

    async def export(self, actor: Actor | None, person_id: int, out: Path | None = None) -> PersonExport:
        """Everything held about a person as a zip of JSON files and the evidence files they
        sent (``out``, default: the reports folder). ``actor`` None: the command line."""
        _require_lead(actor)
        async with self.db.read() as conn:
            data = await privacy.person_data(conn, person_id)
        if not data:
            raise PrivacyError("not_found")
        now = self.clock.now()
        if out is None:
            out = self.settings.reports_dir / f"person-{person_id}-{now.strftime('%Y%m%d-%H%M%S')}.zip"
        files, missing = await asyncio.to_thread(self._write_zip, out, person_id, data, now)
        tables = {name: len(rows) for name, rows in data.items()}
        async with self.db.transaction() as conn:
            await trail.record(conn, at=now, person_id=actor.id if actor else None, entity="person",
                               entity_id=person_id, action="data_exported",
                               after={"files": files, "via": "chat" if actor else "command line"})
        return PersonExport(person_id, data["person"][0]["name"], out, out.stat().st_size, tables, files, missing)

    def _write_zip(self, out: Path, person_id: int, data: dict[str, list[dict]], now: datetime) -> tuple[int, int]:
        included, missing = 0, 0
        evidence_names: dict[int, str | None] = {}
        with_bytes = [row for row in data.get("evidence", []) if row["person_id"] == person_id]

        def save(tmp: str) -> None:
            nonlocal included, missing
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                for row in with_bytes:
                    name = f"evidence/{row['id']}-{_safe(row['file_name'] or row['kind'])}{_suffix(row)}"
                    try:
                        archive.writestr(name, self.files.get(row["sha256"]), zipfile.ZIP_STORED)
                    except (FileNotFoundError, ValueError):
                        evidence_names[row["id"]] = None
                        missing += 1
                        continue
                    evidence_names[row["id"]] = name
                    included += 1
                for name, rows in data.items():
                    shown = [_readable(row) for row in rows]
                    if name == "evidence":
                        for row in shown:
                            if row["id"] in evidence_names:
                                row["file_in_zip"] = evidence_names[row["id"]]
                    archive.writestr(f"{name}.json", _dumps(shown))
                archive.writestr("manifest.json", _dumps({
                    "person_id": person_id, "exported_at": now.isoformat(),
                    "rows": {name: len(rows) for name, rows in data.items()},
                    "evidence_files": included, "evidence_files_missing": missing,
                    "note": "Everything auditbot holds about this person: one JSON file per table "
                            "(rows that name them), the notices to their chat, their updates kept in "
                            "the inbox, the audit trail's entries by or about them, and the evidence "
                            "files they sent (evidence/).",
                }))

        save_atomically(save, out)
        return included, missing

    async def preview_erase(self, actor: Actor, person_id: int) -> ErasePreview:
        """What erasing a person would leave, for the lead's confirmation."""
        _require_lead(actor)
        if person_id == actor.id:
            raise PrivacyError("self")
        async with self.db.read() as conn:
            row = await people.get(conn, person_id) if person_id > 0 else None
            if row is None:
                raise PrivacyError("not_found")
            roles = await people.roles(conn, person_id)
            counts = await privacy.summary(conn, person_id)
        person = Actor(id=row["id"], name=row["name"], lang=row["lang"], active=bool(row["active"]),
                       roles=frozenset(r["role"] for r in roles))
        return ErasePreview(person, counts["audits"], counts["files"], counts["verifying"],
                            person_id in self.settings.admin_ids)

    async def erase(self, actor: Actor | None, person_id: int) -> Erased:
        """Erase a person's personal data in one transaction (``actor`` None: the command line).

        Their roles, invites, dialog and the notices to them are deleted; the raw text of their
        updates is emptied; their records (audits, answers, notes, evidence, actions, reviews…)
        move to a new row "former staff #n" (no username, no language, no access), so reports
        stay whole; their name and @username are replaced by it in the captions and file names
        of evidence files and in the audits' plan, opening and closing cards. The trail records
        the erasure (never the name). Generated reports and exports are deleted.
        """
        _require_lead(actor)
        if actor is not None and person_id == actor.id:
            raise PrivacyError("self")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await people.get(conn, person_id) if person_id > 0 else None
            if person is None:
                raise PrivacyError("not_found")
            pseudonym_id = await privacy.next_pseudonym_id(conn)
            pseudonym = FORMER.format(n=-pseudonym_id)
            names = _names(person)
            removed = await privacy.delete_personal_rows(conn, person_id)
            await privacy.add_pseudonym(conn, pseudonym_id, pseudonym, now)
            moved = await privacy.move_records(conn, person_id, pseudonym_id)
            scrubbed = await _scrub_cards(conn, names, pseudonym, person_id, pseudonym_id)
            scrubbed += await _scrub_evidence(conn, names, pseudonym)
            await privacy.delete_person(conn, person_id)
            await trail.record(conn, at=now, person_id=actor.id if actor else None, entity="person",
                               entity_id=person_id, action="erased",
                               after={"as": pseudonym, "id": pseudonym_id, "removed": removed,
                                      "moved": {k: v for k, v in moved.items() if v}, "scrubbed": scrubbed,
                                      "via": "chat" if actor else "command line"})
        files_deleted = await asyncio.to_thread(self._delete_generated, now - IN_FLIGHT)
        log.info("person %s erased: now %s", person_id, pseudonym)
        return Erased(person_id, pseudonym, pseudonym_id, removed, {k: v for k, v in moved.items() if v},
                      scrubbed, files_deleted, person_id in self.settings.admin_ids)


def _require_lead(actor: Actor | None) -> None:
    if actor is not None and not actor.is_lead:
        raise NotAllowed()


def _names(person: Any) -> list[str]:
    """The ways a person is written in free text: their name and their @username."""
    found = [person["name"].strip()]
    if person["username"]:
        found.append("@" + person["username"])
    return [n for n in found if len(n) >= MIN_NAME]


def _pattern(names: list[str]) -> re.Pattern[str] | None:
    """Any of ``names``, not inside a longer Latin word or number ("Li" is not in "Line")."""
    parts = []
    for name in sorted(set(names), key=len, reverse=True):
        left = r"(?<![A-Za-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
        right = r"(?![A-Za-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
        parts.append(f"{left}{re.escape(name)}{right}")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def scrub(text: str | None, names: list[str], pseudonym: str) -> str | None:
    """``text`` with every one of ``names`` replaced by ``pseudonym``."""
    pattern = _pattern(names)
    if text is None or pattern is None:
        return text
    return pattern.sub(pseudonym, text)


def _scrub_value(value: Any, names: list[str], pseudonym: str) -> Any:
    if isinstance(value, str):
        return scrub(value, names, pseudonym)
    if isinstance(value, list):
        return [_scrub_value(v, names, pseudonym) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, names, pseudonym) for k, v in value.items()}
    return value


async def _scrub_cards(conn: Any, names: list[str], pseudonym: str, person_id: int, pseudonym_id: int) -> int:
    """The audits' cards: their name replaced, the sections assigned to them assigned to the pseudonym."""
    needles = [json.dumps(n, ensure_ascii=False)[1:-1] for n in names]
    changed = 0
    for row in await privacy.audit_cards(conn, needles):
        cards: dict[str, str] = {}
        for column in _CARDS:
            value = json.loads(row[column] or "{}")
            new = _scrub_value(value, names, pseudonym)
            if column == "plan_json" and isinstance(new.get("sections"), dict):
                new["sections"] = {k: pseudonym_id if v == person_id else v for k, v in new["sections"].items()}
            if new != value:
                cards[column] = json.dumps(new, ensure_ascii=False)
        if cards:
            await privacy.set_audit_cards(conn, row["id"], cards)
            changed += 1
    return changed


async def _scrub_evidence(conn: Any, names: list[str], pseudonym: str) -> int:
    """Evidence files' captions and file names: their name replaced (whoever sent the file)."""
    changed = 0
    for row in await privacy.evidence_texts(conn, names):
        caption, file_name = scrub(row["caption"], names, pseudonym), scrub(row["file_name"], names, pseudonym)
        if (caption, file_name) != (row["caption"], row["file_name"]):
            await privacy.set_evidence_texts(conn, row["id"], caption, file_name)
            changed += 1
    return changed


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """A row for the export: JSON text columns (``*_json``) as JSON."""
    shown = {}
    for key, value in row.items():
        if key.endswith("_json") and isinstance(value, str) and value:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        shown[key] = value
    return shown


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip()[:80] or "file"


def _suffix(row: dict[str, Any]) -> str:
    """A file extension when the stored name has none (photos and voice messages)."""
    if row["file_name"] and "." in row["file_name"]:
        return ""
    return {"image/jpeg": ".jpg", "image/png": ".png", "audio/ogg": ".ogg", "application/pdf": ".pdf"}.get(
        row["mime_type"] or "", "")
