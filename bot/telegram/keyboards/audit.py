"""The buttons of the audit cards (labels from prompts/, data from bot.telegram.buttons)."""

from __future__ import annotations

from bot.domain.text import first_words
from bot.domain.vocabulary import AuditStatus, Result
from bot.services.audit_service import (
    CARDS,
    SUMMARY_PAGE,
    CardView,
    Completed,
    CompletionPreview,
    FileMoveChoice,
    QuestionRecords,
    QuestionView,
    SectionAssignment,
    Sections,
    SummaryView,
)
from bot.telegram import buttons as b
from bot.telegram.context import AuditContext

# Result buttons, three a row, in the order of PRODUCT.md.
RESULT_ROWS = (
    (Result.conform, Result.minor, Result.major),
    (Result.observation, Result.ofi, Result.good),
)


def question_rows(context: AuditContext, q: QuestionView) -> list[list[tuple[str, str]]]:
    label = context.label

    def result_button(result: Result) -> tuple[str, str]:
        text = label(f"result_{result}")
        return (f"✅ {text}" if q.result == result else text, b.Question(q.audit_id, q.index, result.code).pack())

    def move(key: str, to: b.Move) -> tuple[str, str]:
        return label(key), b.Question(q.audit_id, q.index, to).pack()

    rows = [[result_button(result) for result in row] for row in RESULT_ROWS]
    if q.carried is not None and q.carried.can_verify:  # last time's action: effective or not, one tap
        rows.insert(0, [(label("carry_btn_effective"), b.CarryVerdict(q.audit_id, q.index, "e").pack()),
                        (label("carry_btn_not_effective"), b.CarryVerdict(q.audit_id, q.index, "n").pack())])
    forward = move("btn_next", b.Move.next) if q.result else move("btn_skip", b.Move.skip)
    rows.append([result_button(Result.na), forward])
    rows.append([move("btn_back", b.Move.back), move("btn_sections", b.Move.sections),
                 move("btn_pause", b.Move.pause)])
    bottom = [move("btn_summary", b.Move.summary)]
    if q.notes or q.evidence_count:
        bottom.append((label("btn_records", count=len(q.notes) + q.evidence_count),
                       b.Records(q.audit_id, q.index).pack()))
    rows.append(bottom)
    if q.na_reason_for is not None:  # last, so the buttons above stay where the thumb expects them
        rows.append([(label(f"btn_na_reason_{code}"), b.NaReason(q.audit_id, q.na_reason_for, code).pack())
                     for code in ("s", "n", "o", "w")])
    return rows


def card_rows(context: AuditContext, view: CardView) -> list[list[tuple[str, str]]]:
    """✏️ buttons for each field of the plan or opening card, then confirm."""
    label = context.label
    fields = CARDS[view.card]
    rows = [
        [(label("btn_edit", field=label(f"field_{name}")), b.CardField(view.audit_id, i).pack())
         for i, name in enumerate(fields[start:start + 2], start)]
        for start in range(0, len(fields), 2)
    ]
    if view.card == "plan":  # the records the department is asked to provide beforehand
        rows.append([(label("records_btn_request"), b.RecordsRequest(view.audit_id).pack())])
    if view.card == "plan" and view.status != AuditStatus.planning:  # edited from the summary
        rows.append([(label("btn_team"), b.Team(view.audit_id).pack())])
        rows.append([(label("btn_back_to_summary"), b.BackToQuestions(view.audit_id).pack())])
    elif view.card == "plan":
        rows.append([(label("btn_team"), b.Team(view.audit_id).pack()),
                     (label("btn_discard"), b.Discard(view.audit_id).pack())])
        rows.append([(label("btn_confirm_plan"), b.ConfirmStage(view.audit_id, "p").pack())])
    else:
        mark = "✅" if view.values.get("scope_confirmed") else "⬜"
        rows.append([(label("btn_scope_confirmed", mark=mark), b.ScopeToggle(view.audit_id).pack())])
        rows.append([(label("btn_start_questions"), b.ConfirmStage(view.audit_id, "o").pack())])
    return rows


def team_rows(context: AuditContext, audit_id: int, candidates: list[dict]) -> list[list[tuple[str, str]]]:
    rows = [[(("✅ " if c["member"] else "➕ ") + c["name"], b.Team(audit_id, c["id"]).pack()),
             *([(context.label("btn_assign_sections"), b.AssignSections(audit_id, c["id"]).pack())]
               if c["member"] else [])]
            for c in candidates]
    rows.append([(context.label("btn_back_to_plan"), b.Resume(audit_id).pack())])
    return rows


def sections_rows(context: AuditContext, s: Sections) -> list[list[tuple[str, str]]]:
    rows = [[(f"{x['title']} ({x['done']}/{x['total']})", b.Jump(s.audit_id, x["index"]).pack())]
            for x in s.sections]
    rows.append([(context.label("btn_back_to_question", number=s.position + 1), b.Jump(s.audit_id, s.position).pack())])
    return rows


def summary_rows(context: AuditContext, s: SummaryView) -> list[list[tuple[str, str]]]:
    """Buttons to the questions needing attention (problems first, then the unanswered ones,
    a page at a time), back to the question the person was on, and on to the closing meeting."""
    label = context.label
    start = s.page * SUMMARY_PAGE
    jumps = [(label(f"btn_fix_{kind}" if kind != "unanswered" else "btn_jump", number=index + 1, clause=clause,
                    words=first_words(text)), b.Jump(s.audit_id, index).pack())
             for kind, index, clause, text in s.attention[start:start + SUMMARY_PAGE]]
    rows = [[jump] for jump in jumps]
    if s.pages > 1:
        rows.append([(label("btn_page_back"), b.SummaryPage(s.audit_id, s.page - 1).pack()) if s.page else None,
                     (label("btn_page", page=s.page + 1, pages=s.pages), b.SummaryPage(s.audit_id, s.page).pack()),
                     (label("btn_page_next"), b.SummaryPage(s.audit_id, s.page + 1).pack())
                     if s.page + 1 < s.pages else None])
        rows[-1] = [button for button in rows[-1] if button is not None]
    if s.status == AuditStatus.in_progress:
        rows.append([(label("btn_back_to_question", number=s.position + 1), b.Jump(s.audit_id, s.position).pack())])
    rows.append([(label("btn_closing"), b.ToClosing(s.audit_id).pack())])
    rows.append([(label("btn_edit_plan"), b.EditPlan(s.audit_id).pack()),
                 *([(label("btn_discard"), b.Discard(s.audit_id).pack())] if not s.revising else [])])
    rows += withdraw_rows(context, s)
    return rows


def withdraw_rows(context: AuditContext, s: SummaryView) -> list[list[tuple[str, str]]]:
    """A revision's ↩️ Withdraw, for a lead: back to the last completed revision."""
    if not (s.revision_open and context.actor is not None and context.actor.is_lead):
        return []
    return [[(context.label("btn_withdraw_revision"), b.WithdrawRevision(s.audit_id).pack())]]


def closing_rows(context: AuditContext, view: CardView, s: SummaryView) -> list[list[tuple[str, str]]]:
    label = context.label
    fields = CARDS["closing"]
    rows = [[(label("btn_edit", field=label(f"field_{name}")), b.CardField(view.audit_id, i).pack())]
            for i, name in enumerate(fields)]
    for index, clause, kind, due in s.due_dates:
        if index in s.kept_actions:  # its action goes on, with its own due date
            continue
        rows.append([(label("btn_due", clause=clause, kind=label(f"result_{kind}"), due=due.isoformat()),
                      b.DueDate(view.audit_id, index).pack())])
    rows.append([(label("btn_back_to_questions"), b.BackToQuestions(view.audit_id).pack()),
                 (label("btn_complete"), b.Complete(view.audit_id).pack())])
    rows += withdraw_rows(context, s)
    return rows


def complete_rows(context: AuditContext, p: CompletionPreview) -> list[list[tuple[str, str]]]:
    """The completion card's buttons: without a conclusion, the suggested one in one tap (saved and
    completed) or ✍️ one's own; a revision's old conclusion kept (and completed) or edited; else
    yes, the conclusion to change, not yet."""
    label = context.label
    write = b.CardField(p.audit_id, CARDS["closing"].index("conclusions")).pack()
    if p.suggestion:
        first = [[(label("btn_use_suggestion"), b.CompleteSuggested(p.audit_id, p.suggestion_mark).pack())],
                 [(label("btn_write_conclusion"), write)]]
    elif p.review_conclusion:
        first = [[(label("btn_keep_conclusion"), b.CompleteConfirmed(p.audit_id).pack())],
                 [(label("btn_edit_conclusion_revision"), write)]]
    else:
        first = [[(label("btn_complete_confirm"), b.CompleteConfirmed(p.audit_id).pack())],
                 [(label("btn_edit_conclusion"), write)]]
    return [*first, [(label("btn_complete_not_yet"), b.Resume(p.audit_id).pack())]]


def resume_rows(context: AuditContext, audits: list[dict]) -> list[list[tuple[str, str]]]:
    return [[(f"{a['number']} · {a['department']} ({a['answered']}/{a['total']})", b.Resume(a["id"]).pack())]
            for a in audits]


def paused_rows(context: AuditContext, q: QuestionView) -> list[list[tuple[str, str]]]:
    """After Pause: back into this audit, or the menu."""
    return [[(context.label("btn_resume_here"), b.Resume(q.audit_id).pack()),
             (context.label("btn_menu"), b.Menu("main").pack())]]


def completed_rows(context: AuditContext, done: Completed) -> list[list[tuple[str, str]]]:
    """After completion: its report, or another unfinished audit."""
    return [[(context.label("btn_report_of", number=done.number), b.Report(done.audit_id).pack()),
             (context.label("btn_resume_another"), b.Menu("resume").pack())]]


def records_rows(context: AuditContext, r: QuestionRecords) -> list[list[tuple[str, str]]]:
    """✏️ and 🗑 per note, 🗑 and ↪ per file, then back to the question."""
    label = context.label
    rows = [[(label("btn_note_edit", n=i), b.NoteEdit(r.audit_id, note["id"]).pack()),
             (label("btn_note_delete", n=i), b.NoteDelete(r.audit_id, note["id"]).pack())]
            for i, note in enumerate(r.notes, 1)]
    rows += [[(label("btn_file_delete", n=i), b.FileDelete(r.audit_id, item["id"]).pack()),
              (label("btn_file_move", n=i), b.FileMove(r.audit_id, item["id"]).pack())]
             for i, item in enumerate(r.files, 1)]
    rows.append([(label("btn_back_to_question", number=r.index + 1), b.Jump(r.audit_id, r.index).pack())])
    return rows


MOVE_PAGE = 8  # question buttons per page when moving a file


def file_move_rows(context: AuditContext, choice: FileMoveChoice, page: int | None) -> list[list[tuple[str, str]]]:
    """A button per question (a page at a time, the file's own question marked), the pages,
    and back to the notes and files of the question the file is on."""
    label = context.label
    pages = max(1, -(-len(choice.questions) // MOVE_PAGE))
    page = min(max(choice.current // MOVE_PAGE if page is None else page, 0), pages - 1)
    start = page * MOVE_PAGE
    rows = [[(label("btn_move_here" if index == choice.current else "btn_move_to", number=index + 1, clause=clause,
                    words=first_words(text)), b.FileMoveTo(choice.audit_id, choice.evidence_id, index).pack())]
            for index, (clause, text) in enumerate(choice.questions[start:start + MOVE_PAGE], start)]
    if pages > 1:
        nav = [(label("btn_page_back"), b.FileMove(choice.audit_id, choice.evidence_id, page - 1).pack()) if page else None,
               (label("btn_page", page=page + 1, pages=pages), b.FileMove(choice.audit_id, choice.evidence_id, page).pack()),
               (label("btn_page_next"), b.FileMove(choice.audit_id, choice.evidence_id, page + 1).pack())
               if page + 1 < pages else None]
        rows.append([button for button in nav if button is not None])
    rows.append([(label("btn_back_to_records"), b.Records(choice.audit_id, choice.current).pack())])
    return rows


def due_rows(context: AuditContext, audit_id: int, index: int, choices) -> list[list[tuple[str, str]]]:
    """Quick due dates: +30 / +60 / +90 days."""
    return [[(context.label("btn_due_in", days=days, due=due.isoformat()), b.DueSet(audit_id, index, due).pack())
             for days, due in choices]]


def assign_rows(context: AuditContext, a: SectionAssignment) -> list[list[tuple[str, str]]]:
    """A toggle per section (✅ theirs), then back to the team."""
    rows = [[(("✅ " if x["mine"] else "⬜ ") + x["title"] + (f" ({x['other']})" if x["other"] else ""),
              b.AssignSections(a.audit_id, a.person_id, x["index"]).pack())] for x in a.sections]
    rows.append([(context.label("btn_back_to_team"), b.Team(a.audit_id).pack())])
    return rows
