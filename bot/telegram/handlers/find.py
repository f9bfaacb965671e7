"""/find <words>: the hits as buttons to the audit's summary or the action's card, ten a page."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.services.search_service import Hit, Results
from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.refusals import on_press
from bot.telegram.replies import Rows, edit_or_send, reply

BUTTON_TEXT = 48  # characters of a hit's text on its button


async def find_command(update: Update, context: AuditContext) -> None:
    """``/find <words and filters>``; without any: how to search."""
    text = update.effective_message.text or ""
    _, _, query = text.partition(" ")
    results = await context.rt.search.find(context.actor, query)
    await reply(update, context, "find_results", rows=_rows(context, results), results=results)


async def on_page(update: Update, context: AuditContext, button: buttons.FindPage) -> None:
    results = await context.rt.search.page(context.actor, button.serial, button.page)
    await update.callback_query.answer()
    await edit_or_send(update, context, "find_results", rows=_rows(context, results), results=results)


def _rows(context: AuditContext, results: Results) -> Rows:
    rows: list[list[tuple[str, str]]] = [
        [(context.label("find_btn", n=results.first + n, kind=context.label(f"find_kind_{hit.kind}"),
                        number=hit.number, text=hit.text[:BUTTON_TEXT]), _opens(hit))]
        for n, hit in enumerate(results.hits, start=1)]
    pages = []
    if results.page > 0:
        pages.append((context.label("find_prev"), buttons.FindPage(results.serial, results.page - 1).pack()))
    if results.more:
        pages.append((context.label("find_next"), buttons.FindPage(results.serial, results.page + 1).pack()))
    return [*rows, pages]


def _opens(hit: Hit) -> str:
    """The existing view a hit's button opens."""
    if hit.opens == "capa":
        return buttons.CapaOpen(hit.capa_id).pack()
    if hit.opens == "capa_lead":
        return buttons.LeadAction(hit.capa_id).pack()
    if hit.opens == "capa_verify":
        return buttons.CapaView(hit.capa_id).pack()
    return buttons.SummaryPage(hit.audit_id, 0).pack()


def callback_handlers() -> list[BaseHandler]:
    return [on_press(buttons.FindPage, on_page)]
