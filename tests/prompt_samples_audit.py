"""Sample contexts of the audit interview's templates (long and hostile text included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot.services.audit_service import (
    CARDS,
    CardView,
    Completed,
    CompletionPreview,
    Discarding,
    Problem,
    QuestionRecords,
    QuestionView,
    SectionAssignment,
    SummaryView,
)
from tests.prompt_samples import HOSTILE

LONG = ("很长的备注 <b>" * 400)[:4000]

QUESTION = QuestionView(
    audit_id=1, number="A-2026-001", department=HOSTILE, index=11, total=74,
    section_title="7 Support " + HOSTILE, clause="7.5.3", text="Q? " * 100, guidance="G " * 200,
    evidence_rule="required", result="minor", notes=[LONG] * 12, evidence_count=5, answered=11,
    answered_by=HOSTILE, answered_at=datetime(2026, 11, 2, 9, 30), replaced=("conform", HOSTILE),
)
BARE_QUESTION = QuestionView(
    audit_id=1, number="A-2026-001", department="Office", index=0, total=41,
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
LONG_SUMMARY = SummaryView(  # every question a problem or unanswered: the list is cut, the buttons page
    1, "A-2026-001", "Office", "in_progress", 400, {"minor": 200},
    [(i, "8.5.1", HOSTILE) for i in range(200, 400, 2)],
    [Problem(i, "7.5.3", "statement", "Q " * 300) for i in range(200)], [], position=17, page=3,
    by_person={HOSTILE: 150, "Ann": 50, "王审核": 10},
)

SAMPLES: dict[str, list[dict]] = {
    "audit_choose_checklist": [{"planned": False}, {"planned": True}],
    "audit_choose_department": [{"has_departments": True}, {"has_departments": False},
                                {"has_departments": True, "like_last_time": True}],
    "audit_department_ask": [{}],
    "audit_plan_card": [{"card": PLAN, "fields": CARDS["plan"]}, {"card": PLAN_FIRST, "fields": CARDS["plan"]},
                        {"card": PLAN_FROM_PROGRAMME, "fields": CARDS["plan"]}],
    "audit_opening_card": [{"card": OPENING, "fields": CARDS["opening"]}],
    "audit_question_card": [{"q": QUESTION, "saved": "note"}, {"q": BARE_QUESTION},
                            {"q": replace(BARE_QUESTION, index=3, na_reason_for=2), "saved": "na_reason"},
                            {"q": BARE_QUESTION, "saved": "note_edited"}, {"q": QUESTION, "saved": "file_moved"},
                            {"q": replace(QUESTION, result="minor", repeat_of=(HOSTILE, ["NC1", "NC2"] * 4))},
                            {"q": replace(QUESTION, provided=2, not_applicable=1)},
                            {"q": replace(BARE_QUESTION, not_applicable=1)}],
    "audit_sections": [{"sections": []}],
    "audit_summary": [{"s": SUMMARY}, {"s": EMPTY_SUMMARY}, {"s": LONG_SUMMARY}],
    "audit_closing_card": [{"card": CLOSING, "summary": SUMMARY, "fields": CARDS["closing"]},
                           {"card": CLOSING, "summary": EMPTY_SUMMARY, "fields": CARDS["closing"]},
                           {"card": CLOSING, "summary": replace(SUMMARY, kept_actions={i: (f"NC{i}", "plan_accepted")
                                                                                      for i in range(0, 20, 2)}),
                            "fields": CARDS["closing"]}],
    "audit_team_card": [{"card": PLAN, "candidates": []}],
    "audit_field_ask": [{"field": "objectives", "current": LONG}, {"field": "attendees", "current": None}],
    "audit_due_ask": [{}],
    "audit_paused": [{"q": QUESTION}],
    "audit_completed": [
        {"done": Completed(1, "A-2026-001", [{"number": f"NC{i}", "kind": "minor", "clause": "8.5.1"}
                                             for i in range(60)], list(range(30)))},
        {"done": Completed(1, "A-2026-001", [], [])},
        {"done": Completed(1, "A-2026-001", [], [], "Office", 0, True, 2, 3)},
        {"done": Completed(1, "A-2026-001", [{"number": "NC3", "kind": "minor", "clause": "5.3"}], [4], "Office", 2,
                           False, 3, 1)},
        {"done": Completed(1, "A-2026-001", [{"number": "NC1", "kind": "minor", "clause": "5.3"}], [1],
                           "<b>Office</b> & 办公室", 0, True)},
        {"done": Completed(1, "A-2026-001", [{"number": "NC1", "kind": "minor", "clause": "5.3"}], [1, 2],
                           "Office", 0, False)},
    ],
    "audit_complete_confirm": [
        {"p": CompletionPreview(1, "A-2026-001", HOSTILE, {"NC": 3, "OBS": 2, "GP": 1}, 3, 2)},
        {"p": CompletionPreview(1, "A-2026-001", "Finance Bureau", {"NC": 1}, 1, 0)},
        {"p": CompletionPreview(1, "A-2026-001", "Office", {}, 0, 0)},
        {"p": CompletionPreview(1, "A-2026-001", "Office", {"NC": 1}, 0, 1, kept=1)},
        {"p": CompletionPreview(1, "A-2026-001", "Office", {"OFI": 1}, 0, 0)},
        {"p": CompletionPreview(1, "A-2026-001", HOSTILE, {"NC": 2}, 2, 1, suggestion=HOSTILE, suggestion_mark=7)},
        {"p": CompletionPreview(1, "A-2026-001", "Office", {"NC": 3}, 1, 1, kept=2, conclusion=LONG, revising=True,
                                review_conclusion=True, concluded_in=1, changes=(("minor", 2, 3), ("major", 0, 1)))},
        {"p": CompletionPreview(1, "A-2026-001", "Office", {"NC": 2}, 0, 1, kept=2, conclusion="Fine.",
                                revising=True, review_conclusion=True, concluded_in=2)},
    ],
    "audit_na_reason_ask": [{"number": 3}],
    "audit_discard_confirm": [{"d": Discarding(1, "A-2026-001", HOSTILE, 0)},
                              {"d": Discarding(1, "A-2026-001", "Office", 1)},
                              {"d": Discarding(1, "A-2026-001", "Office", 40)}],
    "audit_discarded": [{"d": Discarding(1, "A-2026-001", HOSTILE, 3)}],
    "audit_records": [
        {"r": QuestionRecords(1, "A-2026-001", 4, "5.3", "Q? " * 100,
                              [{"id": i, "text": LONG, "person": HOSTILE, "created_at": "", "edited_at": "x" if i % 2 else None}
                               for i in range(10)],
                              [{"id": i, "kind": kind, "caption": HOSTILE if i % 2 else None, "file_name": "a<b>.pdf",
                                "person": None} for i, kind in enumerate(("photo", "document", "voice", "video"))])},
        {"r": QuestionRecords(1, "A-2026-001", 0, "5.3", "Who?", [], [])},
    ],
    "audit_note_edit_ask": [{"current": LONG}, {"current": "<b>x</b>"}],
    "audit_file_move_ask": [{"current": 3, "total": 41}, {"current": 1, "total": 1}],
    "audit_error_not_in_team": [{"number": "A-2026-001"}],
    "audit_team_added": [{"audit_id": 1, "number": "A-2026-001", "department": HOSTILE, "by": HOSTILE}],
    "lead_audit_completed": [
        {"audit_id": 1, "number": "A-2026-001", "department": HOSTILE, "by": HOSTILE,
         "findings": {"NC": 3, "OBS": 1}, "actions": 3},
        {"audit_id": 1, "number": "A-2026-001", "department": "Office", "by": "Ann", "findings": {}, "actions": 0},
        {"audit_id": 1, "number": "A-2026-001", "department": "Office", "by": "Ann", "findings": {"NC": 1},
         "actions": 1},
    ],
    "audit_reopen_usage": [{"example": "A-2026-001"}, {"example": None}],
    "audit_reopen_reason_ask": [{"audit": {"id": 1, "number": "A-2026-001", "department": HOSTILE}}],
    "audit_reopened": [{"s": SUMMARY}],
    "audit_assign_sections": [{"a": SectionAssignment(1, "A-2026-001", 2, HOSTILE, [])}],
    "audit_use_buttons": [{}],
    "audit_evidence_needs_question": [{}],
    "audit_error_no_such_question": [{"number": 0, "total": 41}, {"number": 9999, "total": 41}],
    "file_too_big": [{"size_mb": 30.5}, {"size_mb": None}],
    "image_too_large": [{"limit_mp": 50}],
    "audit_nothing_to_resume": [{}],
    "audit_resume_list": [{"audits": []}],
}
