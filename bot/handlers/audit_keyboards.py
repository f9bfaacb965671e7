"""The buttons of the audit cards (labels from prompts/, data from bot.callbacks)."""

from __future__ import annotations

from bot.callbacks import pack
from bot.runtime import AuditContext
from bot.services.audit_service import CARDS, CardView, QuestionView, SummaryView

# Result buttons, three a row, in the order of PRODUCT.md; the code is what the button sends.
RESULT_ROWS = (
    (("c", "conform"), ("mi", "minor"), ("ma", "major")),
    (("ob", "observation"), ("of", "ofi"), ("g", "good")),
)
MAX_JUMPS = 8


def question_rows(context: AuditContext, q: QuestionView) -> list[list[tuple[str, str]]]:
    label = context.label

    def result_button(code: str, result: str) -> tuple[str, str]:
        text = label(f"result_{result}")
        return (f"✅ {text}" if q.result == result else text, pack("q", q.audit_id, q.index, code))

    rows = [[result_button(code, result) for code, result in row] for row in RESULT_ROWS]
    forward = ("btn_next", "next") if q.result else ("btn_skip", "skip")
    rows.append([result_button("na", "na"), (label(forward[0]), pack("q", q.audit_id, q.index, forward[1]))])
    rows.append([
        (label("btn_back"), pack("q", q.audit_id, q.index, "back")),
        (label("btn_sections"), pack("q", q.audit_id, q.index, "secs")),
        (label("btn_pause"), pack("q", q.audit_id, q.index, "pause")),
    ])
    rows.append([(label("btn_summary"), pack("q", q.audit_id, q.index, "sum"))])
    return rows


def card_rows(context: AuditContext, view: CardView) -> list[list[tuple[str, str]]]:
    """✏️ buttons for each field of the plan or opening card, then confirm."""
    label = context.label
    fields = CARDS[view.card]
    rows = [
        [(label("btn_edit", field=label(f"field_{name}")), pack("cf", view.audit_id, i))
         for i, name in enumerate(fields[start:start + 2], start)]
        for start in range(0, len(fields), 2)
    ]
    if view.card == "plan":
        rows.append([(label("btn_team"), pack("ct", view.audit_id))])
        rows.append([(label("btn_confirm_plan"), pack("cc", view.audit_id, "p"))])
    else:
        mark = "✅" if view.values.get("scope_confirmed") else "⬜"
        rows.append([(label("btn_scope_confirmed", mark=mark), pack("cs", view.audit_id))])
        rows.append([(label("btn_start_questions"), pack("cc", view.audit_id, "o"))])
    return rows


def team_rows(context: AuditContext, audit_id: int, candidates: list[dict]) -> list[list[tuple[str, str]]]:
    rows = [[(("✅ " if c["member"] else "➕ ") + c["name"], pack("ct", audit_id, c["id"]))] for c in candidates]
    rows.append([(context.label("btn_back_to_plan"), pack("rs", audit_id))])
    return rows


def sections_rows(context: AuditContext, audit_id: int, sections: list[dict]) -> list[list[tuple[str, str]]]:
    return [
        [(f"{s['title']} ({s['done']}/{s['total']})", pack("qj", audit_id, s["index"]))] for s in sections
    ]


def summary_rows(context: AuditContext, s: SummaryView) -> list[list[tuple[str, str]]]:
    label = context.label
    jumps: list[tuple[str, str]] = []
    for problem in s.problems:
        jumps.append((label(f"btn_fix_{problem.kind}", clause=problem.clause), pack("qj", s.audit_id, problem.index)))
    for index, clause, _ in s.unanswered:
        jumps.append((label("btn_jump", clause=clause, number=index + 1), pack("qj", s.audit_id, index)))
    rows = [jumps[i:i + 2] for i in range(0, min(len(jumps), MAX_JUMPS), 2)]
    rows.append([(label("btn_closing"), pack("cl", s.audit_id))])
    return rows


def closing_rows(context: AuditContext, view: CardView, s: SummaryView) -> list[list[tuple[str, str]]]:
    label = context.label
    fields = CARDS["closing"]
    rows = [[(label("btn_edit", field=label(f"field_{name}")), pack("cf", view.audit_id, i))]
            for i, name in enumerate(fields)]
    for index, clause, kind, due in s.due_dates:
        rows.append([(label("btn_due", clause=clause, kind=label(f"result_{kind}"), due=due.isoformat()),
                      pack("dd", view.audit_id, index))])
    rows.append([(label("btn_back_to_questions"), pack("cb", view.audit_id)),
                 (label("btn_complete"), pack("fin", view.audit_id))])
    return rows


def resume_rows(context: AuditContext, audits: list[dict]) -> list[list[tuple[str, str]]]:
    return [[(f"{a['number']} · {a['department']} ({a['answered']}/{a['total']})", pack("rs", a["id"]))]
            for a in audits]
