"""Corrective actions over Telegram: /capa, the staff's answer, the auditor's verification.

Each button names the action it is about; ``CapaService`` checks the presser's rights and
the action's state on every press, so a forwarded or old button does nothing it should not.
"""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.handlers import media
from bot.handlers.common import Rows, edit_or_send, reply, toast
from bot.handlers.dialog import MEDIA_HANDLERS, TEXT_HANDLERS
from bot.runtime import AuditContext
from bot.scheduler import kick
from bot.services.capa_service import FLOW, CapaError, CapaService, Step
from bot.services.people_service import Actor
from storage.files import FileStore

Label = Callable[..., str]


def service(context: AuditContext) -> CapaService:
    return context.rt.services["capa"]


# --- keyboards (shared with the outbox sender) -------------------------------------------------

def respond_rows(capa: dict, label: Label) -> Rows:
    return [[(label("capa_btn_respond"), callbacks.pack("cpr", capa["id"]))]]


def verify_rows(capa: dict, label: Label) -> Rows:
    rows: list[list[tuple[str, str]]] = []
    if capa["evidence_count"]:
        rows.append([(label("capa_btn_evidence", n=capa["evidence_count"]), callbacks.pack("cpf", capa["id"]))])
    if capa["state"] == "implemented":
        rows.append([(label("capa_btn_accept"), callbacks.pack("cpa", capa["id"])),
                     (label("capa_btn_reject"), callbacks.pack("cpj", capa["id"]))])
    return rows


def notice_rows(kind: str, values: dict[str, Any], label: Label) -> Rows:
    """The buttons under a queued message of ``kind``."""
    capa = values.get("capa")
    if capa is None:
        return []
    if kind in ("capa_new", "capa_reminder", "capa_rejected"):
        return respond_rows(capa, label)
    if kind == "capa_implemented":
        return verify_rows(capa, label)
    if kind in ("capa_planned", "capa_escalation"):
        return [[(label("capa_btn_view"), callbacks.pack("cpv", capa["id"]))]]
    return []


def target_choices(today: date, due: date) -> list[tuple[str, date]]:
    """(label key, date) of the quick target dates: in two weeks, in a month, the due date."""
    choices = [("capa_btn_target_2w", today + timedelta(days=14)), ("capa_btn_target_1m", _add_month(today))]
    if due >= today:
        choices.append(("capa_btn_target_due", due))
    seen: set[date] = set()
    return [(key, day) for key, day in choices if not (day in seen or seen.add(day))]


def step_rows(step: Step, today: date, label: Label) -> Rows:
    capa_id = step.capa["id"]
    if step.name == "why_more":
        return [[(label("capa_btn_why_again"), callbacks.pack("cpw", capa_id)),
                 (label("capa_btn_why_done"), callbacks.pack("cpn", capa_id))]]
    if step.name == "elsewhere":
        return [[(label("capa_btn_not_elsewhere"), callbacks.pack("cpe", capa_id))]]
    if step.name == "target":
        return [[(label(key, date=day.isoformat()), callbacks.pack("cpt", capa_id, day.isoformat()))]
                for key, day in target_choices(today, step.capa["due_date"])]
    if step.name == "confirm":
        return [[(label("capa_btn_confirm"), callbacks.pack("cpc", capa_id)),
                 (label("capa_btn_start_over"), callbacks.pack("cps", capa_id))]]
    if step.name == "planned":
        return [[(label("capa_btn_implemented"), callbacks.pack("cpi", capa_id))]]
    if step.name == "evidence":
        return [[(label("capa_btn_submit"), callbacks.pack("cpd", capa_id))]]
    if step.name == "verify":
        return verify_rows(step.capa, label)
    return []


# --- showing --------------------------------------------------------------------------------

async def show_step(update: Update, context: AuditContext, step: Step, *, edit: bool = False,
                    problem: str | None = None) -> None:
    rows = step_rows(step, service(context).today(), context.label)
    send = edit_or_send if edit else reply
    await send(update, context, "capa_step", rows=rows, step=step.name, capa=step.capa, added=step.added,
               problem=problem)


async def explain(update: Update, context: AuditContext, error: CapaError, *, edit: bool = False) -> None:
    """Tell the person in one line why nothing happened, and where they still are."""
    if error.code in ("closed", "not_allowed", "not_found") and update.callback_query is None:
        await service(context).leave(context.actor)
    if update.callback_query is not None:
        await toast(update, context, f"capa_err_{error.code}", alert=error.step is None)
        if error.step is not None:
            await show_step(update, context, error.step, edit=edit)
        return
    if error.step is not None:
        await show_step(update, context, error.step, problem=error.code)
    elif error.code == "no_dialog":
        await reply(update, context, "no_dialog")
    else:
        await reply(update, context, "capa_problem", problem=error.code)


async def _press(update: Update, context: AuditContext, call: Callable[[CapaService, Actor, int], Awaitable[Step]],
                 *, edit: bool = True, notify: bool = False) -> None:
    """A button about one action: parse it, call the service, show the result."""
    data = callbacks.unpack(update.callback_query.data)
    try:
        capa_id = data.int(0)
    except (ValueError, IndexError, AttributeError):
        await toast(update, context, "stale_button", alert=True)
        return
    try:
        step = await call(service(context), context.actor, capa_id)
    except CapaError as error:
        await explain(update, context, error, edit=edit)
        return
    await update.callback_query.answer()
    await show_step(update, context, step, edit=edit)
    if notify:
        kick(context.application)


# --- /capa ----------------------------------------------------------------------------------

async def capa_command(update: Update, context: AuditContext) -> None:
    """/capa: my department's open actions, and (auditors, leads) those waiting for verification."""
    lists = await service(context).lists(context.actor)
    rows = [[(context.label("capa_item", number=item["number"], audit=item["audit_number"],
                            due=item["due_date"].isoformat()), callbacks.pack(route, item["id"]))]
            for route, items in (("cpr", lists.answer), ("cpv", lists.verify)) for item in items]
    await reply(update, context, "capa_list", rows=rows, lists=lists)


# --- buttons --------------------------------------------------------------------------------

async def on_open(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.open(a, i), edit=False)


async def on_view(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.verify_card(a, i), edit=False)


async def on_why_again(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.why_again(a, i))


async def on_why_done(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.whys_done(a, i))


async def on_not_elsewhere(update: Update, context: AuditContext) -> None:
    text = context.label("capa_not_elsewhere_text")
    await _press(update, context, lambda s, a, i: s.give(a, i, "elsewhere", text))


async def on_target(update: Update, context: AuditContext) -> None:
    data = callbacks.unpack(update.callback_query.data)
    try:
        day = date.fromisoformat(data.args[1])
    except (ValueError, IndexError, AttributeError):
        await toast(update, context, "stale_button", alert=True)
        return
    await _press(update, context, lambda s, a, i: s.set_target(a, i, day))


async def on_confirm(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.confirm(a, i), notify=True)


async def on_start_over(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.start_over(a, i))


async def on_implement(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.implement(a, i))


async def on_submit(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.submit(a, i), notify=True)


async def on_accept(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.ask_verdict(a, i, accept=True), edit=False)


async def on_reject(update: Update, context: AuditContext) -> None:
    await _press(update, context, lambda s, a, i: s.ask_verdict(a, i, accept=False), edit=False)


async def on_evidence(update: Update, context: AuditContext) -> None:
    """Send the implementation evidence files to whoever may see them."""
    data = callbacks.unpack(update.callback_query.data)
    try:
        files = await service(context).evidence_files(context.actor, data.int(0))
    except (ValueError, IndexError, AttributeError):
        await toast(update, context, "stale_button", alert=True)
        return
    except CapaError as error:
        await explain(update, context, error)
        return
    if not files:
        await toast(update, context, "capa_err_no_evidence", alert=True)
        return
    await update.callback_query.answer()
    chat_id = update.effective_chat.id
    for row in files:
        source = await media_source(context.rt.files, row)
        caption = row["caption"] or None
        if row["kind"] == "photo":
            await context.bot.send_photo(chat_id, source, caption=caption, parse_mode=None)
        elif row["kind"] == "voice":
            await context.bot.send_voice(chat_id, source, caption=caption, parse_mode=None)
        else:
            await context.bot.send_document(chat_id, source, caption=caption, parse_mode=None,
                                            filename=row["file_name"] or None)


async def media_source(files: FileStore, row: dict) -> bytes | str:
    """A stored file's bytes; Telegram's file id when the file is not on this disk."""
    if await asyncio.to_thread(files.exists, row["sha256"]):
        return await asyncio.to_thread(files.get, row["sha256"])
    return row["telegram_file_id"]


# --- typed text and files -----------------------------------------------------------------

async def on_capa_text(update: Update, context: AuditContext, state: dict) -> None:
    try:
        step = await service(context).answer(context.actor, update.message.text)
    except CapaError as error:
        await explain(update, context, error)
        return
    await show_step(update, context, step)
    if step.name in ("closed_done", "rejected_done"):
        kick(context.application)


async def on_capa_media(update: Update, context: AuditContext, state: dict) -> None:
    if state.get("awaiting") != "evidence":
        await reply(update, context, "capa_problem", problem="media_not_now")
        return
    try:
        incoming = await media.download(update.message)
    except media.TooBig:
        await reply(update, context, "capa_problem", problem="too_big")
        return
    if incoming is None:
        await reply(update, context, "unsupported_message")
        return
    try:
        step = await service(context).add_file(
            context.actor, kind=incoming.kind, data=incoming.data, file_name=incoming.file_name,
            mime_type=incoming.mime_type, telegram_file_id=incoming.telegram_file_id, caption=incoming.caption,
        )
    except CapaError as error:
        await explain(update, context, error)
        return
    await show_step(update, context, step)


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def callback_handlers() -> list[BaseHandler]:
    routes = {
        "cpr": on_open, "cpv": on_view, "cpw": on_why_again, "cpn": on_why_done, "cpe": on_not_elsewhere,
        "cpt": on_target, "cpc": on_confirm, "cps": on_start_over, "cpi": on_implement, "cpd": on_submit,
        "cpa": on_accept, "cpj": on_reject, "cpf": on_evidence,
    }
    return [CallbackQueryHandler(handler, pattern=callbacks.pattern(route)) for route, handler in routes.items()]


TEXT_HANDLERS[FLOW] = on_capa_text
MEDIA_HANDLERS[FLOW] = on_capa_media
