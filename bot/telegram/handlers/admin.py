"""Lead commands for people and departments: /invite, /departments, /users."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from bot.domain.errors import NotAllowed, PeopleError
from bot.domain.vocabulary import LANGS, Role
from bot.prompts import file_name
from bot.report import TELEGRAM_FILE_LIMIT
from bot.services.people_service import Invite, NewDepartment, PersonCard
from bot.telegram import buttons
from bot.telegram.context import AuditContext
from bot.telegram.keyboards.common import back_rows
from bot.telegram.refusals import leads, on_press
from bot.telegram.replies import edit_or_send, reply, toast
from bot.telegram.report_buttons import ReportApprover


def _require_lead(context: AuditContext) -> None:
    if not context.actor.is_lead:
        raise NotAllowed()


def _role_typed(context: AuditContext, text: str) -> str | None:
    """An invitable role as typed: its code or its name in either language (``审核员``, ``Staff``)."""
    typed = text.strip().lower()
    for role in (Role.auditor, Role.staff):
        if typed == role or typed in {context.rt.prompts.label(lang, f"role_{role}").lower() for lang in LANGS}:
            return role
    return None


async def invite(update: Update, context: AuditContext) -> None:
    """``/invite``: buttons (role, then department); ``/invite auditor`` or ``/invite staff <department>``
    (role names in either language); ``/invite list``: pending invites, each with a Revoke button."""
    _require_lead(context)
    args = context.args or []
    if not args:
        rows = [[(context.label(f"role_{role}"), buttons.InviteRole(role).pack()) for role in (Role.auditor, Role.staff)]]
        await reply(update, context, "invite_choose_role", rows=rows)
        return
    if args[0].lower() in ("list", "列表") and len(args) == 1:
        await _invite_list(update, context, await context.rt.people.list_invites(context.actor))
        return
    role = _role_typed(context, args[0])
    department = " ".join(args[1:])
    if role is None or (role == Role.staff and not department.strip()):
        raise PeopleError("invite_usage")
    await _invite_created(update, context, await context.rt.people.create_invite(context.actor, role, department or None))


async def _invite_created(update: Update, context: AuditContext, created: Invite) -> None:
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    await reply(update, context, "invite_created", invite=created, link=link)


async def _invite_list(update: Update, context: AuditContext, pending: list[dict], *, edit: bool = False) -> None:
    rows = [[(context.label("invite_btn_revoke", n=n), buttons.InviteRevoke(item["code"]).pack())]
            for n, item in enumerate(pending, 1)]
    send = edit_or_send if edit else reply
    await send(update, context, "invite_list", rows=rows, invites=pending)


async def on_invite_role(update: Update, context: AuditContext, button: buttons.InviteRole) -> None:
    if button.role == Role.auditor:
        created = await context.rt.people.create_invite(context.actor, Role.auditor, None)
        await update.callback_query.answer()
        await _invite_created(update, context, created)
        return
    items = await context.rt.people.list_departments()
    await update.callback_query.answer()
    rows = [[(d["name"][:40], buttons.InviteDepartment(d["id"]).pack())] for d in items[:30]]
    rows.append([(context.label("invite_btn_new_department"), buttons.InviteNewDepartment().pack())])
    await edit_or_send(update, context, "invite_choose_department", rows=rows)


async def on_invite_department(update: Update, context: AuditContext, button: buttons.InviteDepartment) -> None:
    created = await context.rt.people.create_invite(context.actor, Role.staff, None, department_id=button.department)
    await update.callback_query.answer()
    await _invite_created(update, context, created)


async def on_invite_new_department(update: Update, context: AuditContext, button: buttons.InviteNewDepartment) -> None:
    await context.rt.people.ask_invite_department(context.actor)
    await update.callback_query.answer()
    await reply(update, context, "invite_department_ask", rows=back_rows(context.label))


async def on_invite_revoke(update: Update, context: AuditContext, button: buttons.InviteRevoke) -> None:
    pending = await context.rt.people.revoke_invite(context.actor, button.code)
    await toast(update, context, "invite_revoked")
    await _invite_list(update, context, pending, edit=True)


async def departments(update: Update, context: AuditContext) -> None:
    _require_lead(context)
    items = await context.rt.people.list_departments()
    rows = [[(context.label("rename_button", name=d["name"]), buttons.RenameDepartment(d["id"]).pack())]
            for d in items]
    rows.append([(context.label("btn_new_department"), buttons.CreateDepartment().pack())])
    await reply(update, context, "departments", departments=items, rows=rows)


async def on_create_department(update: Update, context: AuditContext, button: buttons.CreateDepartment) -> None:
    await context.rt.people.ask_new_department(context.actor)
    await update.callback_query.answer()
    await reply(update, context, "department_new_ask", rows=back_rows(context.label))


async def on_rename_department(update: Update, context: AuditContext, button: buttons.RenameDepartment) -> None:
    name = await context.rt.people.ask_department_name(context.actor, button.department)
    await update.callback_query.answer()
    await reply(update, context, "department_rename_ask", name=name, rows=back_rows(context.label))


async def on_admin_text(update: Update, context: AuditContext, state: dict) -> None:
    """Typed text in the lead's admin dialog: a department's new name, or a new department to invite staff of."""
    result = await context.rt.people.typed(context.actor, update.message.text)
    if isinstance(result, Invite):
        await _invite_created(update, context, result)
    elif isinstance(result, NewDepartment):
        await reply(update, context, "department_created", name=result.name)
    else:
        await reply(update, context, "department_renamed", name=result)


async def users(update: Update, context: AuditContext) -> None:
    _require_lead(context)
    people = await context.rt.people.list_people()
    rows = [[(p["name"], buttons.Person(p["id"]).pack())] for p in people if p["id"] != context.actor.id]
    await reply(update, context, "users", people=people, rows=rows)


async def _person_card(update: Update, context: AuditContext, card: PersonCard) -> None:
    """The person card: role switches, their department (staff), deactivate (asked first), export
    and erase their data (asked first), back."""
    person, label = card.person, context.label
    pid = person.id
    if card.confirm_deactivate:
        rows = [[(label("deactivate_confirm"), buttons.PersonDeactivate(pid).pack())],
                [(label("back"), buttons.Person(pid).pack())]]
        await edit_or_send(update, context, "person_card", card=card, person=person, rows=rows)
        return
    if card.choices:
        rows = [[(d["name"][:40], buttons.PersonStaffDepartment(pid, d["id"]).pack())] for d in card.choices]
        rows.append([(label("back"), buttons.Person(pid).pack())])
        await edit_or_send(update, context, "person_card", card=card, person=person, rows=rows)
        return
    rows = [[(label("role_toggle", role=label(f"role_{role}"), mark="✅" if role in person.roles else "⬜"),
              buttons.PersonRole(pid, role).pack()) for role in (Role.auditor, Role.lead)]]
    rows += [[(label("person_department", name=d["name"][:40]), buttons.PersonDepartments(pid).pack())]
             for d in card.staff[:1]]
    rows.append([(label("rf_btn_approver", mark="✅" if card.approver else "⬜"), ReportApprover(pid).pack())])
    rows.append([(label("deactivate" if person.active else "activate"),
                  buttons.PersonActive(pid, 0 if person.active else 1).pack())])
    rows.append([(label("person_export"), buttons.PersonExport(pid).pack()),
                 (label("person_erase"), buttons.PersonErase(pid).pack())])
    rows.append([(label("back"), buttons.Menu("users").pack())])
    await edit_or_send(update, context, "person_card", card=card, person=person, rows=rows)


show_person_card = _person_card  # the report approver's switch shows the card again (handlers/report_flow.py)


async def on_person(update: Update, context: AuditContext, button: buttons.Person) -> None:
    card = await context.rt.people.card(context.actor, button.person)
    await update.callback_query.answer()
    await _person_card(update, context, card)


async def on_person_role(update: Update, context: AuditContext, button: buttons.PersonRole) -> None:
    held = await context.rt.people.toggle_role(context.actor, button.person, button.role)
    await toast(update, context, "role_granted" if held else "role_removed")
    await _person_card(update, context, await context.rt.people.card(context.actor, button.person))


async def on_person_active(update: Update, context: AuditContext, button: buttons.PersonActive) -> None:
    """Activate at once; deactivating asks first."""
    if not button.active:
        card = await context.rt.people.card(context.actor, button.person, confirm_deactivate=True)
        await update.callback_query.answer()
        await _person_card(update, context, card)
        return
    await context.rt.people.set_active(context.actor, button.person, True)
    await toast(update, context, "saved")
    await _person_card(update, context, await context.rt.people.card(context.actor, button.person))


async def on_person_deactivate(update: Update, context: AuditContext, button: buttons.PersonDeactivate) -> None:
    await context.rt.people.set_active(context.actor, button.person, False)
    await toast(update, context, "saved")
    await _person_card(update, context, await context.rt.people.card(context.actor, button.person))


async def on_person_departments(update: Update, context: AuditContext, button: buttons.PersonDepartments) -> None:
    card = await context.rt.people.card(context.actor, button.person, pick_department=True)
    await update.callback_query.answer()
    await _person_card(update, context, card)


async def on_person_staff_department(update: Update, context: AuditContext,
                                     button: buttons.PersonStaffDepartment) -> None:
    card = await context.rt.people.move_staff(context.actor, button.person, button.department)
    await toast(update, context, "saved")
    await _person_card(update, context, card)


async def on_person_export(update: Update, context: AuditContext, button: buttons.PersonExport) -> None:
    """Everything the bot holds about the person, as a zip sent to the lead (not kept here)."""
    export = await context.rt.privacy.export(context.actor, button.person)
    try:
        await toast(update, context, "privacy_export_toast")
        if export.size > TELEGRAM_FILE_LIMIT:
            await reply(update, context, "person_export_too_big", name=export.name, person_id=export.person_id,
                        size_mb=round(export.size / 1048576, 1))
            return
        with export.path.open("rb") as handle:
            await context.bot.send_document(update.effective_chat.id, handle,
                                            filename=file_name(context.rt.prompts, context.lang, "file_person_export",
                                                               id=export.person_id, name=export.name),
                                            caption=context.text("person_export_ready", export=export,
                                                                 name=export.name))
    finally:
        export.path.unlink(missing_ok=True)


async def on_person_erase(update: Update, context: AuditContext, button: buttons.PersonErase) -> None:
    """Erasing asks first: what goes, what stays in the audit record."""
    preview = await context.rt.privacy.preview_erase(context.actor, button.person)
    await update.callback_query.answer()
    rows = [[(context.label("person_erase_yes"), buttons.PersonEraseConfirmed(button.person).pack())],
            [(context.label("back"), buttons.Person(button.person).pack())]]
    await edit_or_send(update, context, "person_erase_confirm", preview=preview, rows=rows)


async def on_person_erase_confirmed(update: Update, context: AuditContext,
                                    button: buttons.PersonEraseConfirmed) -> None:
    erased = await context.rt.privacy.erase(context.actor, button.person)
    await toast(update, context, "privacy_erased_toast")
    await edit_or_send(update, context, "person_erased", erased=erased,
                       rows=[[(context.label("back"), buttons.Menu("users").pack())]])


def callback_handlers() -> list[BaseHandler]:
    return [
        on_press(buttons.RenameDepartment, on_rename_department, who=leads),
        on_press(buttons.CreateDepartment, on_create_department, who=leads),
        on_press(buttons.InviteRole, on_invite_role, who=leads),
        on_press(buttons.InviteDepartment, on_invite_department, who=leads),
        on_press(buttons.InviteNewDepartment, on_invite_new_department, who=leads),
        on_press(buttons.InviteRevoke, on_invite_revoke, who=leads),
        on_press(buttons.Person, on_person, who=leads),
        on_press(buttons.PersonRole, on_person_role, who=leads),
        on_press(buttons.PersonActive, on_person_active, who=leads),
        on_press(buttons.PersonDeactivate, on_person_deactivate, who=leads),
        on_press(buttons.PersonDepartments, on_person_departments, who=leads),
        on_press(buttons.PersonStaffDepartment, on_person_staff_department, who=leads),
        on_press(buttons.PersonExport, on_person_export, who=leads),
        on_press(buttons.PersonErase, on_person_erase, who=leads),
        on_press(buttons.PersonEraseConfirmed, on_person_erase_confirmed, who=leads),
    ]
