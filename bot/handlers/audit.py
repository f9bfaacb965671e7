"""The audit interview over Telegram: /audit, /resume, the cards and their buttons.

What happens when an auditor presses a result (Minor NC …): ``on_question`` here, and
``AuditService.record_result``. Each person's place (audit, question, what typed input is
awaited, which message is the live card) is kept in dialog_state, never in memory.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.handlers import media
from bot.handlers.audit_keyboards import (
    card_rows,
    closing_rows,
    question_rows,
    resume_rows,
    sections_rows,
    summary_rows,
    team_rows,
)
from bot.handlers.common import keyboard, reply, toast
from bot.handlers.dialog import MEDIA_HANDLERS, TEXT_HANDLERS, current_dialog
from bot.runtime import AuditContext
from bot.services.audit_service import CARDS, RESULTS, AuditError, AuditService
from storage.repos import dialogs

FLOW = "audit"
NEW_FLOW = "audit_new"
STAGE_CODES = {"p": "planning", "o": "opening"}
NAVIGATION = ("next", "skip", "back", "pause", "secs", "sum")
RESULT_CODES = {"c": "conform", "mi": "minor", "ma": "major", "ob": "observation", "of": "ofi", "g": "good",
                "na": "na"}
assert set(RESULT_CODES.values()) == set(RESULTS)


def service(context: AuditContext) -> AuditService:
    return context.rt.services["audit"]


# --- dialog state ---------------------------------------------------------------------------

async def _put_state(context: AuditContext, **values: Any) -> None:
    async with context.rt.db.transaction() as conn:
        await dialogs.put(conn, context.actor.id, at=context.rt.clock.now(), **values)


async def _show(update: Update, context: AuditContext, name: str, rows, *, audit_id: int,
                question: int | None = None, awaiting: str | None = None, flow: str = FLOW,
                data: dict | None = None, **values: Any) -> None:
    """Show a card: edit the pressed message in place, or send a new one at the bottom
    (removing the old card) when the person typed or sent something.

    The dialog state is saved before the card goes out, so a crash in between leaves at
    worst a stale message id, never a wrong question.
    """
    text = context.text(name, **values)
    markup = keyboard(rows)
    state = await current_dialog(context)
    old_id = state["message_id"] if state and state["flow"] in (FLOW, NEW_FLOW) else None
    await _put_state(context, flow=flow, audit_id=audit_id, question_id=None if question is None else str(question),
                     awaiting=awaiting, message_id=old_id, data=data)
    query = update.callback_query
    if query is not None and query.message is not None and query.message.message_id == old_id:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
    sent = await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    async with context.rt.db.transaction() as conn:
        await dialogs.set_message_id(conn, context.actor.id, sent.message_id)
    if old_id and old_id != sent.message_id:
        with contextlib.suppress(TelegramError):
            await context.bot.delete_message(update.effective_chat.id, old_id)


async def _explain(update: Update, context: AuditContext, error: AuditError) -> None:
    """Tell the person in one line why that did not work."""
    key = f"audit_error_{error.code}"
    if update.callback_query is not None:
        await toast(update, context, key, alert=error.code not in ("stale",))
    else:
        await reply(update, context, "audit_error", code=error.code)


def _is_current(state: dict | None, audit_id: int) -> bool:
    """Is this person working on ``audit_id`` right now (a card of it is their live one)?"""
    return state is not None and state["flow"] == FLOW and state["audit_id"] == audit_id


# --- starting -------------------------------------------------------------------------------

async def audit_command(update: Update, context: AuditContext) -> None:
    """/audit: pick a checklist."""
    if not context.actor.is_auditor:
        await reply(update, context, "not_allowed")
        return
    choices = service(context).checklist_choices(context.lang)
    rows = [[(f"{c['title']} ({c['questions']})", callbacks.pack("ac", c["id"]))] for c in choices]
    text = context.text("audit_choose_checklist")
    sent = await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard(rows))
    await _put_state(context, flow=NEW_FLOW, message_id=sent.message_id, data={})


async def on_checklist(update: Update, context: AuditContext) -> None:
    data = callbacks.unpack(update.callback_query.data)
    if not context.actor.is_auditor or data is None or len(data.args) != 1:
        await toast(update, context, "stale_button", alert=True)
        return
    checklist_id = data.args[0]
    if checklist_id not in service(context).checklists:
        await toast(update, context, "stale_button", alert=True)
        return
    await update.callback_query.answer()
    await _department_picker(update, context, checklist_id)


async def _department_picker(update: Update, context: AuditContext, checklist_id: str) -> None:
    departments = await service(context).department_choices()
    rows = [[(d["name"], callbacks.pack("ad", d["id"]))] for d in departments]
    rows.append([(context.label("audit_new_department"), callbacks.pack("adn"))])
    text = context.text("audit_choose_department", has_departments=bool(departments))
    query = update.callback_query
    try:
        await query.edit_message_text(text, reply_markup=keyboard(rows))
        message_id = query.message.message_id
    except BadRequest:
        message_id = (await context.bot.send_message(update.effective_chat.id, text,
                                                     reply_markup=keyboard(rows))).message_id
    await _put_state(context, flow=NEW_FLOW, message_id=message_id, data={"checklist": checklist_id})


async def on_department(update: Update, context: AuditContext) -> None:
    data = callbacks.unpack(update.callback_query.data)
    state = await current_dialog(context)
    checklist_id = state["data"].get("checklist") if state and state["flow"] == NEW_FLOW else None
    if data is None or checklist_id is None:
        await toast(update, context, "stale_button", alert=True)
        return
    if data.route == "adn":
        await update.callback_query.answer()
        await _put_state(context, flow=NEW_FLOW, awaiting="department", data=state["data"],
                         message_id=state["message_id"])
        await reply(update, context, "audit_department_ask")
        return
    try:
        department_id = data.int(0)
    except (ValueError, IndexError):
        await toast(update, context, "stale_button", alert=True)
        return
    await update.callback_query.answer()
    await _create(update, context, checklist_id, department_id)


async def _create(update: Update, context: AuditContext, checklist_id: str, department_id: int) -> None:
    try:
        audit_id = await service(context).create(context.actor, checklist_id, department_id,
                                                 plan_defaults=_plan_defaults(context))
    except AuditError as error:
        await _explain(update, context, error)
        return
    await show_stage(update, context, audit_id)


def _plan_defaults(context: AuditContext) -> dict[str, str]:
    return {name: context.label(f"plan_default_{name}") for name in ("objectives", "scope", "criteria")}


async def on_new_audit_text(update: Update, context: AuditContext, state: dict) -> None:
    """The name of a new department, typed while starting an audit."""
    checklist_id = state["data"].get("checklist")
    if state["awaiting"] != "department" or not checklist_id:
        await reply(update, context, "audit_use_buttons")
        return
    try:
        department_id = await service(context).department_id_for(update.message.text)
    except AuditError as error:
        await _explain(update, context, error)
        return
    await _create(update, context, checklist_id, department_id)


# --- the stage cards: plan, opening meeting, closing meeting ---------------------------------

async def show_stage(update: Update, context: AuditContext, audit_id: int, *, awaiting: str | None = None) -> None:
    """Whatever the audit needs next from this person: a card, or the question they are on."""
    try:
        view = await service(context).card(context.actor, audit_id)
        if view.status == "in_progress":
            await show_question(update, context, audit_id)
            return
        summary = await service(context).summary(context.actor, audit_id) if view.card == "closing" else None
    except AuditError as error:
        await _explain(update, context, error)
        return
    if view.card == "closing":
        rows = closing_rows(context, view, summary)
        await _show(update, context, "audit_closing_card", rows, audit_id=audit_id, awaiting=awaiting,
                    card=view, summary=summary, fields=CARDS["closing"])
    else:
        rows = card_rows(context, view)
        await _show(update, context, f"audit_{view.card}_card", rows, audit_id=audit_id, awaiting=awaiting,
                    card=view, fields=CARDS[view.card])


async def on_card_field(update: Update, context: AuditContext) -> None:
    """An ✏️ button: the next text typed fills that field."""
    parsed = await _parse_audit_button(update, context, 1)
    if parsed is None:
        return
    audit_id, (field_index,) = parsed
    try:
        view = await service(context).card(context.actor, audit_id)
        name = CARDS[view.card][field_index]
    except (AuditError, IndexError):
        await toast(update, context, "stale_button", alert=True)
        return
    state = await current_dialog(context)
    await update.callback_query.answer()
    await _put_state(context, flow=FLOW, audit_id=audit_id, awaiting=f"field:{view.card}:{name}",
                     message_id=state["message_id"])
    await reply(update, context, "audit_field_ask", field=name, current=view.values.get(name))


async def on_scope_toggle(update: Update, context: AuditContext) -> None:
    parsed = await _parse_audit_button(update, context, 0)
    if parsed is None:
        return
    try:
        await service(context).toggle_scope_confirmed(context.actor, parsed[0])
    except AuditError as error:
        await _explain(update, context, error)
        return
    await update.callback_query.answer()
    await show_stage(update, context, parsed[0])


async def on_confirm_stage(update: Update, context: AuditContext) -> None:
    parsed = await _parse_audit_button(update, context, 0, extra=1)
    if parsed is None:
        return
    audit_id, (stage_code,) = parsed
    stage = STAGE_CODES.get(stage_code)
    try:
        if stage is None:
            raise AuditError("stale")
        await service(context).advance_stage(context.actor, audit_id, stage)
    except AuditError as error:
        await _explain(update, context, error)
        return
    await update.callback_query.answer()
    await show_stage(update, context, audit_id)


async def on_team(update: Update, context: AuditContext) -> None:
    parsed = await _parse_audit_button(update, context, 0, extra=None)
    if parsed is None:
        return
    audit_id, args = parsed
    try:
        if args:
            member = await service(context).toggle_member(context.actor, audit_id, int(args[0]))
            await toast(update, context, "audit_team_added" if member else "audit_team_removed")
        else:
            await update.callback_query.answer()
        view, candidates = await service(context).team_choices(context.actor, audit_id)
    except (AuditError, ValueError) as error:
        await _explain(update, context, error if isinstance(error, AuditError) else AuditError("stale"))
        return
    await _show(update, context, "audit_team_card", team_rows(context, audit_id, candidates),
                audit_id=audit_id, card=view, candidates=candidates)


# --- questions --------------------------------------------------------------------------------

async def show_question(update: Update, context: AuditContext, audit_id: int, index: int | None = None) -> None:
    try:
        view = await service(context).question(context.actor, audit_id, index)
    except AuditError as error:
        await _explain(update, context, error)
        return
    await _show(update, context, "audit_question_card", question_rows(context, view), audit_id=audit_id,
                question=view.index, q=view)


async def on_question(update: Update, context: AuditContext) -> None:
    """Every button of a question card: a result, Next, Back, Skip, Pause, Sections, Summary."""
    parsed = await _parse_audit_button(update, context, 1, extra=1, check_access=False)
    if parsed is None:
        return
    audit_id, (index, action) = parsed
    if action not in RESULT_CODES and action not in NAVIGATION:
        await toast(update, context, "stale_button", alert=True)
        return
    svc = service(context)
    try:
        if await svc.current_index(context.actor, audit_id) != index:  # also checks the right to it
            await toast(update, context, "audit_error_stale_card", alert=True)
            return
        if action in RESULT_CODES:
            view, changed = await svc.record_result(context.actor, audit_id, index, RESULT_CODES[action])
            await toast(update, context, "audit_recorded" if changed else "audit_already_recorded",
                        result=context.label(f"result_{view.result}"))
            await _show(update, context, "audit_question_card", question_rows(context, view), audit_id=audit_id,
                        question=index, q=view)
            return
        await update.callback_query.answer()
        if action in ("next", "skip"):
            await _next_question(update, context, audit_id, index)
        elif action == "back":
            await show_question(update, context, audit_id, max(index - 1, 0))
        elif action == "pause":
            await _pause(update, context, audit_id, index)
        elif action == "secs":
            sections = await svc.sections(context.actor, audit_id)
            await _show(update, context, "audit_sections", sections_rows(context, audit_id, sections),
                        audit_id=audit_id, question=index, sections=sections)
        else:
            await show_summary(update, context, audit_id)
    except AuditError as error:
        await _explain(update, context, error)


async def _next_question(update: Update, context: AuditContext, audit_id: int, index: int) -> None:
    if index + 1 >= await service(context).question_count(context.actor, audit_id):
        await show_summary(update, context, audit_id)
    else:
        await show_question(update, context, audit_id, index + 1)


async def on_jump(update: Update, context: AuditContext) -> None:
    """Jump to question ``index`` (from the sections list or the summary)."""
    parsed = await _parse_audit_button(update, context, 1)
    if parsed is None:
        return
    audit_id, (index,) = parsed
    state = await current_dialog(context)
    if not _is_current(state, audit_id):
        await toast(update, context, "audit_error_stale_card", alert=True)
        return
    await update.callback_query.answer()
    try:
        await service(context).reopen_questions(context.actor, audit_id)
    except AuditError as error:
        await _explain(update, context, error)
        return
    await show_question(update, context, audit_id, index)


async def _pause(update: Update, context: AuditContext, audit_id: int, index: int) -> None:
    view = await service(context).question(context.actor, audit_id, index)
    await update.callback_query.edit_message_text(context.text("audit_paused", q=view))
    async with context.rt.db.transaction() as conn:
        await dialogs.clear(conn, context.actor.id)


async def on_audit_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed text: a card field, a due date, or a note on the open question."""
    audit_id = state["audit_id"]
    awaiting = state["awaiting"] or ""
    svc = service(context)
    text = update.message.text
    try:
        if awaiting.startswith("field:"):
            _, card, name = awaiting.split(":", 2)
            await svc.set_field(context.actor, audit_id, card, name, text)
            await show_stage(update, context, audit_id)
        elif awaiting.startswith("due:"):
            await svc.set_due_date(context.actor, audit_id, int(awaiting[4:]), text)
            await show_stage(update, context, audit_id)
        elif state["question_id"] is not None:
            index = await svc.current_index(context.actor, audit_id)
            view = await svc.add_note(context.actor, audit_id, index, text)
            await _show(update, context, "audit_question_card", question_rows(context, view), audit_id=audit_id,
                        question=view.index, q=view, saved="note")
        else:
            await reply(update, context, "audit_use_buttons")
    except AuditError as error:
        await _explain(update, context, error)


async def on_audit_media(update: Update, context: AuditContext, state: dict) -> None:
    """A photo, document or voice message: evidence for the open question."""
    if state["question_id"] is None:
        await reply(update, context, "audit_evidence_needs_question")
        return
    try:
        incoming = await media.download(update.message)
    except media.TooBig as too_big:
        await reply(update, context, "audit_file_too_big", size_mb=round((too_big.size or 0) / 1048576, 1))
        return
    if incoming is None:
        await reply(update, context, "unsupported_message")
        return
    try:
        index = await service(context).current_index(context.actor, state["audit_id"])
        view = await service(context).add_evidence(
            context.actor, state["audit_id"], index, kind=incoming.kind, data=incoming.data,
            file_name=incoming.file_name, mime_type=incoming.mime_type, caption=incoming.caption,
            telegram_file_id=incoming.telegram_file_id,
        )  # a caption stays with its photo (evidence.caption), it is no note
    except AuditError as error:
        await _explain(update, context, error)
        return
    await _show(update, context, "audit_question_card", question_rows(context, view), audit_id=state["audit_id"],
                question=view.index, q=view, saved=incoming.kind)


# --- summary, closing meeting, completion ---------------------------------------------------

async def show_summary(update: Update, context: AuditContext, audit_id: int) -> None:
    try:
        summary = await service(context).summary(context.actor, audit_id)
    except AuditError as error:
        await _explain(update, context, error)
        return
    await _show(update, context, "audit_summary", summary_rows(context, summary), audit_id=audit_id, s=summary)


async def on_summary_action(update: Update, context: AuditContext) -> None:
    """Summary and closing-card buttons: to closing, back to questions, due date, complete."""
    parsed = await _parse_audit_button(update, context, 0, extra=None)
    if parsed is None:
        return
    audit_id, args = parsed
    route = callbacks.unpack(update.callback_query.data).route
    state = await current_dialog(context)
    if not _is_current(state, audit_id):
        await toast(update, context, "audit_error_stale_card", alert=True)
        return
    svc = service(context)
    try:
        if route == "cl":
            await svc.advance_stage(context.actor, audit_id, "in_progress")
            await update.callback_query.answer()
            await show_stage(update, context, audit_id)
        elif route == "cb":
            await svc.reopen_questions(context.actor, audit_id)
            await update.callback_query.answer()
            await show_summary(update, context, audit_id)
        elif route == "dd" and len(args) == 1 and args[0].isdigit():
            await update.callback_query.answer()
            await _put_state(context, flow=FLOW, audit_id=audit_id, awaiting=f"due:{args[0]}",
                             message_id=state["message_id"])
            await reply(update, context, "audit_due_ask")
        elif route == "fin":
            await _complete(update, context, audit_id)
        else:
            raise AuditError("stale")
    except AuditError as error:
        await _explain(update, context, error)


async def _complete(update: Update, context: AuditContext, audit_id: int) -> None:
    try:
        done = await service(context).complete(context.actor, audit_id)
    except AuditError as error:
        if error.code != "cannot_complete":
            raise
        await update.callback_query.answer(context.label("audit_error_cannot_complete"), show_alert=True)
        await show_summary(update, context, audit_id)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.text("audit_completed", done=done))
    async with context.rt.db.transaction() as conn:
        await dialogs.clear(conn, context.actor.id)
    notify = context.application.bot_data.get("notify_new_actions")
    if notify is not None and done.capa_ids:
        await notify(context.application)


# --- resume ------------------------------------------------------------------------------------

async def resume_command(update: Update, context: AuditContext) -> None:
    """/resume: the person's unfinished audits; with just one, straight back into it."""
    if not context.actor.is_auditor:
        await reply(update, context, "not_allowed")
        return
    audits = await service(context).unfinished(context.actor)
    if not audits:
        await reply(update, context, "audit_nothing_to_resume")
    elif len(audits) == 1:
        await show_stage(update, context, audits[0]["id"])
    else:
        await reply(update, context, "audit_resume_list", audits=audits, rows=resume_rows(context, audits))


async def on_resume(update: Update, context: AuditContext) -> None:
    parsed = await _parse_audit_button(update, context, 0)
    if parsed is None:
        return
    await update.callback_query.answer()
    await show_stage(update, context, parsed[0])


# --- buttons ---------------------------------------------------------------------------------

async def _parse_audit_button(update: Update, context: AuditContext, ints: int,
                              extra: int | None = 0, *, check_access: bool = True) -> tuple[int, tuple] | None:
    """(audit id, args) of a button ``route|audit|int…|extra…``; answers stale buttons itself.

    ``ints`` arguments after the audit id must be numbers; ``extra`` more may follow
    (None: any number).
    """
    data = callbacks.unpack(update.callback_query.data)
    if not context.actor.is_auditor:
        await toast(update, context, "not_allowed", alert=True)
        return None
    try:
        if data is None:
            raise ValueError
        audit_id = data.int(0)
        numbers = tuple(data.int(i + 1) for i in range(ints))
        rest = data.args[1 + ints:]
        if extra is not None and len(rest) != extra:
            raise ValueError
    except (ValueError, IndexError):
        await toast(update, context, "stale_button", alert=True)
        return None
    if check_access:
        try:
            await service(context).ensure_access(context.actor, audit_id)
        except AuditError as error:
            await _explain(update, context, error)
            return None
    return audit_id, numbers + tuple(rest)


def command_handlers() -> list[BaseHandler]:
    return [CommandHandler("audit", audit_command), CommandHandler("resume", resume_command)]


def callback_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_checklist, pattern=callbacks.pattern("ac")),
        CallbackQueryHandler(on_department, pattern=callbacks.pattern("ad")),
        CallbackQueryHandler(on_department, pattern=callbacks.pattern("adn")),
        CallbackQueryHandler(on_card_field, pattern=callbacks.pattern("cf")),
        CallbackQueryHandler(on_scope_toggle, pattern=callbacks.pattern("cs")),
        CallbackQueryHandler(on_confirm_stage, pattern=callbacks.pattern("cc")),
        CallbackQueryHandler(on_team, pattern=callbacks.pattern("ct")),
        CallbackQueryHandler(on_question, pattern=callbacks.pattern("q")),
        CallbackQueryHandler(on_jump, pattern=callbacks.pattern("qj")),
        CallbackQueryHandler(on_summary_action, pattern=callbacks.pattern("cl")),
        CallbackQueryHandler(on_summary_action, pattern=callbacks.pattern("cb")),
        CallbackQueryHandler(on_summary_action, pattern=callbacks.pattern("dd")),
        CallbackQueryHandler(on_summary_action, pattern=callbacks.pattern("fin")),
        CallbackQueryHandler(on_resume, pattern=callbacks.pattern("rs")),
    ]


TEXT_HANDLERS[FLOW] = on_audit_text
TEXT_HANDLERS[NEW_FLOW] = on_new_audit_text
MEDIA_HANDLERS[FLOW] = on_audit_media
