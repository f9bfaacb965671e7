"""Lead commands for people and departments: /invite, /departments, /users."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot import buttons
from bot.handlers.common import edit_or_send, on_press, reply, toast
from bot.runtime import AuditContext
from bot.services.errors import NotAllowed, PeopleError
from bot.services.people_service import Actor
from bot.vocabulary import Role


def _lead(actor: Actor) -> bool:
    return actor.is_lead


def _require_lead(context: AuditContext) -> None:
    if not context.actor.is_lead:
        raise NotAllowed()


async def invite(update: Update, context: AuditContext) -> None:
    """``/invite auditor`` or ``/invite staff <department>``: a one-time link."""
    _require_lead(context)
    args = context.args or []
    role = args[0].lower() if args else ""
    department = " ".join(args[1:])
    if role not in (Role.auditor, Role.staff) or (role == Role.staff and not department.strip()):
        raise PeopleError("invite_usage")
    created = await context.rt.people.create_invite(context.actor, role, department or None)
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    await reply(update, context, "invite_created", invite=created, link=link)


async def departments(update: Update, context: AuditContext) -> None:
    _require_lead(context)
    items = await context.rt.people.list_departments()
    rows = [[(context.label("rename_button", name=d["name"]), buttons.RenameDepartment(d["id"]).pack())]
            for d in items]
    await reply(update, context, "departments", departments=items, rows=rows)


async def on_rename_department(update: Update, context: AuditContext, button: buttons.RenameDepartment) -> None:
    name = await context.rt.people.ask_department_name(context.actor, button.department)
    await update.callback_query.answer()
    await reply(update, context, "department_rename_ask", name=name)


async def on_admin_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed text while a lead renames a department."""
    name = await context.rt.people.typed(context.actor, update.message.text)
    await reply(update, context, "department_renamed", name=name)


async def users(update: Update, context: AuditContext) -> None:
    _require_lead(context)
    people = await context.rt.people.list_people()
    rows = [[(p["name"], buttons.Person(p["id"]).pack())] for p in people if p["id"] != context.actor.id]
    await reply(update, context, "users", people=people, rows=rows)


async def _person_card(update: Update, context: AuditContext, person_id: int) -> None:
    person = await context.rt.people.person(context.actor, person_id)
    rows = [
        [
            (context.label("role_toggle", role=context.label("role_auditor"),
                           mark="✓" if Role.auditor in person.roles else "✗"),
             buttons.PersonRole(person_id, Role.auditor).pack()),
            (context.label("role_toggle", role=context.label("role_lead"),
                           mark="✓" if person.is_lead else "✗"),
             buttons.PersonRole(person_id, Role.lead).pack()),
        ],
        [(context.label("deactivate" if person.active else "activate"),
          buttons.PersonActive(person_id, 0 if person.active else 1).pack())],
    ]
    await edit_or_send(update, context, "person_card", person=person, rows=rows)


async def on_person(update: Update, context: AuditContext, button: buttons.Person) -> None:
    await context.rt.people.person(context.actor, button.person)
    await update.callback_query.answer()
    await _person_card(update, context, button.person)


async def on_person_role(update: Update, context: AuditContext, button: buttons.PersonRole) -> None:
    held = await context.rt.people.toggle_role(context.actor, button.person, button.role)
    await toast(update, context, "role_granted" if held else "role_removed")
    await _person_card(update, context, button.person)


async def on_person_active(update: Update, context: AuditContext, button: buttons.PersonActive) -> None:
    await context.rt.people.set_active(context.actor, button.person, bool(button.active))
    await toast(update, context, "saved")
    await _person_card(update, context, button.person)


def callback_handlers() -> list[BaseHandler]:
    return [
        on_press(buttons.RenameDepartment, on_rename_department, who=_lead),
        on_press(buttons.Person, on_person, who=_lead),
        on_press(buttons.PersonRole, on_person_role, who=_lead),
        on_press(buttons.PersonActive, on_person_active, who=_lead),
    ]
