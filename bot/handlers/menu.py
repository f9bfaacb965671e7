"""The main menu's entries: (key, who may use it, what it does).

Each entry runs the same function as its command, so a button and a command never differ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.handlers import admin, audit, capa, checklists, lead, report, start
from bot.runtime import AuditContext
from bot.services.people_service import Actor

Action = Callable[[Update, AuditContext], Awaitable[None]]


def _lead(actor: Actor) -> bool:
    return actor.is_lead


def _anyone(actor: Actor) -> bool:
    return True


def _auditor(actor: Actor) -> bool:
    return actor.is_auditor


MENU_ITEMS: list[tuple[str, Callable[[Actor], bool], Action]] = [
    ("audit", _auditor, audit.audit_command),
    ("resume", _auditor, audit.resume_command),
    ("report", _auditor, report.report_command),
    ("capa", _anyone, capa.capa_command),
    ("export", _lead, report.export_command),
    ("status", _lead, lead.status_command),
    ("overdue", _lead, lead.overdue_command),
    ("users", _lead, admin.users),
    ("departments", _lead, admin.departments),
    ("checklists", _lead, checklists.checklists_command),
    ("lang", _anyone, start.lang_command),
    ("help", _anyone, start.help_command),
]
