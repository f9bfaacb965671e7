"""Sample contexts of the audit interview's templates (long and hostile text included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot.services.audit_service import (
    CARDS,
    CardView,
    Completed,
    Problem,
    QuestionView,
    SummaryView,
)
from tests.prompt_samples import HOSTILE

LONG = ("很长的备注 <b>" * 400)[:4000]

QUESTION = QuestionView(
    audit_id=1, number="A-2026-001", department=HOSTILE, index=11, total=74, section_index=2,
    section_title="7 Support " + HOSTILE, clause="7.5.3", text="Q? " * 100, guidance="G " * 200,
    evidence_rule="required", result="minor", notes=[LONG] * 12, evidence_count=5, answered=11,
    answered_by=HOSTILE, answered_at=datetime(2026, 11, 2, 9, 30), replaced=("conform", HOSTILE),
)
BARE_QUESTION = QuestionView(
    audit_id=1, number="A-2026-001", department="Office", index=0, total=41, section_index=0,
    section_title="Responsibilities", clause="5.3", text="Who?", guidance="Look.", evidence_rule="optional",
    result=None, notes=[], evidence_count=0, answered=0,
)
PLAN = CardView(1, "A-2026-001", HOSTILE, "Checklist", "planning", "plan",
                {f: LONG for f in CARDS["plan"]}, [{"id": 1, "name": HOSTILE, "team_role": "leader"}] * 5)
PLAN_FROM_PROGRAMME = CardView(
    1, "A-2026-002", HOSTILE, "Checklist", "planning", "plan", {f: LONG for f in CARDS["plan"]},
    [{"id": 1, "name": HOSTILE, "team_role": "leader"}] * 5,
    history={"previous": {"number": "A-2026-001", "ncs": 3, "completed_on": "2026-06-01"},
             "open_actions": [{"audit_number": "A-2026-001", "number": f"NC{n}", "due_date": "2026-12-20"}
                              for n in range(8)],
             "planned": {"window_start": "2026-12-01", "window_end": "2026-12-31", "risk": "high"},
             "overrides": [{"name": HOSTILE, "override_reason": LONG}] * 3})
PLAN_FIRST = CardView(1, "A-2026-001", "Ops", "Checklist", "planning", "plan", {}, [],
                      history={"previous": None, "open_actions": [], "planned": None, "overrides": []})
OPENING = CardView(1, "A-2026-001", HOSTILE, "Checklist", "opening", "opening",
                   {"attendees": LONG, "scope_confirmed": True}, [])
CLOSING = CardView(1, "A-2026-001", HOSTILE, "Checklist", "closing", "closing",
                   {f: LONG for f in CARDS["closing"]}, [])
SUMMARY = SummaryView(
    1, "A-2026-001", HOSTILE, "in_progress", 74,
    {"conform": 50, "minor": 3, "major": 1, "observation": 2, "ofi": 1, "good": 1, "na": 2},
    [(i, "8.5.1", "Q?") for i in range(14)],
    [Problem(3, "7.5.3", "statement"), Problem(3, "7.5.3", "evidence")] * 5,
    [(i, "8.5.1", "minor", date(2027, 1, 20)) for i in range(20)],
)
EMPTY_SUMMARY = SummaryView(1, "A-1", "Office", "closing", 3, {"conform": 3}, [], [], [])

SAMPLES: dict[str, list[dict]] = {
    "audit_choose_checklist": [{"planned": False}, {"planned": True}],
    "audit_choose_department": [{"has_departments": True}, {"has_departments": False}],
    "audit_department_ask": [{}],
    "audit_plan_card": [{"card": PLAN, "fields": CARDS["plan"]}, {"card": PLAN_FIRST, "fields": CARDS["plan"]},
                        {"card": PLAN_FROM_PROGRAMME, "fields": CARDS["plan"]}],
    "audit_opening_card": [{"card": OPENING, "fields": CARDS["opening"]}],
    "audit_question_card": [{"q": QUESTION, "saved": "note"}, {"q": BARE_QUESTION},
                            {"q": replace(QUESTION, result="minor", repeat_of=(HOSTILE, ["NC1", "NC2"] * 4))}],
    "audit_sections": [{"sections": []}],
    "audit_summary": [{"s": SUMMARY}, {"s": EMPTY_SUMMARY}],
    "audit_closing_card": [{"card": CLOSING, "summary": SUMMARY, "fields": CARDS["closing"]},
                           {"card": CLOSING, "summary": EMPTY_SUMMARY, "fields": CARDS["closing"]}],
    "audit_team_card": [{"card": PLAN, "candidates": []}],
    "audit_field_ask": [{"field": "objectives", "current": LONG}, {"field": "attendees", "current": None}],
    "audit_due_ask": [{}],
    "audit_paused": [{"q": QUESTION}],
    "audit_completed": [
        {"done": Completed(1, "A-2026-001", [{"number": f"NC{i}", "kind": "minor", "clause": "8.5.1"}
                                             for i in range(60)], list(range(30)))},
        {"done": Completed(1, "A-2026-001", [], [])},
        {"done": Completed(1, "A-2026-001", [{"number": "NC1", "kind": "minor", "clause": "5.3"}], [1],
                           "<b>Office</b> & 办公室", 0, True)},
        {"done": Completed(1, "A-2026-001", [{"number": "NC1", "kind": "minor", "clause": "5.3"}], [1, 2],
                           "Office", 0, False)},
    ],
    "audit_use_buttons": [{}],
    "audit_evidence_needs_question": [{}],
    "file_too_big": [{"size_mb": 30.5}, {"size_mb": None}],
    "audit_nothing_to_resume": [{}],
    "audit_resume_list": [{"audits": []}],
}
