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
from telegram.error import BadRequest
from telegram.ext import BaseHandler

from bot.domain.errors import ServiceError
from bot.domain.vocabulary import CapaState, ExtensionState, ReturnStep
from bot.runtime import AuditContext
from bot.services.capa_service import CapaError, CapaService, Step
from bot.telegram import buttons
from bot.telegram.common import Rows, answer, edit_or_send, keyboard, on_press, reply
from bot.telegram.delivery.scheduler import kick
from bot.telegram.handlers import media
from storage.files import FileStore

Label = Callable[..., str]
DIGEST_BUTTONS = 5  # the overdue actions the digest lists


def service(context: AuditContext) -> CapaService:
    return context.rt.capa


# --- keyboards (shared with the outbox sender) -------------------------------------------------

def respond_rows(capa: dict, label: Label) -> Rows:
    return [[(label("capa_btn_respond"), buttons.CapaOpen(capa["id"]).pack())]]


def verify_rows(capa: dict, label: Label) -> Rows:
    """The verifier's buttons: review a confirmed plan, decide an extension, verify the implementation."""
    rows: list[list[tuple[str, str]]] = []
    if capa["evidence_count"]:
        rows.append([(label("capa_btn_evidence", n=capa["evidence_count"]), buttons.CapaEvidence(capa["id"]).pack())])
    if capa["state"] == CapaState.planned and not capa.get("returned_step"):
        rows.append([(label("capa_btn_plan_accept"), buttons.CapaPlanAccept(capa["id"]).pack())])
        rows.extend([(label(f"capa_btn_return_{step}"), buttons.CapaPlanReturn(capa["id"], step).pack())]
                    for step in ReturnStep)
    if capa["state"] == CapaState.implemented:
        rows.append([(label("capa_btn_accept"), buttons.CapaAccept(capa["id"]).pack()),
                     (label("capa_btn_reject"), buttons.CapaReject(capa["id"]).pack())])
    extension = capa.get("extension")
    if extension and extension["state"] == ExtensionState.pending and capa["state"] != CapaState.closed:
        rows.append([(label("capa_btn_grant", date=extension["date"].isoformat()),
                      buttons.CapaExtension(extension["id"], 1).pack()),
                     (label("capa_btn_refuse"), buttons.CapaExtension(extension["id"], 0).pack())])
    return rows


def extend_row(capa: dict, label: Label) -> list[tuple[str, str]]:
    return [(label("capa_btn_extend"), buttons.CapaExtend(capa["id"]).pack())]


def action_rows(items: list[dict[str, Any]], label: Label) -> Rows:
    """A button per action: the lead opens it (/overdue, a department's list, the digest)."""
    return [[(label("lead_action_item", number=item["number"], department=item["department"][:24],
                    state=label(f"capa_state_{item['state']}")), buttons.LeadAction(item["id"]).pack())]
            for item in items]


def notice_rows(kind: str, values: dict[str, Any], label: Label) -> Rows:
    """The buttons under a queued message of ``kind``."""
    if kind == "audit_team_added":
        return [[(label("btn_open_audit", number=values["number"]), buttons.Resume(values["audit_id"]).pack())]]
    if kind == "lead_audit_completed":
        return [[(label("btn_report_of", number=values["number"]), buttons.Report(values["audit_id"]).pack())]]
    if kind == "lead_digest":
        return action_rows(values["digest"].overdue.items[:DIGEST_BUTTONS], label)
    if kind == "audit_findings":
        return [] if values["acknowledged_at"] else [
            [(label("ack_btn"), buttons.AcknowledgeFindings(values["audit"]["id"]).pack())]]
    capa = values.get("capa")
    if capa is None:
        return []
    if kind in ("capa_new", "capa_reminder", "capa_rejected", "capa_plan_returned", "capa_plan_accepted",
                "capa_extension_granted", "capa_extension_refused"):
        return respond_rows(capa, label)
    if kind in ("capa_implemented", "capa_planned", "capa_extension_asked", "capa_verifier_assigned"):
        return verify_rows(capa, label)
    if kind == "capa_escalation":
        return [[(label("capa_btn_view"), buttons.CapaView(capa["id"]).pack())]]
    return []


def target_choices(today: date, due: date) -> list[tuple[str, date]]:
    """(label key, date) of the quick target dates: in two weeks, in a month, the due date."""
    choices = [("capa_btn_target_2w", today + timedelta(days=14)), ("capa_btn_target_1m", _add_month(today))]
    if due >= today:
        choices.append(("capa_btn_target_due", due))
    seen: set[date] = set()
    return [(key, day) for key, day in choices if not (day in seen or seen.add(day))]


_DRAFT_STEPS = ("correction", "why", "why_more", "elsewhere", "plan", "target")
# Steps after which the person's dialog is over: their card is not a live one.
_DONE = ("closed_done", "rejected_done", "returned_done", "extension_asked", "waiting", "verify",
         "plan_accepted_done", "extension_granted_done", "extension_refused_done")


def step_rows(step: Step, today: date, label: Label) -> Rows:
    rows = _step_rows(step, today, label)
    if step.name in _DRAFT_STEPS and _may_ask_extension(step.capa):
        rows = [*rows, extend_row(step.capa, label)]
    return rows


def _step_rows(step: Step, today: date, label: Label) -> Rows:
    capa_id = step.capa["id"]
    if step.name == "why_more":
        return [[(label("capa_btn_why_again"), buttons.CapaWhyAgain(capa_id).pack()),
                 (label("capa_btn_why_done"), buttons.CapaWhysDone(capa_id).pack())]]
    if step.name == "elsewhere":
        return [[(label("capa_btn_not_elsewhere"), buttons.CapaNotElsewhere(capa_id).pack())]]
    if step.name == "target":
        return [[(label(key, date=day.isoformat()), buttons.CapaTarget(capa_id, day).pack())]
                for key, day in target_choices(today, step.capa["due_date"])]
    if step.name == "confirm":
        return [[(label("capa_btn_confirm"), buttons.CapaConfirm(capa_id).pack()),
                 (label("capa_btn_start_over"), buttons.CapaStartOver(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name in ("planned", "extension_asked"):
        return [extend_row(step.capa, label)] if _may_ask_extension(step.capa) else []
    if step.name == "accepted":
        return [[(label("capa_btn_implemented"), buttons.CapaImplement(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name == "evidence":
        return [[(label("capa_btn_submit"), buttons.CapaSubmit(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name in ("verify", "extension_granted_done", "extension_refused_done"):
        rows = verify_rows(step.capa, label)
        if step.capa.get("can_reassign"):
            rows.append([(label("capa_btn_move_department"), buttons.CapaReassign(capa_id, "d").pack()),
                         (label("capa_btn_move_auditor"), buttons.CapaReassign(capa_id, "a").pack())])
        return rows
    if step.name == "reassign_department":
        return [[(choice["name"][:40], buttons.CapaMoveTo(capa_id, choice["id"]).pack())]
                for choice in step.capa["choices"]]
    if step.name == "reassign_auditor":
        return [[(choice["name"][:40], buttons.CapaVerifier(capa_id, choice["id"]).pack())]
                for choice in step.capa["choices"]]
    return []


def _may_ask_extension(capa: dict) -> bool:
    extension = capa.get("extension")
    return not (extension and extension["state"] == ExtensionState.pending)


# --- showing --------------------------------------------------------------------------------

async def show_step(update: Update, context: AuditContext, step: Step, *, edit: bool = False,
                    problem: str | None = None) -> None:
    """The person's card at ``step``: the pressed message edited (``edit``), else the live card
    edited in place (typed answers, files), else a new card, which becomes the live one."""
    rows = step_rows(step, service(context).today(), context.label)
    values = {"step": step.name, "capa": step.capa, "added": step.added, "problem": problem}
    if edit:
        await edit_or_send(update, context, "capa_step", rows=rows, **values)
        return
    # A problem goes out as a new card next to what was typed (an edit could look like nothing happened).
    if step.card is not None and problem is None and update.callback_query is None \
            and update.effective_chat is not None:
        try:
            await context.bot.edit_message_text(context.text("capa_step", **values), chat_id=update.effective_chat.id,
                                                message_id=step.card, reply_markup=keyboard(rows))
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return  # the same card again
    sent = await reply(update, context, "capa_step", rows=rows, **values)
    if sent is not None and step.name not in _DONE:
        await service(context).card_sent(context.actor, step.capa["id"], sent.message_id)


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


def _is_lead(actor: Any) -> bool:
    return actor.is_lead


def _route(button: type[buttons.Button], call: Call, *, edit: bool = True,
           notify: bool = False, who: Callable[[Any], bool] | None = None) -> BaseHandler:
    """A button about one action: call the service, show the step it leads to."""

    async def pressed(update: Update, context: AuditContext, button: Any) -> None:
        step = await call(service(context), context, button)
        await update.callback_query.answer()
        await show_step(update, context, step, edit=edit)
        if notify:
            kick(context.application)

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
        source = await media_source(context.rt.files, row)
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
    values = await service(context).acknowledge_findings(context.actor, button.audit)
    await update.callback_query.answer()
    await edit_or_send(update, context, "audit_findings", **values)


async def media_source(files: FileStore, row: dict) -> bytes | str:
    """A stored file's bytes; Telegram's file id when the file is not on this disk."""
    if await asyncio.to_thread(files.exists, row["sha256"]):
        return await asyncio.to_thread(files.get, row["sha256"])
    return row["telegram_file_id"]


# --- typed text and files -----------------------------------------------------------------

async def on_capa_text(update: Update, context: AuditContext, state: dict) -> None:
    step = await service(context).answer(context.actor, update.message.text)
    await show_step(update, context, step)
    if step.name in ("closed_done", "rejected_done", "returned_done", "extension_asked"):
        kick(context.application)


async def on_capa_media(update: Update, context: AuditContext, state: dict) -> None:
    if state.get("awaiting") != "evidence":
        raise CapaError("media_not_now")
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


def _add_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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
        _route(b.CapaConfirm, lambda s, c, p: s.confirm(c.actor, p.capa), notify=True),
        _route(b.CapaStartOver, lambda s, c, p: s.start_over(c.actor, p.capa)),
        _route(b.CapaImplement, lambda s, c, p: s.implement(c.actor, p.capa)),
        _route(b.CapaSubmit, lambda s, c, p: s.submit(c.actor, p.capa), notify=True),
        _route(b.CapaAccept, lambda s, c, p: s.ask_verdict(c.actor, p.capa, accept=True), edit=False),
        _route(b.CapaReject, lambda s, c, p: s.ask_verdict(c.actor, p.capa, accept=False), edit=False),
        _route(b.CapaPlanAccept, lambda s, c, p: s.accept_plan(c.actor, p.capa), notify=True),
        _route(b.CapaPlanReturn, lambda s, c, p: s.ask_return(c.actor, p.capa, p.step), edit=False),
        _route(b.CapaExtend, lambda s, c, p: s.ask_extension(c.actor, p.capa)),
        _route(b.CapaExtension, lambda s, c, p: s.decide_extension(c.actor, p.extension, bool(p.grant)),
               notify=True),
        _route(b.CapaReassign, lambda s, c, p: s.reassign_choices(
            c.actor, p.capa, "department" if p.what == "d" else "auditor"), who=_is_lead),
        _route(b.CapaMoveTo, lambda s, c, p: s.reassign_department(c.actor, p.capa, p.department),
               notify=True, who=_is_lead),
        _route(b.CapaVerifier, lambda s, c, p: s.reassign_auditor(c.actor, p.capa, p.person),
               notify=True, who=_is_lead),
        on_press(b.CapaEvidence, on_evidence, explain_as=explain_sending),
        on_press(b.AcknowledgeFindings, on_acknowledge),
    ]
