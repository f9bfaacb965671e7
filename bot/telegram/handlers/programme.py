"""/programme over Telegram: the year's planned audits, adding and changing them by buttons,
the suggested programme, and starting a planned audit from its reminder.

Each handler makes one ProgrammeService call (AuditService for starting) and shows its
result; refusals are ``ServiceError``s the wrapper in bot/telegram/common.py explains.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.errors import NotAllowed
from bot.domain.vocabulary import ProgrammeState, Risk
from bot.prompts import file_name
from bot.services.programme_service import Item, OverrideAsked, ProgrammeService, TeamChoice
from bot.telegram import buttons as b
from bot.telegram.context import AuditContext
from bot.telegram.handlers import audit, checklists
from bot.telegram.keyboards.common import back_rows
from bot.telegram.refusals import auditors, leads, on_press
from bot.telegram.replies import Rows, edit_or_send, reply

Label = Callable[..., str]
MAX_LISTED = 40  # item buttons under the list (Telegram's keyboard limit is 100)


def service(context: AuditContext) -> ProgrammeService:
    return context.rt.programme




# --- keyboards ----------------------------------------------------------------------------------

def list_rows(context: AuditContext, items: list[Item], year: int) -> Rows:
    label = context.label
    rows: list[list[tuple[str, str]]] = [
        [(f"{label('programme_state_' + i.state) if not i.draft else label('programme_draft')} · "
          f"{i.department} · {_window_short(i)}"[:60], b.ProgrammeItem(i.id).pack())]
        for i in items[:MAX_LISTED]]
    rows.append([(label("programme_btn_add"), b.ProgrammeAdd(year).pack()),
                 (label("programme_btn_suggest"), b.ProgrammeSuggest().pack())])
    rows.append([(label("programme_btn_export"), b.ProgrammeExport(year).pack()),
                 (label("programme_btn_import"), b.ProgrammeImport().pack())])
    rows.append([(f"« {year - 1}", b.ProgrammeList(year - 1).pack()), (f"{year + 1} »", b.ProgrammeList(year + 1).pack())])
    return rows


def _window_short(item: Item) -> str:
    if item.is_month:
        return item.window_start.strftime("%Y-%m")
    return f"{item.window_start:%m-%d}–{item.window_end:%m-%d}"


def item_rows(context: AuditContext, item: Item) -> Rows:
    label = context.label
    if item.state in (ProgrammeState.in_progress, ProgrammeState.done):
        return [[(label("programme_btn_back"), b.ProgrammeList(item.window_start.year).pack())]]
    rows: list[list[tuple[str, str]]] = [
        [(label("programme_btn_window"), b.ProgrammeWindow(item.id).pack()),
         (label("programme_btn_checklist"), b.ProgrammeChecklists(item.id).pack())],
        [(("● " if item.risk == risk else "") + label(f"programme_risk_{risk}"), b.ProgrammeRisk(item.id, risk).pack())
         for risk in Risk],
        [(label("programme_btn_team", n=len(item.team)), b.ProgrammeTeam(item.id).pack())],
        [(label("programme_btn_scope"), b.ProgrammeField(item.id, "scope").pack()),
         (label("programme_btn_objectives"), b.ProgrammeField(item.id, "objectives").pack())],
    ]
    if item.draft:
        rows.append([(label("programme_btn_save"), b.ProgrammeSave(item.id).pack()),
                     (label("programme_btn_discard"), b.ProgrammeCancel(item.id, 1).pack())])
    else:
        if item.state in (ProgrammeState.planned, ProgrammeState.due):
            rows.append([(label("programme_btn_start"), b.ProgrammeStart(item.id).pack())])
        rows.append([(label("programme_btn_cancel"), b.ProgrammeCancel(item.id).pack()),
                     (label("programme_btn_back"), b.ProgrammeList(item.window_start.year).pack())])
    return rows


def team_rows(context: AuditContext, item: Item, choices: list[TeamChoice]) -> Rows:
    rows = [[(("✅ " if c.member else "⚠️ " if c.conflict else "➕ ") + c.name, b.ProgrammeTeam(item.id, c.id).pack())]
            for c in choices]
    rows.append([(context.label("programme_btn_done"), b.ProgrammeItem(item.id).pack())])
    return rows


async def show_item(update: Update, context: AuditContext, item: Item, *, asking: str | None = None,
                    rows: Rows | None = None, **values: Any) -> None:
    await edit_or_send(update, context, "programme_item", rows=item_rows(context, item) if rows is None else rows,
                       item=item, asking=asking, **values)


# --- the list ---------------------------------------------------------------------------------

async def programme_command(update: Update, context: AuditContext) -> None:
    """/programme [year]: the year's planned audits (leads)."""
    if not context.actor.is_lead:
        raise NotAllowed()
    args = context.args or []
    year = int(args[0]) if args and args[0].isdigit() and len(args[0]) == 4 else None
    view = await service(context).overview(context.actor, year)
    await reply(update, context, "programme_list", rows=list_rows(context, view.items, view.year), view=view)


async def on_list(update: Update, context: AuditContext, button: b.ProgrammeList) -> None:
    view = await service(context).overview(context.actor, button.year)
    await update.callback_query.answer()
    await edit_or_send(update, context, "programme_list", rows=list_rows(context, view.items, view.year), view=view)


async def on_item(update: Update, context: AuditContext, button: b.ProgrammeItem) -> None:
    item = await service(context).item(context.actor, button.item)
    await update.callback_query.answer()
    await show_item(update, context, item)


# --- adding and changing ------------------------------------------------------------------------

async def on_add(update: Update, context: AuditContext, button: b.ProgrammeAdd) -> None:
    departments = await service(context).departments(context.actor)
    await update.callback_query.answer()
    rows = [[(d["name"], b.ProgrammeDepartment(d["id"], button.year).pack())] for d in departments]
    rows.append([(context.label("programme_btn_back"), b.ProgrammeList(button.year).pack())])  # changed one's mind
    await edit_or_send(update, context, "programme_choose_department", rows=rows, has_departments=bool(departments))


async def on_department(update: Update, context: AuditContext, button: b.ProgrammeDepartment) -> None:
    item = await service(context).add(context.actor, button.department, button.year)
    await update.callback_query.answer()
    await show_item(update, context, item)


async def on_checklists(update: Update, context: AuditContext, button: b.ProgrammeChecklists) -> None:
    item = await service(context).item(context.actor, button.item)
    await update.callback_query.answer()
    rows = [[(("● " if c["id"] == item.checklist_id else "") + c["title"], b.ProgrammeChecklist(item.id, c["id"]).pack())]
            for c in service(context).checklist_choices(context.lang)]
    await show_item(update, context, item, asking="checklist", rows=rows)


async def on_checklist(update: Update, context: AuditContext, button: b.ProgrammeChecklist) -> None:
    item = await service(context).set_checklist(context.actor, button.item, button.checklist)
    await update.callback_query.answer()
    await show_item(update, context, item)


async def on_window(update: Update, context: AuditContext, button: b.ProgrammeWindow) -> None:
    item = await service(context).ask_window(context.actor, button.item)
    await update.callback_query.answer()
    months = service(context).months()
    choices = [(m.strftime("%Y-%m"), b.ProgrammeMonth(item.id, m).pack()) for m in months]
    rows = [choices[i:i + 3] for i in range(0, len(choices), 3)]
    rows.append([(context.label("programme_btn_back"), b.ProgrammeItem(item.id).pack())])
    await show_item(update, context, item, asking="window", rows=rows)


async def on_field(update: Update, context: AuditContext, button: b.ProgrammeField) -> None:
    item = await service(context).ask_field(context.actor, button.item, button.field)
    await update.callback_query.answer()
    await show_item(update, context, item, asking=button.field,
                    rows=[[(context.label("programme_btn_back"), b.ProgrammeItem(item.id).pack())]])


async def on_month(update: Update, context: AuditContext, button: b.ProgrammeMonth) -> None:
    item = await service(context).set_month(context.actor, button.item, button.month)
    await update.callback_query.answer()
    await show_item(update, context, item)


async def on_risk(update: Update, context: AuditContext, button: b.ProgrammeRisk) -> None:
    item = await service(context).set_risk(context.actor, button.item, button.risk)
    await update.callback_query.answer()
    await show_item(update, context, item)


async def on_team(update: Update, context: AuditContext, button: b.ProgrammeTeam) -> None:
    if button.person is None:
        item, choices = await service(context).team_choices(context.actor, button.item)
    else:
        result = await service(context).toggle_member(context.actor, button.item, button.person)
        if isinstance(result, OverrideAsked):
            await update.callback_query.answer()
            await reply(update, context, "programme_override_ask", asked=result, rows=back_rows(context.label))
            return
        item, choices = result
    await update.callback_query.answer()
    await show_item(update, context, item, asking="team", rows=team_rows(context, item, choices))


async def on_text(update: Update, context: AuditContext, state: dict) -> None:
    """A typed window, or the reason of an impartiality override."""
    item = await service(context).typed(context.actor, update.effective_message.text or "")
    await reply(update, context, "programme_item", rows=item_rows(context, item), item=item, asking=None)


async def on_save(update: Update, context: AuditContext, button: b.ProgrammeSave) -> None:
    item = await service(context).save(context.actor, button.item)
    await update.callback_query.answer(context.label("programme_saved"))
    await show_item(update, context, item)


async def on_cancel(update: Update, context: AuditContext, button: b.ProgrammeCancel) -> None:
    if not button.sure:
        item = await service(context).item(context.actor, button.item)
        await update.callback_query.answer()
        rows = [[(context.label("programme_btn_cancel_sure"), b.ProgrammeCancel(item.id, 1).pack()),
                 (context.label("programme_btn_back"), b.ProgrammeItem(item.id).pack())]]
        await show_item(update, context, item, asking="cancel", rows=rows)
        return
    item = await service(context).cancel(context.actor, button.item)
    await update.callback_query.answer()
    await edit_or_send(update, context, "programme_cancelled", item=item,
                       rows=[[(context.label("programme_btn_back"), b.ProgrammeList(item.window_start.year).pack())]])


# --- suggestions ----------------------------------------------------------------------------------

async def on_suggest(update: Update, context: AuditContext, button: b.ProgrammeSuggest) -> None:
    found = await service(context).suggestions(context.actor)
    await update.callback_query.answer()
    rows = [[(context.label("programme_btn_accept", department=s.department[:30]),
              b.ProgrammeAccept(s.department_id).pack())] for s in found.items[:25]]
    if len(found.items) > 1:
        rows.append([(context.label("programme_btn_accept_all", n=len(found.items)), b.ProgrammeAccept().pack())])
    year = found.items[0].window_start.year if found.items else context.rt.clock.now().year
    rows.append([(context.label("programme_btn_back"), b.ProgrammeList(year).pack())])  # always a way back
    await edit_or_send(update, context, "programme_suggestions", rows=rows, found=found)


async def on_accept(update: Update, context: AuditContext, button: b.ProgrammeAccept) -> None:
    items = await service(context).accept(context.actor, button.department)
    await update.callback_query.answer()
    year = items[0].window_start.year
    await edit_or_send(update, context, "programme_accepted", items=items,
                       rows=[[(context.label("programme_btn_suggest"), b.ProgrammeSuggest().pack()),
                              (context.label("programme_btn_back"), b.ProgrammeList(year).pack())]])


# --- the workbook ------------------------------------------------------------------------------------

async def on_export(update: Update, context: AuditContext, button: b.ProgrammeExport) -> None:
    data = await service(context).export(context.actor, button.year)
    await update.callback_query.answer()
    name = file_name(context.rt.prompts, context.lang, "file_programme", year=button.year)
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(data), filename=name,
                                    caption=context.text("programme_export_caption", year=button.year))


async def on_import(update: Update, context: AuditContext, button: b.ProgrammeImport) -> None:
    await service(context).ask_workbook(context.actor)
    await update.callback_query.answer()
    await reply(update, context, "programme_send_file")


async def on_media(update: Update, context: AuditContext, state: dict) -> None:
    """A file in the programme dialog: the workbook to import, when one is awaited."""
    document = update.effective_message.document
    if state.get("awaiting") != "workbook":  # not the programme's: as outside any dialog
        if document is not None and (document.file_name or "").lower().endswith((".xlsx", ".yaml", ".yml")):
            await checklists.on_checklist_document(update, context, {}, on_media)
        else:
            await reply(update, context, "media_without_dialog", actor=context.actor)
        return
    if document is None:
        await reply(update, context, "programme_send_file")
        return

    async def fetch() -> bytes:
        return bytes(await (await document.get_file()).download_as_bytearray())

    outcome = await service(context).import_workbook(context.actor, document.file_size, fetch)
    if outcome.problems:
        await reply(update, context, "programme_import_problems",
                    problems=[p.line(context.lang) for p in outcome.problems])
        return
    await reply(update, context, "programme_imported", outcome=outcome,
                rows=[[(context.label("programme_btn_back"), b.ProgrammeList().pack())]])


# --- starting the planned audit ---------------------------------------------------------------------

async def on_start(update: Update, context: AuditContext, button: b.ProgrammeStart) -> None:
    view = await context.rt.audit.start_planned(context.actor, button.item,
                                                plan_defaults=audit.plan_defaults(context))
    await update.callback_query.answer()
    await audit.show(update, context, view)


def callback_handlers() -> list[BaseHandler]:
    routes = {
        b.ProgrammeList: on_list, b.ProgrammeItem: on_item, b.ProgrammeAdd: on_add,
        b.ProgrammeDepartment: on_department, b.ProgrammeChecklists: on_checklists,
        b.ProgrammeChecklist: on_checklist, b.ProgrammeWindow: on_window, b.ProgrammeMonth: on_month,
        b.ProgrammeRisk: on_risk, b.ProgrammeTeam: on_team, b.ProgrammeSave: on_save,
        b.ProgrammeCancel: on_cancel, b.ProgrammeSuggest: on_suggest, b.ProgrammeAccept: on_accept,
        b.ProgrammeExport: on_export, b.ProgrammeImport: on_import, b.ProgrammeField: on_field,
    }
    return [*(on_press(button, handler, who=leads) for button, handler in routes.items()),
            on_press(b.ProgrammeStart, on_start, who=auditors)]
