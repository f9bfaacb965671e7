"""A lead exports a person's data and erases it from the person card (PIPL, GDPR): the zip comes
as a document, erasing asks first (Back changes nothing), a forged press by a non-lead is refused."""

from __future__ import annotations

import io
import json
import zipfile

from storage.repos import evidence, people
from storage.sql import fetch_all
from tests.capa_fixtures import DEPARTMENT, DUE, add_person, jpeg, make_action
from tests.harness import LEAD, OTHER_STAFF, STAFF
from tests.helpers import button_labels


async def _staff_with_a_file(bot) -> bytes:
    """STAFF joins by invite and sends a file for a corrective action (its caption names them)."""
    await bot.command(LEAD, "/start")
    await bot.join(STAFF, "staff", DEPARTMENT)
    await add_person(bot.db, OTHER_STAFF, "staff", "人事科")
    action = await make_action(bot.db, due=DUE)
    runtime = bot.app.bot_data["runtime"]
    data = jpeg(5)
    async with bot.db.transaction() as conn:
        await evidence.add(conn, kind="photo", sha256=runtime.files.put(data), size=len(data), person_id=STAFF.id,
                           at=runtime.clock.now(), capa_id=action.capa_id, mime_type="image/jpeg",
                           caption="Zhao Clerk's signed plan")
    return data


async def test_a_lead_exports_then_erases_a_persons_data_after_confirming(bot):
    photo = await _staff_with_a_file(bot)
    listed = await bot.command(LEAD, "/users")
    card = await bot.press(LEAD, listed.button("Zhao"), message_id=listed.message_id)
    assert ["📦 Export data", "🗑 Erase personal data"] == [label for label, _ in card.buttons[-2]]

    mark = bot.double.mark()
    bot.double.press_button(LEAD, card.button("Export data"), message_id=card.message_id)
    sent = await bot.document_after(LEAD, mark)
    assert sent.file_name == f"auditbot-person-{STAFF.id}.zip"
    assert "Everything auditbot holds about Zhao Clerk" in sent.plain_text
    with zipfile.ZipFile(io.BytesIO(sent.file_bytes)) as archive:
        person = json.loads(archive.read("person.json"))
        files = [n for n in archive.namelist() if n.startswith("evidence/")]
        assert [archive.read(n) for n in files] == [photo]
        assert [i["used_by"] for i in json.loads(archive.read("invites.json"))] == [STAFF.id]
    assert person[0]["name"] == "Zhao Clerk"
    await bot.settle()
    assert not list(bot.app.bot_data["runtime"].settings.reports_dir.glob("*.zip"))  # not kept on the server

    for forged in (f"1|uey|{STAFF.id}", f"1|ue|{STAFF.id}", f"1|ux|{STAFF.id}"):  # not a lead
        answer = await bot.press_for_answer(OTHER_STAFF, forged, check=False)
        assert answer.text.startswith("您没有此项权限")

    ask = await bot.press(LEAD, card.button("Erase personal data"), message_id=card.message_id)
    assert "Erase the personal data of Zhao Clerk?" in ask.plain_text and "1 evidence files" in ask.plain_text
    assert button_labels(ask) == ["🗑 Yes, erase", "⬅️ Back"]
    back = await bot.press(LEAD, ask.button("Back"), message_id=ask.message_id)  # changed their mind
    assert "Status: active" in back.plain_text and "Zhao Clerk" in back.plain_text
    async with bot.db.read() as conn:
        assert (await people.get(conn, STAFF.id))["name"] == "Zhao Clerk"

    ask = await bot.press(LEAD, back.button("Erase personal data"), message_id=back.message_id)
    done = await bot.press(LEAD, ask.button("Yes, erase"), message_id=ask.message_id)
    assert "Personal data erased" in done.plain_text and "former staff #1" in done.plain_text
    assert button_labels(done) == ["⬅️ Back"]

    async with bot.db.read() as conn:
        assert await people.get(conn, STAFF.id) is None
        assert (await people.get(conn, -1))["name"] == "former staff #1"
        files = await fetch_all(conn, "SELECT person_id, caption FROM evidence")
        roles = await fetch_all(conn, "SELECT person_id FROM person_roles WHERE person_id < 0")
        trail = await fetch_all(conn, "SELECT person_id, action FROM audit_trail WHERE entity = 'person'"
                                      " AND entity_id = :id ORDER BY id", {"id": str(STAFF.id)})
        to_them = await fetch_all(conn, "SELECT id FROM outbox WHERE chat_id = :id", {"id": STAFF.id})
    assert [(f["person_id"], f["caption"]) for f in files] == [(-1, "former staff #1's signed plan")]
    assert roles == [] and to_them == []
    assert [(t["person_id"], t["action"]) for t in trail][-2:] == [(LEAD.id, "data_exported"), (LEAD.id, "erased")]

    listed = await bot.command(LEAD, "/users")
    assert not any("Zhao" in label or "former" in label for label in button_labels(listed))
    stale = await bot.press_for_answer(LEAD, card.button("Erase personal data"), check=False)  # the old card
    assert stale.text.startswith("That person is not known here any more")
    again = await bot.command(STAFF, "/start")  # they are a stranger now (STAFF's client is in Chinese)
    assert again.text.startswith("本机器人仅供受邀成员使用")
    async with bot.db.read() as conn:
        assert await people.get(conn, STAFF.id) is None  # and are not kept
