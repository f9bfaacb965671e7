"""A small hand-made history of audits for the management review, with known figures.

Two departments, one checklist of four questions (clauses 4.1, 7.5, 8.5.1, 9.2):

=====  ====  ==========  ===============================  ===========================
audit  dept  completed   answers q1..q4                   findings → action
=====  ====  ==========  ===============================  ===========================
A0     Ops   2025-12-31  conform, conform, minor, conform  NC1 8.5.1 (closed)
A1     Ops   2026-02-10  conform, minor, conform, na       NC1 7.5 due 03-31, closed 03-20
A2     Ops   2026-05-15  conform, major, obs, skipped      NC1 7.5 (repeat of A1) due 06-14,
                                                           rejected once, closed 06-20; OBS1 8.5.1
B1     Lab   2026-05-20  conform, conform, minor, conform  NC1 8.5.1 due 07-19, open
C1     Lab   (cancelled in 2026; not counted)
=====  ====  ==========  ===============================  ===========================

Times are written at 02:00 UTC (10:00 in Asia/Shanghai), A0 at 15:00 UTC on 31 Dec
(23:00 local, still 2025). ``review`` asks the bot for the pack through the Bot API double.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import openpyxl

from bot.domain.checklists import Checklist
from storage.db import Database
from storage.repos import audits, departments, findings, people, trail
from tests.harness import BotHarness

LEAD_ID = 1001
CHECKLIST = Checklist.model_validate({
    "id": "review-sample", "version": 1,
    "title": {"zh": "评审样例", "en": "Review sample"},
    "sections": [{"id": "s1", "title": {"zh": "过程", "en": "Processes"}, "questions": [
        {"id": f"q{n}", "clause": clause, "text": {"zh": f"问题{n}", "en": f"Question {n}"},
         "guidance": {"zh": "看记录", "en": "Look at records"}}
        for n, clause in enumerate(("4.1", "7.5", "8.5.1", "9.2"), 1)]}],
})


def utc(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


async def _audit(conn, department_id: int, completed: datetime | None, answers: tuple[str, ...],
                 findings_: list[tuple[str, str, str]], status: str = "completed") -> tuple[int, list[int]]:
    audit_id, _ = await audits.create(
        conn, checklist_id=CHECKLIST.id, checklist_version=CHECKLIST.version,
        checklist_json=CHECKLIST.to_json(), department_id=department_id, lang="en",
        created_by=LEAD_ID, at=completed or utc("2026-03-01"), number_prefix="A-")
    for n, result in enumerate(answers, 1):
        await audits.set_answer(conn, audit_id, f"q{n}", result, LEAD_ID, completed or utc("2026-03-01"))
    finding_ids = []
    for question, kind, number in findings_:
        finding_ids.append(await findings.add_finding(conn, audit_id=audit_id, question_id=question, kind=kind,
                                                      number=number, statement="", at=completed))
    await audits.set_status(conn, audit_id, status, completed or utc("2026-03-02"))
    return audit_id, finding_ids


async def _action(conn, audit_id: int, finding_id: int, department_id: int, due: str,
                  closed: datetime | None, at: datetime) -> int:
    capa_id = await findings.add_capa(conn, finding_id=finding_id, audit_id=audit_id, department_id=department_id,
                                      auditor_id=LEAD_ID, due_date=date.fromisoformat(due), at=at)
    if closed is not None:
        await findings.update_capa(conn, capa_id, closed, state="closed", closed_at=closed.isoformat())
    return capa_id


async def build_history(db: Database) -> dict[str, int]:
    """Write the table above; returns the department ids by name."""
    at = utc("2025-11-01")
    async with db.transaction(claim=False) as conn:
        await people.upsert(conn, LEAD_ID, name="Lena Lead", username=None, lang="en", at=at)
        ops, _ = await departments.get_or_create(conn, "Ops", at)
        lab, _ = await departments.get_or_create(conn, "Lab", at)
        a0, (f0,) = await _audit(conn, ops, utc("2025-12-31", 15), ("conform", "conform", "minor", "conform"),
                                 [("q3", "minor", "NC1")])
        await _action(conn, a0, f0, ops, "2026-01-30", utc("2026-01-10"), utc("2025-12-31", 15))
        a1, (f1,) = await _audit(conn, ops, utc("2026-02-10"), ("conform", "minor", "conform", "na"),
                                 [("q2", "minor", "NC1")])
        await _action(conn, a1, f1, ops, "2026-03-31", utc("2026-03-20"), utc("2026-02-10"))
        a2, (f2, _) = await _audit(conn, ops, utc("2026-05-15"), ("conform", "major", "observation", "skipped"),
                                   [("q2", "major", "NC1"), ("q3", "observation", "OBS1")])
        c2 = await _action(conn, a2, f2, ops, "2026-06-14", utc("2026-06-20"), utc("2026-05-15"))
        await trail.record(conn, at=utc("2026-06-10"), person_id=LEAD_ID, entity="capa", entity_id=c2,
                           action="rejected", before="implemented", after="No evidence of training")
        b1, (f3,) = await _audit(conn, lab, utc("2026-05-20"), ("conform", "conform", "minor", "conform"),
                                 [("q3", "minor", "NC1")])
        await _action(conn, b1, f3, lab, "2026-07-19", None, utc("2026-05-20"))
        await _audit(conn, lab, utc("2026-06-01"), ("minor", "minor", "minor", "minor"), [], status="cancelled")
    return {"Ops": ops, "Lab": lab}


async def review(bot: BotHarness, user, args: str = "") -> tuple[str, docx.document.Document, openpyxl.Workbook]:
    """Send /review; returns the ready message's text, the document and the workbook."""
    mark = bot.double.mark()
    bot.double.send_command(user, "/review", args)
    documents = []
    for _ in range(2):
        sent = await bot.double.wait_for(lambda s: s.method == "sendDocument" and s.chat_id == user.id
                                         and s.index >= mark and s not in documents, after=mark, timeout=30)
        documents.append(sent)
    names = [d.file_name for d in documents]
    assert names[0].endswith(".docx") and names[1].endswith(".xlsx"), names
    status = [s for s in bot.double.sent[mark:] if s.method == "editMessageText" and s.chat_id == user.id]
    return (status[-1].text, docx.Document(io.BytesIO(documents[0].file_bytes)),
            openpyxl.load_workbook(io.BytesIO(documents[1].file_bytes)))
