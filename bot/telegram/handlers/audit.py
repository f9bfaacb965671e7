"""The audit interview over Telegram: /audit, /resume, the cards and their buttons.

What happens when an auditor presses a result (Minor NC …): ``on_question`` here, and
``AuditService.record_result``. Each handler makes one service call and shows its result
(a file: where it goes is checked before it is downloaded, then it is stored); the service
keeps the person's place and dialog in the database, never in memory. A refusal is a
``ServiceError`` the wrapper of bot/telegram/common.py explains.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot.domain.errors import NotAllowed, ServiceError
from bot.domain.vocabulary import AuditStatus
from bot.services.audit_service import (
    CARDS,
    AuditError,
    AuditService,
    CardView,
    QuestionView,
    SummaryView,
)
from bot.services.conclusions import ConclusionError
from bot.services.people_service import Actor
from bot.telegram import buttons, media
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.audit import (
    assign_rows,
    card_rows,
    closing_rows,
    complete_rows,
    completed_rows,
    due_rows,
    file_move_rows,
    paused_rows,
    question_rows,
    records_rows,
    resume_rows,
    sections_rows,
    summary_rows,
    team_rows,
)
from bot.telegram.keyboards.common import back_rows, confirm_rows
from bot.telegram.refusals import auditors, explain, leads, on_press
from bot.telegram.replies import Rows, edit_or_send, reply, toast


def service(context: AuditContext) -> AuditService:
    return context.rt.audit


def _pressed_id(update: Update) -> int | None:
    query = update.callback_query
    return query.message.message_id if query is not None and query.message is not None else None


async def _show(update: Update, context: AuditContext, name: str, rows: Rows, *, audit_id: int,
                one_live: bool = False, **values: Any) -> None:
    """Show a card: edit the pressed message in place, or send a new one at the bottom
    (removing the old card) when the person typed or sent something. A stage card
    (``one_live``) edited into a pressed prompt (a due date chosen) is the live card from
    then on: the earlier one loses its buttons, so one card of the audit answers presses."""
    sent = await edit_or_send(update, context, name, rows=rows, **values)
    pressed = _pressed_id(update)
    if sent is None:
        if one_live and pressed is not None:
            old = await service(context).card_shown(context.actor, audit_id, pressed)
            if old:
                with contextlib.suppress(TelegramError):
                    await context.bot.edit_message_reply_markup(update.effective_chat.id, old, reply_markup=None)
        return
    old_id = await service(context).card_sent(context.actor, audit_id, sent.message_id)
    if old_id:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(update.effective_chat.id, old_id)


async def show(update: Update, context: AuditContext, view: CardView | QuestionView | SummaryView,
               **values: Any) -> None:
    """Any view of the interview as its card."""
    if isinstance(view, QuestionView):
        await _show(update, context, "audit_question_card", question_rows(context, view), audit_id=view.audit_id,
                    q=view, **values)
    elif isinstance(view, SummaryView):
        await _show(update, context, "audit_summary", summary_rows(context, view), audit_id=view.audit_id, s=view)
    elif view.card == "closing":
        await _show(update, context, "audit_closing_card", closing_rows(context, view, view.summary),
                    audit_id=view.audit_id, one_live=True, card=view, summary=view.summary, fields=CARDS["closing"])
    else:
        await _show(update, context, f"audit_{view.card}_card", card_rows(context, view), audit_id=view.audit_id,
                    one_live=True, card=view, fields=CARDS[view.card])


async def _explain_completion(update: Update, context: AuditContext, error: ServiceError) -> bool:
    """Completion refused for missing statements or evidence: say so, and show the summary; for
    its conclusion (none yet, or written meanwhile): say so, and show the completion card with
    the way out (the suggested conclusion in one tap, ✍️ one's own)."""
    if isinstance(error, ConclusionError):
        await explain(update, context, error)
        await edit_or_send(update, context, "audit_complete_confirm", p=error.details["preview"],
                           rows=complete_rows(context, error.details["preview"]))
        return True
    if not isinstance(error, AuditError) or error.code != "cannot_complete":
        return False
    await explain(update, context, error)
    data = update.callback_query.data
    button = (buttons.Complete.parse(data) or buttons.CompleteConfirmed.parse(data)
              or buttons.CompleteSuggested.parse(data))
    await show(update, context, await service(context).summary(context.actor, button.audit))
    return True


def plan_defaults(context: AuditContext) -> dict[str, str]:
    return {name: context.label(f"plan_default_{name}") for name in ("objectives", "scope", "criteria")}


# --- starting -------------------------------------------------------------------------------

async def audit_command(update: Update, context: AuditContext) -> None:
    """/audit: pick a checklist."""
    if not context.actor.is_auditor:
        raise NotAllowed()
    offer = await service(context).begin(context.actor)
    rows = [[(context.label("audit_btn_planned", department=p["department"][:30], window=p["window_start"][:7]),
              buttons.ProgrammeStart(p["id"]).pack())] for p in offer.planned]
    rows += [[(f"{c['title']} ({c['questions']})", buttons.ChooseChecklist(c["id"]).pack())] for c in offer.checklists]
    await reply(update, context, "audit_choose_checklist", rows=rows, planned=bool(offer.planned))


async def on_checklist(update: Update, context: AuditContext, button: buttons.ChooseChecklist) -> None:
    departments = await service(context).choose_checklist(context.actor, button.checklist,
                                                          message_id=_pressed_id(update))
    await update.callback_query.answer()
    rows = [[(d["name"], buttons.ChooseDepartment(d["id"]).pack()),
             *([(context.label("carry_btn_like_last_time", number=d["previous"]),
                 buttons.LikeLastTime(d["id"]).pack())] if d.get("previous") else [])] for d in departments]
    rows.append([(context.label("audit_new_department"), buttons.NewDepartment().pack())])
    await edit_or_send(update, context, "audit_choose_department", rows=rows, has_departments=bool(departments),
                       like_last_time=any(d.get("previous") for d in departments))


async def on_new_department(update: Update, context: AuditContext, button: buttons.NewDepartment) -> None:
    await service(context).ask_new_department(context.actor)
    await update.callback_query.answer()
    await reply(update, context, "audit_department_ask", rows=back_rows(context.label))


async def on_department(update: Update, context: AuditContext, button: buttons.ChooseDepartment) -> None:
    view = await service(context).create_for(context.actor, button.department, plan_defaults=plan_defaults(context))
    await update.callback_query.answer()
    await show(update, context, view)


async def on_new_audit_text(update: Update, context: AuditContext, state: dict) -> None:
    """The name of a new department, typed while starting an audit."""
    view = await service(context).new_department_typed(context.actor, update.message.text,
                                                        plan_defaults=plan_defaults(context))
    await show(update, context, view)


# --- the stage cards: plan, opening meeting, closing meeting ---------------------------------

async def on_card_field(update: Update, context: AuditContext, button: buttons.CardField) -> None:
    """An ✏️ button: the next text typed fills that field."""
    name, current = await service(context).ask_field(context.actor, button.audit, button.field)
    await update.callback_query.answer()
    await reply(update, context, "audit_field_ask", field=name, current=current, rows=back_rows(context.label))






async def on_team(update: Update, context: AuditContext, button: buttons.Team) -> None:
    view, candidates, member = await service(context).team(context.actor, button.audit, button.person)
    if member is None:
        await update.callback_query.answer()
    else:
        await toast(update, context, "audit_team_added" if member else "audit_team_removed")
    await _show(update, context, "audit_team_card", team_rows(context, button.audit, candidates),
                audit_id=button.audit, card=view, candidates=candidates)


async def on_assign_sections(update: Update, context: AuditContext, button: buttons.AssignSections) -> None:
    """📑 Sections of a co-auditor: their /resume starts at the section assigned."""
    view = await service(context).assignments(context.actor, button.audit, button.person, button.section)
    await update.callback_query.answer()
    await _show(update, context, "audit_assign_sections", assign_rows(context, view), audit_id=button.audit, a=view)


# --- questions --------------------------------------------------------------------------------

async def on_question(update: Update, context: AuditContext, button: buttons.Question) -> None:
    """Every button of a question card: a result, Next, Back, Skip, Pause, Sections, Summary."""
    svc, actor, card = service(context), context.actor, _pressed_id(update)
    if button.result is not None:
        done = await svc.record_result(actor, button.audit, button.index, button.result, message_id=card)
        result = context.label(f"result_{done.result}")
        if done.replaced is not None:
            await toast(update, context, "audit_replaced", result=result,
                        before=context.label(f"result_{done.replaced[0]}"), name=done.replaced[1])
        elif done.moved_on:  # one tap: recorded, and the next question is shown
            await toast(update, context, "audit_recorded_moved" if done.changed else "audit_already_recorded_moved",
                        result=result, number=done.index + 1)
        else:
            await toast(update, context, "audit_recorded" if done.changed else "audit_already_recorded",
                        result=result)
        await show(update, context, done.view)
        return
    move = button.move
    if move is buttons.Move.pause:
        view = await svc.pause(actor, button.audit, button.index)
        await update.callback_query.answer()
        await edit_or_send(update, context, "audit_paused", rows=paused_rows(context, view), q=view)
        return
    if move is buttons.Move.sections:
        sections = await svc.sections(actor, button.audit, button.index)
        await update.callback_query.answer()
        await _show(update, context, "audit_sections", sections_rows(context, sections), audit_id=button.audit,
                    sections=sections.sections)
        return
    if move is buttons.Move.summary:
        view = await svc.summary(actor, button.audit, button.index, message_id=card)
    else:
        step = -1 if move is buttons.Move.back else 1
        view = await svc.move(actor, button.audit, button.index, step, message_id=card)
    await update.callback_query.answer()
    await show(update, context, view)




async def on_records(update: Update, context: AuditContext, button: buttons.Records) -> None:
    """🗂 Notes & files of a question: each to edit, delete or move."""
    view = await service(context).records(context.actor, button.audit, button.index)
    await update.callback_query.answer()
    await _show(update, context, "audit_records", records_rows(context, view), audit_id=button.audit, r=view)


async def on_note_edit(update: Update, context: AuditContext, button: buttons.NoteEdit) -> None:
    current = await service(context).ask_note_edit(context.actor, button.audit, button.note)
    await update.callback_query.answer()
    await reply(update, context, "audit_note_edit_ask", current=current, rows=back_rows(context.label))


async def on_note_delete(update: Update, context: AuditContext, button: buttons.NoteDelete) -> None:
    view = await service(context).delete_note(context.actor, button.audit, button.note)
    await toast(update, context, "audit_note_deleted")
    await _show(update, context, "audit_records", records_rows(context, view), audit_id=button.audit, r=view)


async def on_file_delete(update: Update, context: AuditContext, button: buttons.FileDelete) -> None:
    view = await service(context).delete_file(context.actor, button.audit, button.file)
    await toast(update, context, "audit_file_deleted")
    await _show(update, context, "audit_records", records_rows(context, view), audit_id=button.audit, r=view)


async def on_file_move(update: Update, context: AuditContext, button: buttons.FileMove) -> None:
    """↪ on a file: the questions as buttons (a typed number works too)."""
    choice = await service(context).ask_file_move(context.actor, button.audit, button.file)
    await update.callback_query.answer()
    await _show(update, context, "audit_file_move_ask", file_move_rows(context, choice, button.page),
                audit_id=button.audit, current=choice.current + 1, total=len(choice.questions))


async def on_file_move_to(update: Update, context: AuditContext, button: buttons.FileMoveTo) -> None:
    view = await service(context).move_file_to(context.actor, button.audit, button.file, button.index)
    await toast(update, context, "audit_file_moved_to", number=button.index + 1)
    await _show(update, context, "audit_records", records_rows(context, view), audit_id=button.audit, r=view)




async def on_audit_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed text: a card field, a due date, or a note on the open question."""
    view, saved = await service(context).typed(context.actor, update.message.text)
    await show(update, context, view, saved=saved)


async def on_audit_media(update: Update, context: AuditContext, state: dict) -> None:
    """A photo, document or voice message: evidence for the open question."""
    audit_id, index = await service(context).evidence_here(context.actor)
    incoming = await media.download(update.message)
    if incoming is None:
        await reply(update, context, "unsupported_message")
        return
    view = await service(context).add_evidence(
        context.actor, audit_id, index, kind=incoming.kind, data=incoming.data,
        file_name=incoming.file_name, mime_type=incoming.mime_type, caption=incoming.caption,
        telegram_file_id=incoming.telegram_file_id,
    )  # a caption stays with its photo (evidence.caption), it is no note
    await show(update, context, view, saved=incoming.kind)


# --- summary, closing meeting, completion ---------------------------------------------------





async def on_due_date(update: Update, context: AuditContext, button: buttons.DueDate) -> None:
    choices = await service(context).ask_due(context.actor, button.audit, button.index)
    await update.callback_query.answer()
    await reply(update, context, "audit_due_ask",
                rows=due_rows(context, button.audit, button.index, choices) + back_rows(context.label))






async def on_complete(update: Update, context: AuditContext, button: buttons.Complete) -> None:
    """✅ Complete: say what will happen, and ask."""
    preview = await service(context).completion_preview(context.actor, button.audit)
    await update.callback_query.answer()
    await edit_or_send(update, context, "audit_complete_confirm", rows=complete_rows(context, preview), p=preview)


async def on_complete_confirmed(update: Update, context: AuditContext,
                                button: buttons.CompleteConfirmed | buttons.CompleteSuggested) -> None:
    """Yes, complete (or: use the suggested conclusion, and complete)."""
    mark = button.mark if isinstance(button, buttons.CompleteSuggested) else None
    done = await service(context).complete(context.actor, button.audit, suggestion=mark)  # its commit sends the notices
    await update.callback_query.answer()
    await edit_or_send(update, context, "audit_completed", rows=completed_rows(context, done), done=done)


async def on_discard(update: Update, context: AuditContext, button: buttons.Discard) -> None:
    """🗑 Discard: ask first."""
    view = await service(context).discard_preview(context.actor, button.audit)
    await update.callback_query.answer()
    # "◀ Keep it" goes back where the question came from: the plan card, or the summary
    keep = buttons.Resume(button.audit) if view.status == AuditStatus.planning else buttons.SummaryPage(button.audit, 0)
    rows = confirm_rows(context.label, ("btn_discard_confirm", buttons.DiscardConfirmed(button.audit)),
                        ("btn_discard_keep", keep))
    await edit_or_send(update, context, "audit_discard_confirm", rows=rows, d=view)


async def on_discard_confirmed(update: Update, context: AuditContext, button: buttons.DiscardConfirmed) -> None:
    view = await service(context).discard(context.actor, button.audit)
    await update.callback_query.answer()
    rows = [[(context.label("btn_menu"), buttons.Menu("main").pack())]]
    await edit_or_send(update, context, "audit_discarded", rows=rows, d=view)


async def reopen_command(update: Update, context: AuditContext) -> None:
    """/reopen A-2026-001 <reason>: a lead reopens a completed audit for revision; the summary."""
    if not context.actor.is_lead:
        raise NotAllowed()
    args = context.args or []
    if not args:  # the completed audits, one tap each; the reason is asked next
        completed = await service(context).reopenable(context.actor)
        rows = [[(context.label("btn_reopen_audit", number=a["number"], department=a["department"][:30]),
                  buttons.Reopen(a["id"]).pack())] for a in completed]
        await reply(update, context, "audit_reopen_usage", rows=rows,
                    example=completed[0]["number"] if completed else None)
        return
    view = await service(context).reopen(context.actor, args[0], " ".join(args[1:]))
    await reply(update, context, "audit_reopened", s=view)
    await show(update, context, view)


async def on_reopen(update: Update, context: AuditContext, button: buttons.Reopen) -> None:
    """🔓 Reopen (the /reopen list, /report, the completion notice): ask for the reason."""
    audit = await service(context).ask_reopen_reason(context.actor, button.audit)
    await update.callback_query.answer()
    await reply(update, context, "audit_reopen_reason_ask", audit=audit,
                rows=back_rows(context.label))


async def on_reopen_reason(update: Update, context: AuditContext, state: dict) -> None:
    """The reason typed after 🔓 Reopen."""
    view = await service(context).reopen_typed(context.actor, update.message.text)
    await reply(update, context, "audit_reopened", s=view)
    await show(update, context, view)


# --- resume ------------------------------------------------------------------------------------

async def resume_command(update: Update, context: AuditContext) -> None:
    """/resume: the person's unfinished audits; with just one, straight back into it."""
    if not context.actor.is_auditor:
        raise NotAllowed()
    audits = await service(context).unfinished(context.actor)
    if not audits:
        await reply(update, context, "audit_nothing_to_resume")
    elif len(audits) == 1:
        await show(update, context, await service(context).resume(context.actor, audits[0]["id"]))
    else:
        await reply(update, context, "audit_resume_list", audits=audits, rows=resume_rows(context, audits))


View = CardView | QuestionView | SummaryView
ShowCall = Callable[[AuditService, Actor, Any, int | None], Awaitable[View]]


def _card_route(button: type[buttons.Button], call: ShowCall) -> BaseHandler:
    """A press that asks the service for a view and shows it as the card: ``call`` gets the
    service, the actor, the typed button and the pressed card's message id."""

    async def pressed(update: Update, context: AuditContext, button: Any) -> None:
        view = await call(service(context), context.actor, button, _pressed_id(update))
        await update.callback_query.answer()
        await show(update, context, view)

    return on_press(button, pressed, who=auditors)


# Presses whose whole work is one service call and the card it returns.
CARD_ROUTES: dict[type[buttons.Button], ShowCall] = {
    buttons.ScopeToggle: lambda s, a, p, m: s.toggle_scope_confirmed(a, p.audit),
    buttons.ConfirmStage: lambda s, a, p, m: s.advance_stage(a, p.audit, p.status),
    buttons.ToClosing: lambda s, a, p, m: s.advance_stage(a, p.audit, "in_progress"),
    buttons.BackToQuestions: lambda s, a, p, m: s.reopen_questions(a, p.audit),
    buttons.DueSet: lambda s, a, p, m: s.set_due_date(a, p.audit, p.index, p.day),
    buttons.EditPlan: lambda s, a, p, m: s.plan_card(a, p.audit),
    buttons.SummaryPage: lambda s, a, p, m: s.summary(a, p.audit, page=p.page, message_id=m),
    buttons.Jump: lambda s, a, p, m: s.jump(a, p.audit, p.index, message_id=m),
    buttons.Resume: lambda s, a, p, m: s.resume(a, p.audit, message_id=m),
}


def callback_handlers() -> list[BaseHandler]:
    """Every audit button is an auditor's (or a lead's)."""
    b = buttons
    routes = {
        b.ChooseChecklist: on_checklist, b.ChooseDepartment: on_department, b.NewDepartment: on_new_department,
        b.CardField: on_card_field,
        b.Team: on_team, b.Question: on_question,
        b.Discard: on_discard, b.DiscardConfirmed: on_discard_confirmed, b.AssignSections: on_assign_sections,
        b.Records: on_records, b.NoteEdit: on_note_edit, b.NoteDelete: on_note_delete,
        b.FileDelete: on_file_delete, b.FileMove: on_file_move, b.FileMoveTo: on_file_move_to, b.DueDate: on_due_date,
    }
    return [*(on_press(button, handler, who=auditors) for button, handler in routes.items()),
            on_press(b.Reopen, on_reopen, who=leads),
            *(_card_route(button, call) for button, call in CARD_ROUTES.items()),
            on_press(b.Complete, on_complete, who=auditors, explain_as=_explain_completion),
            on_press(b.CompleteConfirmed, on_complete_confirmed, who=auditors, explain_as=_explain_completion),
            on_press(b.CompleteSuggested, on_complete_confirmed, who=auditors, explain_as=_explain_completion)]
