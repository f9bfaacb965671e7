"""Benchmark of a checklist import: a generated 500-question bilingual workbook.

    .venv/bin/python benchmarks/checklists.py [--questions 500] [--sections 25] [--runs 5]

Writes the workbook once (as the download code writes it, so it is what a lead sends
back), then times the import as the bot runs it after the download: the pre-checks
(size, zip, sheets, rows), openpyxl, the whole-file validation and the draft written to
the data dir. Prints the median and the worst of ``--runs``, and the same for a workbook
with one problem in every tenth row (validation plus the marked-up copy). Target: under
2 s for the correct workbook.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first, and never this folder (its checklists.py would hide the checklists package)
sys.path[:] = [str(ROOT), *(p for p in sys.path if p and Path(p).resolve() not in (ROOT, ROOT / "benchmarks"))]

from bot.domain.checklists import Checklist  # noqa: E402
from bot.services.checklist_service import ChecklistService  # noqa: E402
from bot.services.people_service import Actor  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.workbooks.checklist import write_workbook  # noqa: E402

TARGET_SECONDS = 2.0


def generated_checklist(questions: int, sections: int) -> Checklist:
    per = questions // sections
    return Checklist.model_validate({
        "id": "bench-500", "version": 1,
        "title": {"zh": "五百题基准检查表", "en": "Five-hundred-question benchmark checklist"},
        "description": {"zh": "用于计时。", "en": "For timing."},
        "sections": [
            {
                "id": f"s{s}", "title": {"zh": f"第 {s} 章 过程控制", "en": f"Section {s}: process control"},
                "questions": [
                    {
                        "id": f"q{s}-{q}", "clause": f"{4 + s % 7}.{q % 5 + 1}.{q % 3 + 1}",
                        "text": {"zh": f"第 {s}.{q} 题：本部门如何确保相关过程受控并保留成文信息？" * 2,
                                 "en": f"Question {s}.{q}: how does the department keep this process under "
                                       "control, and which documented information does it keep? " * 2},
                        "guidance": {"zh": "抽取 3 份记录，核对审批、日期和责任人；询问 1 名工作人员。" * 2,
                                     "en": "Sample three records; check approval, dates and who is "
                                           "responsible; ask one member of staff. " * 2},
                        "evidence": ("required", "optional", "none")[q % 3],
                    }
                    for q in range(1, per + 1)
                ],
            }
            for s in range(1, sections + 1)
        ],
    })


def with_problems(data: bytes) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["questions"]
    headers = [c.value for c in sheet[1]]
    evidence = headers.index("evidence") + 1
    for row in range(2, sheet.max_row + 1, 10):
        sheet.cell(row, evidence, "sometimes")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def timed(service: ChecklistService, actor: Actor, data: bytes, runs: int) -> tuple[list[float], object]:
    times = []
    outcome = None
    for _ in range(runs):
        start = time.perf_counter()
        outcome = service.check_and_draft(actor, "bench.xlsx", data)
        times.append(time.perf_counter() - start)
    return times, outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--sections", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    checklist = generated_checklist(args.questions, args.sections)
    data = write_workbook(checklist)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), _env_file=None)
        service = ChecklistService(None, None, settings, {})
        lead = Actor(id=1, name="bench", lang="en", active=True, roles=frozenset({"lead"}))
        times, outcome = timed(service, lead, data, args.runs)
        ok = max(times) < TARGET_SECONDS
        assert outcome.draft is not None and outcome.draft.questions == len(checklist.question_ids()), outcome
        print(f"import of {outcome.draft.questions} questions ({len(data) / 1024:.0f} KB workbook), "
              f"validation + draft: median {statistics.median(times):.2f} s, worst {max(times):.2f} s "
              f"(target < {TARGET_SECONDS:.0f} s) {'OK' if max(times) < TARGET_SECONDS else 'SLOW'}")
        bad = with_problems(data)
        bad_times, outcome = timed(service, lead, bad, args.runs)
        print(f"same workbook with {len(outcome.problems)} problems, validation + marked-up copy: "
              f"median {statistics.median(bad_times):.2f} s, worst {max(bad_times):.2f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
