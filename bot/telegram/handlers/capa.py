"""Corrective actions over Telegram: /capa, the staff's answer, the auditor's verification.

Each button names the action it is about; ``CapaService`` checks the presser's rights and
the action's state on every press, so a forwarded or old button does nothing it should not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler

from bot.domain.errors import ServiceError
from bot.domain.vocabulary import CapaStep, NoticeKind
from bot.services.capa_service import CapaError, CapaService, Step
from bot.telegram import buttons, media
from bot.telegram.chat_log import ChatLog
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.capa import step_rows
from bot.telegram.keyboards.notices import notice_rows
from bot.telegram.refusals import leads, on_press
from bot.telegram.replies import answer, edit_or_send, reply, toast


def service(context: AuditContext) -> CapaService:
    return context.rt.capa


def chat_log(context: AuditContext) -> ChatLog:
    return context.bot.chat_log


def _pressed_id(update: Update) -> int | None:
    query = update.callback_query
    return query.message.message_id if query is not None and query.message is not None else None


def _superseded(update: Update) -> bool:
    """A press on a message without buttons: a card whose buttons were taken off (a client
    may still show the old ones), or a forged press."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return False
    markup = query.message.reply_markup
    return markup is None or not markup.inline_keyboard


# --- showing --------------------------------------------------------------------------------

async def show_step(update: Update, context: AuditContext, step: Step, *, edit: bool = False,
                    problem: str | None = None) -> None:
    """The person's card at ``step``: the pressed message edited (``edit``), else the live card
    edited in place (typed answers, files), else a new card, which becomes the live one.

    A card with newer messages below it (a notice, another card, something typed) would
    change out of sight: the step then goes out at the bottom instead, and the card it
    replaces loses its buttons (its text stays).
    """
    rows = step_rows(step, service(context).today(), context.label)
    values = {"step": step.name, "capa": step.capa, "added": step.added, "problem": problem,
              "notice": step.notice}
    chat = update.effective_chat.id if update.effective_chat is not None else 0
    log = chat_log(context)
    pressed = _pressed_id(update)
    incoming = update.message.message_id if update.message is not None else None
    # A problem goes out as a new card next to what was typed (an edit could look like nothing happened).
    live = step.card if problem is None else None
    asked_edit = edit
    if live is not None and log.followed(chat, live, incoming=incoming):
        live = None
    if edit and pressed is not None and log.followed(chat, pressed):
        edit = False
    sent = await edit_or_send(update, context, "capa_step", rows=rows, live=live, edit=edit, **values)
    if sent is None:
        if live is not None and incoming is not None:
            log.answered(chat, live, incoming)
        return
    replaced = {step.card, pressed if asked_edit else None}  # shown anew: those cards are out of date
    if not CapaStep(step.name).ends_dialog:
        replaced.add(await service(context).card_sent(context.actor, step.capa.id, sent.message_id))
    for old in replaced - {None, sent.message_id}:
        await _take_buttons_off(context, chat, old)


async def _take_buttons_off(context: AuditContext, chat_id: int, message_id: int) -> None:
    """A card replaced by a newer one keeps its text, not its buttons."""
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)


async def _explain_step(update: Update, context: AuditContext, error: ServiceError, *, edit: bool) -> bool:
    """A refusal that knows where the person still is: show that step with the problem."""
    if not isinstance(error, CapaError) or (error.step is None and update.callback_query is not None):
        return False
    if update.callback_query is not None:
        await answer(update, context, context.label(error.label_key), alert=False)
        await show_step(update, context, error.step, edit=edit)
    elif error.step is not None:
        await show_step(update, context, error.step, problem=error.code)
    elif error.code == "no_dialog":
        await reply(update, context, "no_dialog")
    else:
        await reply(update, context, "capa_problem", problem=error.code)
    return True


async def explain_editing(update: Update, context: AuditContext, error: ServiceError) -> bool:
    return await _explain_step(update, context, error, edit=True)


async def explain_sending(update: Update, context: AuditContext, error: ServiceError) -> bool:
    return await _explain_step(update, context, error, edit=False)


Call = Callable[[CapaService, AuditContext, Any], Awaitable[Step]]



def _route(button: type[buttons.Button], call: Call, *, edit: bool = True,
           who: Callable[[Any], bool] | None = None) -> BaseHandler:
    """A button about one action: call the service, show the step it leads to (whoever is to
    be told of it hears as the service's transaction commits: storage/wake.py)."""

    async def pressed(update: Update, context: AuditContext, button: Any) -> None:
        capa_id = getattr(button, "capa", None)
        if capa_id is not None and _superseded(update):
            fresh = await service(context).fresh_card(context.actor, capa_id, _pressed_id(update))
            if fresh is not None:  # nothing done: the current card, at the bottom
                await toast(update, context, "capa_card_superseded")
                await show_step(update, context, fresh)
                return
        step = await call(service(context), context, button)
        await update.callback_query.answer()
        await show_step(update, context, step, edit=edit)

    return on_press(button, pressed, who=who, explain_as=explain_editing if edit else explain_sending)


# --- /capa ----------------------------------------------------------------------------------

async def capa_command(update: Update, context: AuditContext) -> None:
    """/capa: my department's open actions, and (auditors, leads) those waiting for verification."""
    lists = await service(context).lists(context.actor)
    rows = [[(context.label("capa_item", number=item["number"], about=_few_words(item["statement"]),
                            state=context.label(f"capa_state_{item['state']}"), due=item["due_date"].isoformat()),
              route(item["id"]).pack())]
            for route, items in ((buttons.CapaOpen, lists.answer), (buttons.CapaView, lists.verify))
            for item in items]
    rows += [[(context.label("capa_btn_department", department=d["department"][:30], open=d["open"],
                             overdue=d["overdue"]), buttons.LeadDepartment(d["department_id"]).pack())]
             for d in lists.departments]  # a lead: every open action, by department
    await reply(update, context, "capa_list", rows=rows, lists=lists)


# --- buttons --------------------------------------------------------------------------------

async def on_evidence(update: Update, context: AuditContext, button: buttons.CapaEvidence) -> None:
    """Send the implementation evidence files to whoever may see them."""
    files = await service(context).evidence_files(context.actor, button.capa)
    if not files:
        raise CapaError("no_evidence")
    await update.callback_query.answer()
    chat_id = update.effective_chat.id
    for row in files:
        source = await media.media_source(context.rt.files, row)
        caption = row["caption"] or None
        if row["kind"] == "photo":
            await context.bot.send_photo(chat_id, source, caption=caption, parse_mode=None)
        elif row["kind"] == "voice":
            await context.bot.send_voice(chat_id, source, caption=caption, parse_mode=None)
        else:
            await context.bot.send_document(chat_id, source, caption=caption, parse_mode=None,
                                            filename=row["file_name"] or None)


async def on_acknowledge(update: Update, context: AuditContext, button: buttons.AcknowledgeFindings) -> None:
    """The closing meeting's findings, acknowledged by the department's contact."""
    values = await service(context).acknowledge_findings(context.actor, button.audit, button.rev)
    await update.callback_query.answer()
    # an older revision's button: the current revision's findings, with its own ✅
    await edit_or_send(update, context, "audit_findings", rows=notice_rows(NoticeKind.audit_findings, values,
                                                                           context.label), **values)


# --- typed text and files -----------------------------------------------------------------

async def on_capa_text(update: Update, context: AuditContext, state: dict) -> None:
    step = await service(context).answer(context.actor, update.message.text)
    await show_step(update, context, step)


async def on_capa_media(update: Update, context: AuditContext, state: dict) -> None:
    incoming = await media.download(update.message)
    if incoming is None:
        await reply(update, context, "unsupported_message")
        return
    step = await service(context).add_file(
        context.actor, kind=incoming.kind, data=incoming.data, file_name=incoming.file_name,
        mime_type=incoming.mime_type, telegram_file_id=incoming.telegram_file_id, caption=incoming.caption,
    )
    await show_step(update, context, step)


def _few_words(text: str, limit: int = 18) -> str:
    """The start of a finding's statement, for a button."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def callback_handlers() -> list[BaseHandler]:
    b = buttons
    return [
        _route(b.CapaOpen, lambda s, c, p: s.open(c.actor, p.capa), edit=False),
        _route(b.CapaView, lambda s, c, p: s.verify_card(c.actor, p.capa), edit=False),
        _route(b.CapaWhyAgain, lambda s, c, p: s.why_again(c.actor, p.capa)),
        _route(b.CapaWhysDone, lambda s, c, p: s.whys_done(c.actor, p.capa)),
        _route(b.CapaNotElsewhere, lambda s, c, p: s.give(c.actor, p.capa, "elsewhere",
                                                                      c.label("capa_not_elsewhere_text"))),
        _route(b.CapaTarget, lambda s, c, p: s.set_target(c.actor, p.capa, p.day)),
        _route(b.CapaConfirm, lambda s, c, p: s.confirm(c.actor, p.capa)),
        _route(b.CapaStartOver, lambda s, c, p: s.start_over(c.actor, p.capa)),
        _route(b.CapaKeepReturned, lambda s, c, p: s.keep_returned(c.actor, p.capa, p.step)),
        _route(b.CapaImplement, lambda s, c, p: s.implement(c.actor, p.capa)),
        _route(b.CapaSubmit, lambda s, c, p: s.submit(c.actor, p.capa)),
        _route(b.CapaAccept, lambda s, c, p: s.ask_verdict(c.actor, p.capa, accept=True), edit=False),
        _route(b.CapaReject, lambda s, c, p: s.ask_verdict(c.actor, p.capa, accept=False), edit=False),
        _route(b.CapaPlanAccept, lambda s, c, p: s.accept_plan(c.actor, p.capa, p.round)),
        _route(b.CapaPlanReturn, lambda s, c, p: s.ask_return(c.actor, p.capa, p.step, p.round), edit=False),
        _route(b.CapaExtend, lambda s, c, p: s.ask_extension(c.actor, p.capa)),
        _route(b.CapaExtendBack, lambda s, c, p: s.leave_extension(c.actor, p.capa)),
        _route(b.CapaExtendDate, lambda s, c, p: s.extension_date(c.actor, p.capa, p.day)),
        _route(b.CapaExtension, lambda s, c, p: s.decide_extension(c.actor, p.extension, bool(p.grant))),
        _route(b.CapaReassign, lambda s, c, p: s.reassign_choices(
            c.actor, p.capa, "department" if p.what == "d" else "auditor"), who=leads),
        _route(b.CapaMoveTo, lambda s, c, p: s.reassign_department(c.actor, p.capa, p.department), who=leads),
        _route(b.CapaVerifier, lambda s, c, p: s.reassign_auditor(c.actor, p.capa, p.person), who=leads),
        on_press(b.CapaEvidence, on_evidence, explain_as=explain_sending),
        on_press(b.AcknowledgeFindings, on_acknowledge),
    ]
