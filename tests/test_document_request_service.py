"""The document-request service: what an auditor may ask, what a clerk may answer, and what
becomes of the answers (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from benchmarks.find import START, fill
from bot.domain.clock import FakeClock
from bot.services.document_request_service import DocumentRequestService, RecordsError
from bot.services.people_service import Actor
from bot.settings import Settings

AUDITOR = Actor(6, "auditor", "zh", True, frozenset({"auditor"}))  # the team of audit 4 (of department 1)
OTHER_AUDITOR = Actor(3, "other", "zh", True, frozenset({"auditor"}))
CLERK = Actor(22, "clerk", "zh", True, frozenset({"staff"}), (1,))
OTHER_CLERK = Actor(23, "other clerk", "zh", True, frozenset({"staff"}), (2,))


@pytest.fixture
async def service(db, files, tmp_path):
    await fill(db, 8, 4)
    async with db.transaction() as conn:
        await conn.execute(text("UPDATE audits SET status = 'planning', completed_at = NULL WHERE id = 4"))
    return DocumentRequestService(db, FakeClock(START + timedelta(days=30)),
                                  Settings(data_dir=tmp_path, _env_file=None), files)


async def state_of(service, actor) -> dict:
    async with service.db.read() as conn:
        row = (await conn.execute(text("SELECT * FROM dialog_state WHERE person_id = :p"), {"p": actor.id})).mappings().first()
    import json

    return {**row, "data": json.loads(row["data_json"])}


async def test_items_by_question_number_and_typed(service):
    draft = await service.start(AUDITOR, 4)
    assert draft.items == [] and len(draft.due_choices) == 4
    draft = await service.add_items(AUDITOR, await state_of(service, AUDITOR), "3\n#3\nQ70\n质量目标 2026\n质量目标 2026\n  \n")
    assert [item.text.split(" · ")[0] for item in draft.items] == ["Q3", "Q70", "质量目标 2026"]  # 70: no such question
    with pytest.raises(RecordsError) as refused:
        await service.add_items(AUDITOR, await state_of(service, AUDITOR), "\n".join(f"记录{n}" for n in range(30)))
    assert refused.value.code == "too_many"
    with pytest.raises(RecordsError) as refused:
        await service.start(OTHER_AUDITOR, 4)
    assert refused.value.code == "not_allowed"
    with pytest.raises(RecordsError) as refused:
        await service.start(AUDITOR, 24)  # no such audit
    assert refused.value.code == "stale"


async def test_sent_to_the_contacts_answered_by_its_clerk_only(service, db):
    await service.start(AUDITOR, 4)
    with pytest.raises(RecordsError) as refused:
        await service.send(AUDITOR, 4)
    assert refused.value.code == "empty"
    await service.add_items(AUDITOR, await state_of(service, AUDITOR), "1\n会议记录")
    sent = await service.send(AUDITOR, 4)
    assert sent.sent and sent.contacts == 1
    async with db.read() as conn:
        queued = (await conn.execute(text("SELECT chat_id FROM outbox WHERE kind = 'records_requested'"))).scalars().all()
        item_id = (await conn.execute(text("SELECT MIN(id) FROM document_request_items"))).scalar()
    assert queued == [CLERK.id]
    with pytest.raises(RecordsError) as refused:
        await service.send(AUDITOR, 4)  # a double tap: the draft is gone
    assert refused.value.code == "stale"
    with pytest.raises(RecordsError) as refused:
        await service.open_item(OTHER_CLERK, item_id)
    assert refused.value.code == "not_allowed"
    card = await service.open_item(CLERK, item_id)
    assert card.item.state == "asked"
    state = await state_of(service, CLERK)
    with pytest.raises(RecordsError) as refused:
        await service.add_file(CLERK, state, kind="document", data=b"MZ", file_name="a.exe", mime_type=None,
                               telegram_file_id=None, caption=None)
    assert refused.value.code == "file_type"
    card = await service.typed(CLERK, state, "2026年5月3日")
    assert card.item.document_date == "2026-05-03"
    card = await service.add_file(CLERK, state, kind="document", data=b"%PDF-1.4", file_name="a.pdf",
                                  mime_type="application/pdf", telegram_file_id=None, caption=None)
    assert card.item.state == "provided" and card.item.files == 1 and not card.item.late
    async with db.read() as conn:
        row = (await conn.execute(text("SELECT source, document_date, question_id FROM evidence"
                                       " WHERE request_item_id = :i"), {"i": item_id})).mappings().one()
    assert row["source"] == "department" and row["document_date"] == "2026-05-03" and row["question_id"] == "q0"


async def test_no_contacts_and_closed_audits(service, db):
    async with db.transaction() as conn:
        await conn.execute(text("DELETE FROM person_roles WHERE role = 'staff'"))
    await service.start(AUDITOR, 4)
    await service.add_items(AUDITOR, await state_of(service, AUDITOR), "会议记录")
    with pytest.raises(RecordsError) as refused:
        await service.send(AUDITOR, 4)
    assert refused.value.code == "no_contacts"
    with pytest.raises(RecordsError) as refused:
        await service.start(Actor(4, "a", "zh", True, frozenset({"auditor"})), 2)  # completed
    assert refused.value.code == "audit_closed"
