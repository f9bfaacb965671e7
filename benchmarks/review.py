"""Benchmark of the management review: 2,000 audits, 100,000 answers, 20,000 corrective actions.

    .venv/bin/python benchmarks/review.py [--audits 2000] [--departments 40] [--lang zh] [--workdir DIR]

Writes the history straight into a temporary database (the schema of the migrations; 50
answers, 16 findings and 10 actions per audit, a rejection in the trail for one action in
ten, a year of daily snapshots), then builds the review of the year it spans — figures,
the Word document with its charts and the workbook — in a fresh process, and prints the
time, the peak RSS of that process and the sizes of the files. Targets: under 10 s and
under 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first, and never this folder (its checklists.py would hide the checklists package)
sys.path[:] = [str(ROOT), *(p for p in sys.path if p and Path(p).resolve() not in (ROOT, ROOT / "benchmarks"))]

from bot.domain.checklists import Checklist  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.times import to_db  # noqa: E402

TARGET_SECONDS, TARGET_RSS_MB = 10.0, 500.0
QUESTIONS = 50
CLAUSES = ("4.1", "4.2", "4.4", "5.1", "5.2", "5.3", "6.1", "6.2", "7.1.2", "7.1.5", "7.2", "7.3", "7.4",
           "7.5.2", "7.5.3", "8.1", "8.2.1", "8.4", "8.5.1", "8.5.2", "8.6", "8.7", "9.1.2", "9.2", "10.2")
# Per audit: 10 nonconformities (each with an action), 3 observations, 2 OFIs, 1 good practice,
# 2 not applicable, the rest conform: 50 answers.
RESULTS = ["major"] * 2 + ["minor"] * 8 + ["observation"] * 3 + ["ofi"] * 2 + ["good"] + ["na"] * 2
RESULTS += ["conform"] * (QUESTIONS - len(RESULTS))
PREFIX = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI", "good": "GP"}
FIRST_DAY = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 30)
TZ_NAME = "Asia/Shanghai"


def checklist(version: int) -> Checklist:
    return Checklist.model_validate({
        "id": "bench", "version": version, "title": {"zh": "基准检查表", "en": "Benchmark checklist"},
        "sections": [{"id": f"s{s}", "title": {"zh": f"第{s}部分", "en": f"Part {s}"}, "questions": [
            {"id": f"q{n}", "clause": CLAUSES[n % len(CLAUSES)],
             "text": {"zh": f"问题{n}：如何控制成文信息？", "en": f"Question {n}: how is information controlled?"},
             "guidance": {"zh": "抽查记录。", "en": "Sample records."}}
            for n in range(s * 10, s * 10 + 10)]} for s in range(QUESTIONS // 10)],
    })


def generate(path: Path, audits: int, departments: int, seed: int = 7) -> dict[str, int]:
    """The history, written with plain sqlite3 into the migrated database at ``path``."""
    rng = random.Random(seed)
    snapshots = {v: checklist(v).to_json() for v in (1, 2, 3)}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    at = datetime(2025, 11, 1, tzinfo=UTC)
    conn.execute("INSERT INTO people(id, name, lang, created_at, updated_at) VALUES (1, 'Lead', 'zh', ?, ?)",
                 (to_db(at), to_db(at)))
    names = [f"部门{n:02d} Department {n}" for n in range(1, departments + 1)]
    conn.executemany("INSERT INTO departments(id, name, created_at) VALUES (?, ?, ?)",
                     [(n, name, to_db(at)) for n, name in enumerate(names, 1)])
    span = (LAST_DAY - FIRST_DAY).days
    counts = {"audits": 0, "answers": 0, "findings": 0, "actions": 0, "rejections": 0, "snapshots": 0}
    answers, findings, actions, trail = [], [], [], []
    finding_id = action_id = 0
    for audit_id in range(1, audits + 1):
        completed = datetime.combine(FIRST_DAY + timedelta(days=span * audit_id // (audits + 1)),
                                     datetime.min.time(), UTC) + timedelta(hours=2 + audit_id % 8)
        version = 1 + audit_id % 3
        department = 1 + audit_id % departments
        conn.execute(
            "INSERT INTO audits(id, number, checklist_id, checklist_version, checklist_json, department_id, lang,"
            " status, created_by, created_at, updated_at, completed_at)"
            " VALUES (?, ?, 'bench', ?, ?, ?, 'zh', 'completed', 1, ?, ?, ?)",
            (audit_id, f"A-{audit_id:05d}", version, snapshots[version], department,
             to_db(completed - timedelta(hours=6)), to_db(completed), to_db(completed)))
        results = RESULTS[:]
        rng.shuffle(results)
        for n, result in enumerate(results):
            answers.append((audit_id, f"q{n}", result, 1, to_db(completed)))
            if result not in PREFIX:
                continue
            finding_id += 1
            number = f"{PREFIX[result]}{sum(1 for r in results[:n + 1] if PREFIX.get(r) == PREFIX[result])}"
            findings.append((finding_id, audit_id, f"q{n}", result, number, "Statement", to_db(completed)))
            if result not in ("major", "minor"):
                continue
            action_id += 1
            due = completed.date() + timedelta(days=30 if result == "major" else 60)
            roll = rng.random()
            closed = None
            if roll < 0.6:
                closed = completed + timedelta(days=rng.randrange(5, 90))
            state = "closed" if closed else rng.choice(("open", "planned", "implemented"))
            actions.append((action_id, finding_id, audit_id, department, 1, state, due.isoformat(),
                            to_db(completed), to_db(completed), to_db(closed) if closed else None))
            if action_id % 10 == 0:
                trail.append((to_db(completed + timedelta(days=3)), 1, "capa", str(action_id), "rejected",
                              '"implemented"', json.dumps("证据不足 Evidence not sufficient", ensure_ascii=False)))
        counts["audits"] += 1
    conn.executemany("INSERT INTO answers(audit_id, question_id, result, answered_by, answered_at)"
                     " VALUES (?, ?, ?, ?, ?)", answers)
    conn.executemany("INSERT INTO findings(id, audit_id, question_id, kind, number, statement, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", findings)
    conn.executemany("INSERT INTO capa(id, finding_id, audit_id, department_id, auditor_id, state, due_date,"
                     " created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", actions)
    conn.executemany("INSERT INTO audit_trail(at, person_id, entity, entity_id, action, before_json, after_json)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", trail)
    days = [FIRST_DAY + timedelta(days=n) for n in range(span + 1)]
    conn.executemany(
        "INSERT INTO review_snapshots(day, department_id, open_actions, overdue_actions, closed_in_day, taken_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(day.isoformat(), d, rng.randrange(20), rng.randrange(8), rng.randrange(3), to_db(at))
         for day in days for d in range(1, departments + 1)])
    conn.commit()
    conn.close()
    counts.update(answers=len(answers), findings=len(findings), actions=len(actions), rejections=len(trail),
                  snapshots=len(days) * departments)
    return counts


async def _migrate(path: Path) -> None:
    async with Database(path):
        pass


def measure(path: Path, out: Path, lang: str) -> dict[str, float]:
    """Build the review of the year (run in a fresh process: its peak RSS is the build's own).

    The time includes importing the review's modules (matplotlib), as the bot's first /review pays it.
    """
    started = time.perf_counter()
    from zoneinfo import ZoneInfo

    from bot.report.review.pack import build_review, parse_period

    async def build():
        async with Database(path) as db:
            period = parse_period(f"{FIRST_DAY.isoformat()}..{LAST_DAY.isoformat()}", LAST_DAY)
            return await build_review(db, period, ZoneInfo(TZ_NAME), LAST_DAY, lang, out.with_suffix(".docx"),
                                      out.with_suffix(".xlsx"))

    figures = asyncio.run(build())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "docx_mb": out.with_suffix(".docx").stat().st_size / 1e6,
            "xlsx_mb": out.with_suffix(".xlsx").stat().st_size / 1e6,
            "audits": figures.done, "actions": figures.actions.raised, "repeats": len(figures.repeats)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--audits", type=int, default=2000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.measure.parent / "review", args.lang)))
        return 0
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        path = Path(folder) / "auditbot.sqlite3"
        asyncio.run(_migrate(path))
        started = time.perf_counter()
        counts = generate(path, args.audits, args.departments)
        print(f"history: {counts['audits']:,} audits, {counts['answers']:,} answers, {counts['findings']:,} findings,"
              f" {counts['actions']:,} actions ({counts['rejections']:,} rejected once),"
              f" {counts['snapshots']:,} snapshot rows; written in {time.perf_counter() - started:.1f} s")
        done = subprocess.run([sys.executable, __file__, "--measure", str(path), "--lang", args.lang],
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    ok_time, ok_rss = result["seconds"] < TARGET_SECONDS, result["rss_mb"] < TARGET_RSS_MB
    print(f"review of {FIRST_DAY} – {LAST_DAY} ({args.lang}): {result['audits']:,} audits,"
          f" {result['actions']:,} actions, {result['repeats']:,} repeat findings")
    print(f"  time        {result['seconds']:6.1f} s    target < {TARGET_SECONDS:.0f} s    "
          f"{'ok' if ok_time else 'OVER'}")
    print(f"  peak RSS    {result['rss_mb']:6.0f} MB   target < {TARGET_RSS_MB:.0f} MB  {'ok' if ok_rss else 'OVER'}")
    print(f"  .docx       {result['docx_mb']:6.2f} MB")
    print(f"  .xlsx       {result['xlsx_mb']:6.2f} MB")
    return 0 if ok_time and ok_rss else 1


if __name__ == "__main__":
    raise SystemExit(main())
