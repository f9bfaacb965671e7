"""The /find service: parsing a query, each person's rights, filters, pages, and the index kept
current by the triggers of migration 0012 (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from benchmarks.find import START, fill
from bot.domain.clock import FakeClock
from bot.services.document_request_service import accepted
from bot.services.people_service import Actor
from bot.services.search_service import SearchError, SearchService, parse, snippet
from bot.settings import Settings

LEAD = Actor(1, "lead", "zh", True, frozenset({"lead"}))
AUDITOR = Actor(2, "auditor", "zh", True, frozenset({"auditor"}))
CLERK = Actor(22, "clerk", "zh", True, frozenset({"staff"}), (1,))
NOBODY = Actor(99, "x", "zh", True, frozenset())


@pytest.mark.parametrize(("query", "code"), [("", "usage"), ("   \n ", "usage"), ("签" * 201, "too_long"),
                                             ("state:sleeping", "bad_filter"), ("year:25", "bad_filter"),
                                             (" ".join(f"w{n}" for n in range(9)), "too_long")])
def test_bad_queries_are_refused(query, code):
    with pytest.raises(SearchError) as refused:
        parse(query)
    assert refused.value.code == code


def test_words_and_filters_in_both_languages():
    query = parse("签字  授权 状态：逾期 部门:财务局 clause:7.5 年份:2025")
    assert query.words == ["签字", "授权"]
    f = query.filters
    assert f.overdue and f.department == "财务局" and f.clause == "7.5" and f.year == 2025
    assert parse("state:closed").filters.capa_states == ("closed",)
    assert parse("state:completed x").filters.audit_status == "completed"
    assert parse("dept: x").words == ["dept:", "x"]  # an empty filter is a word


def test_snippet_around_the_first_word():
    body = "A-1 " + "前" * 80 + "未书面授权签字" + "后" * 80
    shown = snippet(body, ["授权签字"], "A-1")
    assert "授权签字" in shown and shown.startswith("…") and shown.endswith("…") and len(shown) <= 62


def test_records_the_audit_takes():
    assert accepted("photo", None, "image/jpeg")
    assert accepted("document", "登记表.PDF", "application/pdf")
    assert accepted("document", None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert not accepted("document", "setup.exe", "application/x-msdownload")
    assert not accepted("voice", None, "audio/ogg")


@pytest.fixture
async def history(db, tmp_path):
    await fill(db, 40, 4)
    return SearchService(db, FakeClock(START + timedelta(days=900)), Settings(data_dir=tmp_path, _env_file=None))


async def test_each_person_reads_only_what_they_may(history, db):
    lead = await history.find(LEAD, "付款凭证")
    assert len(lead.hits) == 10 and lead.more
    mine = await history.find(AUDITOR, "付款凭证")
    async with db.read() as conn:
        team = {r[0] for r in await conn.execute(text("SELECT audit_id FROM audit_team WHERE person_id = 2"))}
    assert mine.hits and {h.audit_id for h in mine.hits} <= team
    clerk = await history.find(CLERK, "付款凭证")
    assert clerk.hits and {h.kind for h in clerk.hits} == {"action"} and {h.opens for h in clerk.hits} == {"capa"}
    assert {h.department for h in clerk.hits} == {"办公室1"}
    with pytest.raises(SearchError):
        await history.page(CLERK, clerk.serial + 1, 1)  # no such search of theirs
    with pytest.raises(Exception) as refused:
        await history.find(NOBODY, "付款凭证")
    assert getattr(refused.value, "code", "") == "not_allowed"


async def test_filters_and_pages(history):
    overdue = await history.find(LEAD, "state:overdue")
    assert overdue.hits and {h.capa_state for h in overdue.hits} == {"open"}
    by_department = await history.find(LEAD, "dept:办公室")
    assert by_department.hits and {h.department for h in by_department.hits} == {"办公室1"}
    clause = await history.find(LEAD, "会议记录 clause:7.5")
    assert clause.hits and all(h.clause.startswith("7.5") for h in clause.hits)
    assert not (await history.find(LEAD, "会议记录 year:2023")).hits
    first = await history.find(LEAD, "会议记录")
    second = await history.page(LEAD, first.serial, 1)
    assert second.page == 1 and second.first == 10 and second.hits and first.hits[-1] != second.hits[0]


async def test_the_index_follows_edits_deletions_and_withdrawals(history, db):
    at = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    async with db.transaction() as conn:
        await conn.execute(text("UPDATE notes SET text = '独一无二的记录' WHERE id = 1"))
        await conn.execute(text("UPDATE notes SET deleted_at = :at WHERE id = 2"), {"at": at})
        await conn.execute(text("UPDATE findings SET statement = '撤回的发现独有词', withdrawn_at = :at WHERE id = 10"),
                           {"at": at})
        await conn.execute(text("UPDATE departments SET name = '新名字局' WHERE id = 1"))
    assert [h.kind for h in (await history.find(LEAD, "独一无二")).hits] == ["note"]
    assert not (await history.find(LEAD, "撤回的发现独有词")).hits
    async with db.read() as conn:
        gone = (await conn.execute(text("SELECT COUNT(*) FROM search_docs WHERE kind = 'note' AND ref_id = 2"))).scalar()
    assert gone == 0
    renamed = await history.find(LEAD, "新名字局")
    assert renamed.hits and {h.kind for h in renamed.hits} == {"audit"}
