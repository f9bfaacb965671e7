"""A small checklist and a history for the audit programme's tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from bot.domain.checklists import Checklist
from storage.db import Database
from storage.repos import audits, departments, findings
from tests.capa_fixtures import add_person
from tests.harness import AUDITOR, AUDITOR_EN, LEAD, STAFF, BotHarness

CHECKLIST_ID = "aa-three"  # sorts first: the checklist a new planned audit gets
OPS = "Operations"
LAB = "Laboratory"
CLAUSES = ("7.2", "8.5", "9.2")


def _data() -> dict:
    return {
        "id": CHECKLIST_ID, "version": 1, "title": {"zh": "三题检查表", "en": "Three-question checklist"},
        "sections": [{"id": "s1", "title": {"zh": "第一章", "en": "Section 1"}, "questions": [
            {"id": f"q{n}", "clause": clause, "text": {"zh": f"问题 {n}？", "en": f"Question {n}?"},
            "guidance": {"en": "Look"}, "evidence": "none"} for n, clause in enumerate(CLAUSES, 1)]}],
    }


def write_three_question_checklist(folder: Path) -> None:
    data = _data()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{CHECKLIST_ID}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


async def cast(db: Database) -> dict[str, int]:
    """LEAD, two auditors, STAFF of Operations; Operations audited on 2026-06-01 with a major NC on
    clause 8.5 whose action AUDITOR_EN verifies (still open); Laboratory never audited."""
    await add_person(db, LEAD, "lead")
    await add_person(db, AUDITOR, "auditor")
    await add_person(db, AUDITOR_EN, "auditor")
    ops = await add_person(db, STAFF, "staff", OPS)
    at = datetime(2026, 6, 1, 2, tzinfo=UTC)
    async with db.transaction() as conn:
        lab, _ = await departments.get_or_create(conn, LAB, at)
        audit_id, _ = await audits.create(
            conn, checklist_id=CHECKLIST_ID, checklist_version=1, checklist_json=_snapshot(),
            department_id=ops, lang="en", created_by=AUDITOR_EN.id, at=at, number_prefix="A-2026-")
        await audits.set_status(conn, audit_id, "completed", at)
        finding = await findings.add_finding(conn, audit_id=audit_id, question_id="q2", kind="major",
                                             number="NC1", statement="Release without checks", at=at)
        await findings.add_capa(conn, finding_id=finding, audit_id=audit_id, department_id=ops,
                                auditor_id=AUDITOR_EN.id, due_date=date(2026, 12, 20), at=at)
    return {"ops": ops, "lab": lab, "previous": audit_id}


@contextlib.asynccontextmanager
async def programme_bot(double, tmp_path: Path, clock) -> AsyncIterator[BotHarness]:
    """The bot with the three-question checklist and ``cast``'s people and history (its ids: ``.ids``)."""
    write_three_question_checklist(tmp_path / "data" / "checklists")
    harness = BotHarness(double, tmp_path / "data", clock=clock)
    await harness.start()
    harness.ids = await cast(harness.db)
    yield harness
    await harness.stop()


def _snapshot() -> str:
    return Checklist.model_validate(_data()).to_json()
