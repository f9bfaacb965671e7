"""Lead commands for people and departments: /invite, /departments, /users."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.handlers.common import edit_or_send, reply, toast
from bot.handlers.dialog import TEXT_HANDLERS
from bot.runtime import AuditContext
from storage.repos import dialogs

FLOW = "admin"


async def _lead_only(update: Update, context: AuditContext) -> bool:
    if context.actor.is_lead:
        return True
    if update.callback_query is not None:
        await toast(update, context, "not_allowed", alert=True)
    else:
        await reply(update, context, "not_allowed")
    return False


async def invite(update: Update, context: AuditContext) -> None:
    """``/invite auditor`` or ``/invite staff <department>``: a one-time link."""
    if not await _lead_only(update, context):
        return
    args = context.args or []
    role = args[0].lower() if args else ""
    department = " ".join(args[1:])
    if role not in ("auditor", "staff") or (role == "staff" and not department.strip()):
        await reply(update, context, "invite_usage")
        return
    try:
        created = await context.rt.people.create_invite(context.actor, role, department or None)
    except ValueError:
        await reply(update, context, "invite_usage")
        return
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    await reply(update, context, "invite_created", invite=created, link=link)


async def departments(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    items = await context.rt.people.list_departments()
    rows = [[(context.label("rename_button", name=d["name"]), callbacks.pack("dr", d["id"]))] for d in items]
    await reply(update, context, "departments", departments=items, rows=rows)


async def on_rename_department(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    data = callbacks.unpack(update.callback_query.data)
    try:
        department_id = data.int(0)
    except (ValueError, IndexError, AttributeError):
        await toast(update, context, "stale_button", alert=True)
        return
    items = {d["id"]: d for d in await context.rt.people.list_departments()}
    if department_id not in items:
        await toast(update, context, "stale_button", alert=True)
        return
    async with context.rt.db.transaction() as conn:
        await dialogs.put(conn, context.actor.id, flow=FLOW, awaiting="department_name",
                          data={"department_id": department_id}, at=context.rt.clock.now())
    await update.callback_query.answer()
    await reply(update, context, "department_rename_ask", name=items[department_id]["name"])


async def on_admin_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed text while a lead renames a department."""
    data = state["data"]
    if state.get("awaiting") != "department_name" or "department_id" not in data:
        await reply(update, context, "no_dialog")
        return
    try:
        name = await context.rt.people.rename_department(context.actor, data["department_id"], update.message.text)
    except PermissionError:
        await reply(update, context, "not_allowed")
        return
    except ValueError as exc:
        await reply(update, context, "department_name_taken" if str(exc) == "taken" else "department_name_empty")
        return
    except LookupError:
        name = None
    async with context.rt.db.transaction() as conn:
        await dialogs.clear(conn, context.actor.id)
    if name is None:
        await reply(update, context, "no_dialog")
    else:
        await reply(update, context, "department_renamed", name=name)


async def users(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    people = await context.rt.people.list_people()
    rows = [[(p["name"], callbacks.pack("u", p["id"]))] for p in people if p["id"] != context.actor.id]
    await reply(update, context, "users", people=people, rows=rows)


async def _person_card(update: Update, context: AuditContext, person_id: int) -> None:
    person = await context.rt.people.get(person_id)
    if person is None:
        await toast(update, context, "stale_button", alert=True)
        return
    rows = [
        [
            (context.label("role_toggle", role=context.label("role_auditor"),
                           mark="✓" if "auditor" in person.roles else "✗"),
             callbacks.pack("ur", person_id, "auditor")),
            (context.label("role_toggle", role=context.label("role_lead"),
                           mark="✓" if person.is_lead else "✗"),
             callbacks.pack("ur", person_id, "lead")),
        ],
        [(context.label("deactivate" if person.active else "activate"),
          callbacks.pack("ua", person_id, 0 if person.active else 1))],
    ]
    await edit_or_send(update, context, "person_card", person=person, rows=rows)


async def on_person(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    data = callbacks.unpack(update.callback_query.data)
    try:
        person_id = data.int(0)
    except (ValueError, IndexError, AttributeError):
        await toast(update, context, "stale_button", alert=True)
        return
    await update.callback_query.answer()
    await _person_card(update, context, person_id)


async def on_person_role(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    data = callbacks.unpack(update.callback_query.data)
    try:
        person_id, role = data.int(0), data.args[1]
        held = await context.rt.people.toggle_role(context.actor, person_id, role)
    except (ValueError, IndexError, AttributeError, LookupError):
        await toast(update, context, "stale_button", alert=True)
        return
    await toast(update, context, "role_granted" if held else "role_removed")
    await _person_card(update, context, person_id)


async def on_person_active(update: Update, context: AuditContext) -> None:
    if not await _lead_only(update, context):
        return
    data = callbacks.unpack(update.callback_query.data)
    try:
        person_id, active = data.int(0), data.int(1)
        if active not in (0, 1):
            raise ValueError(active)
        await context.rt.people.set_active(context.actor, person_id, bool(active))
    except (ValueError, IndexError, AttributeError, LookupError):
        await toast(update, context, "stale_button", alert=True)
        return
    await toast(update, context, "saved")
    await _person_card(update, context, person_id)


def callback_handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(on_rename_department, pattern=callbacks.pattern("dr")),
        CallbackQueryHandler(on_person, pattern=callbacks.pattern("u")),
        CallbackQueryHandler(on_person_role, pattern=callbacks.pattern("ur")),
        CallbackQueryHandler(on_person_active, pattern=callbacks.pattern("ua")),
    ]


TEXT_HANDLERS[FLOW] = on_admin_text
