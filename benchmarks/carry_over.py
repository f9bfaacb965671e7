"""Benchmark: what the carry-over (issue 21: last time's findings on each question card) adds
to a question card.

Two departments, audited on the 60-question test checklist: "Seen" had an audit a year ago
(two questions of every ten a minor NC with a closed action, the rest conform), "New" never had.
A running audit of each; the time of ``AuditService.question`` (one card: the audit, the
person's place, the question's state and, for "Seen", last time's answer and its action's
state) is taken over every question, ``--rounds`` times, and the median of each compared.
The first card of an audit pays for reading last time once; it is timed apart (``first``).

    .venv/bin/python benchmarks/carry_over.py            # prints the figures and a RESULT line
    .venv/bin/python benchmarks/carry_over.py --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/checklists.py would hide the checklists package: the repository's root comes first
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from bot.domain.checklists import load_all  # noqa: E402
from bot.domain.clock import FakeClock  # noqa: E402
from bot.services.audit_service import AuditService  # noqa: E402
from bot.services.people_service import Actor  # noqa: E402
from bot.settings import Settings  # noqa: E402
from devtools.harness import CHECKLIST_ID, write_sixty_question_checklist  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.files import FileStore  # noqa: E402
from storage.repos import departments, findings, people  # noqa: E402
from storage.times import to_db  # noqa: E402

TARGET_MS = 5.0
AUDITOR = Actor(id=1, name="Ann", lang="en", active=True, roles=frozenset({"auditor"}))


async def _audit(service: AuditService, department_id: int) -> int:
    audit_id = await service.create(AUDITOR, CHECKLIST_ID, department_id)
    await service.advance_stage(AUDITOR, audit_id, "planning")
    await service.advance_stage(AUDITOR, audit_id, "opening")
    return audit_id


async def _last_year(service: AuditService, db: Database, clock: FakeClock, department_id: int) -> None:
    """A completed audit: two questions of every ten a minor NC (its action closed), the rest conform."""
    audit_id = await _audit(service, department_id)
    total = len(service.checklists[CHECKLIST_ID].question_ids())
    for index in range(total):
        if _has_action(index):
            await service.record_result(AUDITOR, audit_id, index, "minor")
            await service.add_note(AUDITOR, audit_id, index, f"Finding {index}")
            await service.move(AUDITOR, audit_id, index, 1)
        else:
            await service.record_result(AUDITOR, audit_id, index, "conform")
    await service.advance_stage(AUDITOR, audit_id, "in_progress")
    await service.set_field(AUDITOR, audit_id, "closing", "conclusions", "Generally effective.")
    await service.complete(AUDITOR, audit_id)
    async with db.transaction() as conn:
        for row in await findings.capas_of_audit(conn, audit_id):
            await findings.update_capa(conn, row["id"], clock.now(), state="closed", closed_at=to_db(clock.now()))


def _has_action(index: int) -> bool:
    """Two questions of every ten (none that requires evidence) were a minor NC last time."""
    return index % 10 in (0, 4)


async def _cards(service: AuditService, audit_id: int, rounds: int) -> tuple[float, list[tuple[int, float]]]:
    """(the first card, in ms; every later card: (its question, ms))."""
    total = len(service.checklists[CHECKLIST_ID].question_ids())
    start = time.perf_counter()
    await service.question(AUDITOR, audit_id, 0)
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(rounds):
        for index in range(total):
            start = time.perf_counter()
            await service.question(AUDITOR, audit_id, index)
            times.append((index, (time.perf_counter() - start) * 1000))
    return first, times


async def run(rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        write_sixty_question_checklist(data / "checklists")
        clock = FakeClock()
        settings = Settings(data_dir=data, _env_file=None)
        async with Database(data / "auditbot.sqlite3") as db:
            async with db.transaction() as conn:
                await people.upsert(conn, AUDITOR.id, name=AUDITOR.name, username=None, lang="en", at=clock.now())
                await people.add_role(conn, AUDITOR.id, "auditor", None, clock.now())
                seen, _ = await departments.get_or_create(conn, "Seen", clock.now())
                new, _ = await departments.get_or_create(conn, "New", clock.now())
            service = AuditService(db, clock, settings, load_all([data / "checklists"]), FileStore(data / "files"))
            await _last_year(service, db, clock, seen)
            clock.advance(days=365)
            fresh = AuditService(db, clock, settings, service.checklists, FileStore(data / "files"))  # cold caches
            with_carry = await _audit(fresh, seen)
            without = await _audit(fresh, new)
            fresh = AuditService(db, clock, settings, service.checklists, FileStore(data / "files"))  # cold again
            first_with, timed_with = await _cards(fresh, with_carry, rounds)
            first_without, timed_without = await _cards(fresh, without, rounds)
            shown = (await fresh.question(AUDITOR, with_carry, 0)).carried
    median_with, median_without = (statistics.median(ms for _, ms in timed) for timed in (timed_with, timed_without))
    # the cards whose last-time answer has an action: one more read (its state, this audit's verdict)
    action_with, action_without = (statistics.median(ms for index, ms in timed if _has_action(index))
                                   for timed in (timed_with, timed_without))
    return {"cards": len(timed_with), "median_ms_with": round(median_with, 3),
            "median_ms_without": round(median_without, 3), "added_ms": round(median_with - median_without, 3),
            "added_ms_with_action": round(action_with - action_without, 3),
            "first_card_ms_with": round(first_with, 3), "first_card_ms_without": round(first_without, 3),
            "target_ms": TARGET_MS, "recalled": bool(shown and shown.before and shown.before.finding)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(run(args.rounds))
    print(f"a question card: {result['median_ms_without']:.2f} ms without last time, "
          f"{result['median_ms_with']:.2f} ms with it (median of {result['cards']} cards each)")
    print(f"the carry-over adds {result['added_ms']:.2f} ms a card, {result['added_ms_with_action']:.2f} ms on a card "
          f"whose last-time finding has an action (target < {TARGET_MS:.0f} ms); "
          f"the first card of the audit {result['first_card_ms_with']:.1f} ms (reads last time once)")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
