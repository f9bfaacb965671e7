"""Audits with answers, notes, photos, findings and corrective actions, for tests.

Everything is written through the storage repositories, as the bot would. Typical use::

    async with Database(target(tmp_path / "db.sqlite3")) as db:
        files = FileStore(tmp_path / "evidence")
        audit = await create_sample_audit(db, files, lang="zh", questions=20, photos=6)

``SampleAudit`` says what was created, so tests can check the report against it.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.domain.checklists import Checklist
from storage.db import Database
from storage.files import FileStore
from storage.repos import audits, departments, evidence, findings, people

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")
LEADER, AUDITOR, STAFF = 1001, 1002, 1003
NAMES = {LEADER: "王建国", AUDITOR: "Alice Auditor", STAFF: "李娜"}
# Results given to the answered questions, in turn.
RESULT_CYCLE = ("conform", "minor", "major", "observation", "ofi", "good", "na", "conform", "conform")
CAPA_STATES = ("open", "planned", "implemented", "closed")
PREFIX = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI", "good": "GP"}
CLAUSES = ("4.1", "4.2", "5.2", "6.1", "7.1.5", "7.5.3", "8.2.1", "8.5.1", "9.1.2", "9.2", "10.2")
EXIF_ORIENTATION = 0x0112

# Text a person might type: markup, control characters, emoji, CJK, and a lot of it.
HOSTILE_TEXT = (
    "<script>alert('x')</script> & <b>R&D</b> \x00\x01\x07\x08\x0b\x0c\x1b\x1f\ufffe\uffff "
    "tab\there\r\nnew line 😀👍🏽 办公室 {braces} %s {0} " + "长文本 long text " * 260
)


@dataclass
class SampleAudit:
    """What ``create_sample_audit`` wrote."""

    audit_id: int
    number: str
    lang: str
    checklist: Checklist
    results: dict[str, str]  # question id → result (unanswered ones absent; skipped shown)
    finding_numbers: list[str] = field(default_factory=list)
    capa_ids: list[int] = field(default_factory=list)
    photo_count: int = 0
    rotated_photos: int = 0
    text: str = ""


def sample_checklist(questions: int = 12, sections: int = 4) -> Checklist:
    """A bilingual checklist of ``questions`` questions over up to ``sections`` sections."""
    per_section = max(1, -(-questions // sections))
    raw_sections = []
    for s in range(0, questions, per_section):
        raw_sections.append({
            "id": f"s{s // per_section + 1}",
            "title": {"zh": f"第{s // per_section + 1}部分 过程控制", "en": f"Part {s // per_section + 1}: process control"},
            "questions": [_question(n) for n in range(s, min(questions, s + per_section))],
        })
    return Checklist.model_validate({
        "id": "sample", "version": 1,
        "title": {"zh": "样例审核检查表", "en": "Sample audit checklist"},
        "sections": raw_sections,
    })


def _question(n: int) -> dict:
    return {
        "id": f"q{n + 1}",
        "clause": CLAUSES[n % len(CLAUSES)],
        "text": {"zh": f"问题{n + 1}：如何控制成文信息并保留记录？",
                 "en": f"Question {n + 1}: how is documented information controlled and kept?"},
        "guidance": {"zh": "抽查三份记录。", "en": "Sample three records."},
    }


def jpeg_bytes(width: int = 64, height: int = 48, *, seed: int = 0, orientation: int | None = None,
               quality: int = 85) -> bytes:
    """A small distinct JPEG (a gradient tinted by ``seed``), optionally with an EXIF orientation."""
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    tint = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient))
    image = Image.blend(image, tint, 0.5)
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


async def create_sample_audit(
    db: Database,
    files: FileStore,
    *,
    lang: str = "en",
    questions: int = 12,
    photos: int = 4,
    photo_size: tuple[int, int] = (64, 48),
    unanswered: int = 2,
    complete: bool = True,
    text: str | None = None,
    photo_bytes: Callable[[int], bytes] | None = None,
    now: datetime = NOW,
) -> SampleAudit:
    """An audit of a ``sample_checklist(questions)`` by a leader and an auditor.

    The last ``unanswered`` questions have no result (the first of them is 'skipped');
    the others get RESULT_CYCLE in turn, each finding question a note (``text`` when
    given). ``photos`` photos go round the answered questions, findings first; every
    third is stored with EXIF orientation 6 (``photo_bytes(n)``, when given, supplies the
    bytes of photo n instead). With ``complete`` the findings are numbered
    and each nonconformity gets a corrective action, states cycling through CAPA_STATES.
    """
    checklist = sample_checklist(questions)
    ids = checklist.question_ids()
    answered = ids[: len(ids) - unanswered] if unanswered else ids
    results = {qid: RESULT_CYCLE[i % len(RESULT_CYCLE)] for i, qid in enumerate(answered)}
    async with db.transaction() as conn:
        audit_id, number = await _audit(conn, checklist, lang, now)
        for i, qid in enumerate(answered):
            await audits.set_answer(conn, audit_id, qid, results[qid], AUDITOR if i % 2 else LEADER,
                                    now + timedelta(minutes=i))
        if unanswered:
            await audits.set_answer(conn, audit_id, ids[len(answered)], "skipped", LEADER, now)
        sample = SampleAudit(audit_id, number, lang, checklist, dict(results), text=text or "")
        await _notes(conn, sample, now)
        make_photo = photo_bytes or (lambda n: jpeg_bytes(*photo_size, seed=n, orientation=_orientation(n)))
        await _evidence(conn, files, sample, photos, make_photo, now)
        if complete:
            await _complete(conn, sample, now)
    if unanswered:
        sample.results[ids[len(answered)]] = "skipped"
    return sample


async def _audit(conn, checklist: Checklist, lang: str, now: datetime) -> tuple[int, str]:
    for person, name in NAMES.items():
        await people.upsert(conn, person, name=name, username=None, lang=lang, at=now)
    department_id, _ = await departments.get_or_create(conn, "政务服务中心 Service Centre", now)
    await people.add_role(conn, STAFF, "staff", department_id, now)
    audit_id, number = await audits.create(
        conn, checklist_id=checklist.id, checklist_version=checklist.version,
        checklist_json=checklist.to_json(), department_id=department_id, lang=lang,
        created_by=LEADER, at=now, number_prefix=f"A-{now.year}-",
    )
    await audits.add_member(conn, audit_id, AUDITOR, "auditor", now)
    await audits.set_card(conn, audit_id, "plan", {
        "audit_client": "质量管理办公室 Quality Office", "objectives": "Verify conformity with ISO 9001:2015",
        "scope": "Licensing and approval services", "criteria": "ISO 9001:2015; agency QMS manual",
        "location": "Building A, 3F", "date": "2026-11-02 to 2026-11-03",
        "participants": "李娜 (head of office), 张伟",
    }, now)
    await audits.set_card(conn, audit_id, "opening", {
        "attendees": "王建国, Alice Auditor, 李娜", "scope_confirmed": True, "held_at": now.isoformat(),
    }, now)
    return audit_id, number


async def _notes(conn, sample: SampleAudit, now: datetime) -> None:
    default = {"zh": "抽查的三份记录中有一份未经批准即发放。", "en": "One of three sampled records was issued unapproved."}
    for i, (qid, result) in enumerate(sample.results.items()):
        if result in PREFIX or result == "na":
            await audits.add_note(conn, sample.audit_id, qid, AUDITOR, sample.text or default[sample.lang],
                                  now + timedelta(minutes=i, seconds=30))


def _orientation(n: int) -> int | None:
    """Every third photo is stored sideways, as phones do (EXIF orientation 6)."""
    return 6 if n % 3 == 2 else None


async def _evidence(conn, files: FileStore, sample: SampleAudit, count: int,
                    make_photo: Callable[[int], bytes], now: datetime) -> None:
    answered = sorted(sample.results, key=lambda qid: sample.results[qid] not in PREFIX)
    for n in range(count):
        data = make_photo(n)
        await evidence.add(conn, kind="photo", sha256=files.put(data), size=len(data), person_id=AUDITOR,
                           at=now + timedelta(seconds=n), audit_id=sample.audit_id,
                           question_id=answered[n % len(answered)], mime_type="image/jpeg",
                           caption=sample.text or f"Photo {n + 1} of the records")
        sample.rotated_photos += _orientation(n) is not None
    sample.photo_count = count
    if answered:
        await evidence.add(conn, kind="document", sha256=files.put(b"%PDF-1.4 sample"), size=15,
                           person_id=AUDITOR, at=now, audit_id=sample.audit_id, question_id=answered[0],
                           file_name="procedure.pdf", mime_type="application/pdf")


async def _complete(conn, sample: SampleAudit, now: datetime) -> None:
    """Number the findings, one corrective action per nonconformity, close the audit."""
    audit = await audits.get(conn, sample.audit_id)
    counters: dict[str, int] = {}
    for qid, result in sample.results.items():
        if result not in PREFIX:
            continue
        counters[PREFIX[result]] = counters.get(PREFIX[result], 0) + 1
        number = f"{PREFIX[result]}{counters[PREFIX[result]]}"
        finding_id = await findings.add_finding(conn, audit_id=sample.audit_id, question_id=qid, kind=result,
                                                number=number, statement=sample.text or f"Statement of {number}",
                                                at=now)
        sample.finding_numbers.append(number)
        if result in ("major", "minor"):
            sample.capa_ids.append(await _capa(conn, audit, finding_id, len(sample.capa_ids), sample.text, now))
    await audits.set_card(conn, sample.audit_id, "closing", {
        "attendees": "王建国, 李娜", "conclusions": sample.text or "The QMS is effectively implemented, with exceptions.",
        "divergent": sample.text or "", "held_at": (now + timedelta(hours=6)).isoformat(),
    }, now)
    await audits.set_status(conn, sample.audit_id, "completed", now + timedelta(hours=6))


async def _capa(conn, audit, finding_id: int, index: int, text: str, now: datetime) -> int:
    state = CAPA_STATES[index % len(CAPA_STATES)]
    due = date(2026, 10, 1) if index % 2 == 0 else date(2026, 12, 31)
    capa_id = await findings.add_capa(conn, finding_id=finding_id, audit_id=audit["id"],
                                      department_id=audit["department_id"], auditor_id=AUDITOR,
                                      due_date=due, at=now)
    fields: dict[str, object] = {"state": state}
    if state != "open":
        fields.update(correction=text or "Record withdrawn and re-issued.",
                      root_cause_json='["No review step", "Template lacks approval box"]',
                      action_plan=text or "Add an approval step.", target_date="2026-11-30", planned_at=now.isoformat())
    if state in ("implemented", "closed"):
        fields.update(implementation=text or "Procedure revised.", implemented_at=now.isoformat())
    if state == "closed":
        fields.update(effectiveness=text or "Ten records checked.", closed_at=(now + timedelta(days=3)).isoformat())
    await findings.update_capa(conn, capa_id, now, **fields)
    return capa_id
