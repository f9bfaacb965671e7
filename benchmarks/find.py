"""Benchmark of /find: 2,000 audits, 100,000 answers and 50,000 notes.

    .venv/bin/python benchmarks/find.py [--audits 2000] [--runs 20] [--database URL]

Writes the history through the migrated schema (its triggers fill /find's index as the bot's
own writes do): 40 departments, 50 answers, 25 notes, 5 findings and 5 actions per audit, the
texts mixed Chinese and English. Then times SearchService.find as a lead, an auditor and a
department clerk run it: words of three characters or more (the trigram index), a
two-character Chinese word, filters alone, words with filters, and a word nothing holds.
Prints the median and the worst of ``--runs`` per query. Target: under 200 ms each.
Without ``--database``: a temporary SQLite file; ``--database postgresql://…`` for PostgreSQL
(an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first, and never this folder (its checklists.py would hide the checklists package)
sys.path[:] = [str(ROOT), *(p for p in sys.path if p and Path(p).resolve() not in (ROOT, ROOT / "benchmarks"))]

from sqlalchemy import text  # noqa: E402

from bot.domain.checklists import Checklist  # noqa: E402
from bot.domain.clock import FakeClock  # noqa: E402
from bot.services.people_service import Actor  # noqa: E402
from bot.services.search_service import SearchService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.times import to_db  # noqa: E402

TARGET_MS = 200.0
QUESTIONS, NOTES, FINDINGS = 50, 25, 5
DEPARTMENTS = ["财务局", "办公室", "人事科", "法规科", "信息中心", "Planning Office", "Archives", "Procurement"]
CLAUSES = ("4.1", "5.3", "6.1", "7.1.5", "7.2", "7.5.2", "7.5.3", "8.2.1", "8.5.1", "9.1.2", "10.2")
PHRASES = ["抽查的付款凭证", "会议记录", "岗位职责说明书", "质量目标分解", "用印登记表", "文件发放记录",
           "未书面授权签字", "培训签到表", "档案借阅登记", "合同审批单", "job descriptions", "training records",
           "the filing index of May", "minutes of the management review", "delegation of signature",
           "quality objectives", "records were complete", "approval missing"]
START = datetime(2024, 1, 8, 2, 0, tzinfo=UTC)


def checklist() -> str:
    return Checklist.model_validate({
        "id": "bench", "version": 1, "title": {"zh": "基准检查表", "en": "Benchmark checklist"},
        "sections": [{"id": f"s{s}", "title": {"zh": f"第{s}部分", "en": f"Part {s}"}, "questions": [
            {"id": f"q{n}", "clause": CLAUSES[n % len(CLAUSES)],
             "text": {"zh": f"问题{n}：如何控制成文信息？", "en": f"Question {n}: how is information controlled?"},
             "guidance": {"zh": "抽查记录。", "en": "Sample records."}}
            for n in range(s * 10, s * 10 + 10)]} for s in range(QUESTIONS // 10)],
    }).to_json()


def sentence(rng: random.Random) -> str:
    return "，".join(rng.sample(PHRASES, 3)) + f"（第{rng.randint(1, 99)}份）"


async def fill(db: Database, audits: int, departments: int) -> None:
    rng = random.Random(21)
    snapshot, now = checklist(), to_db(START)
    async with db.transaction() as conn:
        run = conn.execute
        await run(text("INSERT INTO people(id, name, lang, created_at, updated_at) VALUES (:id, :name, 'zh', :at, :at)"),
                  [{"id": i, "name": f"P{i}", "at": now} for i in range(1, 42)])
        await run(text("INSERT INTO person_roles(person_id, role, department_id, created_at) VALUES (:p, :r, :d, :at)"),
                  [{"p": 1, "r": "lead", "d": 0, "at": now}]
                  + [{"p": i, "r": "auditor", "d": 0, "at": now} for i in range(2, 22)]
                  + [{"p": 21 + d, "r": "staff", "d": d, "at": now} for d in range(1, 21)])
        await run(text("INSERT INTO departments(id, name, created_at) VALUES (:id, :name, :at)"),
                  [{"id": d, "name": f"{DEPARTMENTS[d % len(DEPARTMENTS)]}{d}", "at": now}
                   for d in range(1, departments + 1)])
    for first in range(1, audits + 1, 100):
        async with db.transaction() as conn:
            run = conn.execute
            batch = range(first, min(first + 100, audits + 1))
            at = {a: to_db(START + timedelta(hours=9 * a)) for a in batch}
            await run(text(
                "INSERT INTO audits(id, number, checklist_id, checklist_version, checklist_json, department_id, lang,"
                " status, created_by, created_at, updated_at, completed_at) VALUES (:id, :number, 'bench', 1, :json,"
                " :d, 'zh', 'completed', :by, :at, :at, :at)"),
                [{"id": a, "number": f"A-{at[a][:4]}-{a:04d}", "json": snapshot, "d": a % departments + 1,
                  "by": 2 + a % 20, "at": at[a]} for a in batch])
            await run(text("INSERT INTO audit_team(audit_id, person_id, team_role, joined_at) VALUES (:a, :p, 'leader', :at)"),
                      [{"a": a, "p": 2 + a % 20, "at": at[a]} for a in batch])
            await run(text("INSERT INTO answers(audit_id, question_id, result, answered_by, answered_at)"
                           " VALUES (:a, :q, :r, :p, :at)"),
                      [{"a": a, "q": f"q{n}", "r": "minor" if n < FINDINGS else "conform", "p": 2 + a % 20,
                        "at": at[a]} for a in batch for n in range(QUESTIONS)])
            await run(text("INSERT INTO notes(audit_id, question_id, person_id, text, created_at) VALUES (:a, :q, :p, :t, :at)"),
                      [{"a": a, "q": f"q{n * 2}", "p": 2 + a % 20, "t": sentence(rng), "at": at[a]}
                       for a in batch for n in range(NOTES)])
            await run(text("INSERT INTO findings(id, audit_id, question_id, kind, number, statement, created_at)"
                           " VALUES (:id, :a, :q, 'minor', :n, :s, :at)"),
                      [{"id": a * 10 + n, "a": a, "q": f"q{n}", "n": f"NC-{n + 1}", "s": sentence(rng), "at": at[a]}
                       for a in batch for n in range(FINDINGS)])
            await run(text("INSERT INTO capa(finding_id, audit_id, department_id, auditor_id, state, due_date,"
                           " correction, created_at, updated_at) VALUES (:f, :a, :d, :p, :s, :due, :c, :at, :at)"),
                      [{"f": a * 10 + n, "a": a, "d": a % departments + 1, "p": 2 + a % 20,
                        "s": "closed" if a < audits * 0.8 else "open", "due": at[a][:10], "c": sentence(rng),
                        "at": at[a]} for a in batch for n in range(FINDINGS)])


QUERIES = [
    ("lead", "授权签字"), ("lead", "签字"), ("lead", "delegation of signature"), ("lead", "state:overdue dept:财务局"),
    ("lead", "会议记录 clause:7.5 year:2025"), ("lead", "A-2025-1234"), ("lead", "没有这样的记录"), ("lead", "鸡蛋"),
    ("auditor", "会议记录"), ("auditor", "签字"), ("clerk", "付款凭证"), ("clerk", "签字"),
]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audits", type=int, default=2000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help="postgresql://… (an empty database); default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.database or str(Path(tmp) / "auditbot.sqlite3")
        async with Database(target) as db:
            began = time.perf_counter()
            await fill(db, args.audits, args.departments)
            async with db.read() as conn:
                docs = (await conn.execute(text("SELECT COUNT(*) FROM search_docs"))).scalar()
            print(f"{db.dialect}: {args.audits} audits, {args.audits * QUESTIONS} answers, {args.audits * NOTES} notes,"
                  f" {docs} indexed texts; written in {time.perf_counter() - began:.0f} s")
            settings = Settings(data_dir=Path(tmp), _env_file=None)
            service = SearchService(db, FakeClock(START + timedelta(days=900)), settings)
            people = {"lead": Actor(1, "lead", "zh", True, frozenset({"lead"})),
                      "auditor": Actor(2, "auditor", "zh", True, frozenset({"auditor"})),
                      "clerk": Actor(22, "clerk", "zh", True, frozenset({"staff"}), (1,))}
            worst_of_all = 0.0
            for who, query in QUERIES:
                times, found = [], 0
                for _ in range(args.runs):
                    start = time.perf_counter()
                    results = await service.find(people[who], query)
                    times.append((time.perf_counter() - start) * 1000)
                    found = len(results.hits)
                worst_of_all = max(worst_of_all, max(times))
                print(f"  {who:8} {query:34} median {statistics.median(times):6.1f} ms  worst {max(times):6.1f} ms"
                      f"  ({found} hits on page 1)")
            verdict = "ok" if worst_of_all < TARGET_MS else "OVER"
            print(f"worst {worst_of_all:.1f} ms, target < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
