"""A person's data (PIPL, GDPR) from the command line: ``auditbot person export`` writes everything
held about them as a zip, ``auditbot person erase`` pseudonymises them, and the report of an
audit they worked on still renders, with "former staff #n" where their name was."""

from __future__ import annotations

import json
import os
import time
import zipfile
from datetime import timedelta

import docx
import pytest
from sqlalchemy import inspect

from bot import cli
from storage.db import Database
from storage.files import FileStore
from storage.repos import dialogs, evidence, invites, outbox, people, privacy
from storage.sql import fetch_all
from tests.databases import target
from tests.helpers import cli_data_dir, document_text
from tests.report_fixtures import AUDITOR, LEADER, NOW, STAFF, create_sample_audit

ALICE, LINA = "Alice Auditor", "李娜"


async def test_every_reference_to_a_person_is_known_to_the_erasure(tmp_path):
    """A column naming a person that erasure does not know of would keep their id (the erasure
    fails then, and this test says which column to add to storage/repos/privacy.py)."""
    async with Database(target(tmp_path / "db.sqlite3")) as db, db.read() as conn:
        def references(sync) -> set[tuple[str, str]]:
            found = set()
            schema = inspect(sync)
            for table in schema.get_table_names():
                for key in schema.get_foreign_keys(table):
                    if key["referred_table"] == "people":
                        found |= {(table, column) for column in key["constrained_columns"]}
            return found

        foreign_keys = await conn.run_sync(references)
    known = {(table, column) for table, columns in privacy.PERSON_COLUMNS.items() for column in columns}
    assert foreign_keys - known == set()


async def _fill(db: Database, data_dir) -> dict:
    """The sample audit (Alice answered, wrote notes and took every photo; 李娜 is the audited
    department's contact, named on its cards), and what else the bot keeps about Alice."""
    files = FileStore(data_dir / "evidence")
    sample = await create_sample_audit(db, files, lang="en", questions=12, photos=4)
    async with db.transaction() as conn:
        await people.upsert(conn, AUDITOR, name=ALICE, username="alice_a", lang="zh", at=NOW)
        await people.add_role(conn, AUDITOR, "auditor", None, NOW)
        await people.add_role(conn, LEADER, "lead", None, NOW)
        await invites.create(conn, code="alice-invite", role="auditor", department_id=None, created_by=LEADER,
                             at=NOW, expires_at=NOW + timedelta(days=7))
        await invites.redeem(conn, "alice-invite", AUDITOR, NOW)
        await dialogs.put(conn, AUDITOR, flow="audit", audit_id=sample.audit_id, at=NOW)
        await outbox.enqueue(conn, dedupe_key="to-alice", chat_id=AUDITOR, kind="capa_new", payload={"capa_id": 1},
                             not_before=NOW, at=NOW)
        await outbox.enqueue(conn, dedupe_key="alice-joined", chat_id=LEADER, kind="lead_joined",
                             payload={"person_id": AUDITOR, "role": "auditor", "department": None},
                             not_before=NOW, at=NOW)
        data = b"%PDF-1.4 Alice's signed sheet"
        await evidence.add(conn, kind="document", sha256=files.put(data), size=len(data), person_id=AUDITOR,
                           at=NOW, audit_id=sample.audit_id, question_id=sample.checklist.question_ids()[0],
                           file_name="Alice Auditor sheet.pdf", caption="Signed by alice auditor, checked by 李娜",
                           mime_type="application/pdf")
    return {"number": sample.number, "photos": sample.photo_count}


def test_cli_export_holds_everything_about_the_person(tmp_path, monkeypatch, capsys):
    data_dir, filled = cli_data_dir(tmp_path, monkeypatch, _fill)
    out = tmp_path / "alice.zip"
    assert cli.main(["person", "export", str(AUDITOR), "-o", str(out)]) == 0
    assert "6 evidence files" in capsys.readouterr().out  # 4 photos, the sample's PDF, the signed sheet

    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        tables = {name: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
        sheet = next(n for n in names if n.startswith("evidence/") and n.endswith("Alice Auditor sheet.pdf"))
        assert archive.read(sheet) == b"%PDF-1.4 Alice's signed sheet"
        photos = [n for n in names if n.startswith("evidence/") and n.endswith(".jpg")]
        assert len(photos) == filled["photos"]
    assert {"manifest.json", "person.json", "person_roles.json", "invites.json", "dialog_state.json",
            "audit_team.json", "answers.json", "notes.json", "evidence.json", "capa.json", "outbox.json",
            "inbox.json", "audit_trail.json"} <= set(tables)
    assert tables["person.json"] == [{**tables["person.json"][0], "id": AUDITOR, "name": ALICE, "username": "alice_a"}]
    assert [r["role"] for r in tables["person_roles.json"]] == ["auditor"]
    assert [r["code"] for r in tables["invites.json"]] == ["alic…"]  # a code would let someone join
    assert tables["answers.json"] and all(r["answered_by"] == AUDITOR for r in tables["answers.json"])
    assert tables["notes.json"] and all(r["person_id"] == AUDITOR for r in tables["notes.json"])
    assert all(r["file_in_zip"] for r in tables["evidence.json"])
    assert [r["kind"] for r in tables["outbox.json"]] == ["capa_new"]
    assert tables["dialog_state.json"][0]["data_json"] == {}  # JSON columns come as JSON
    assert "checklist_json" not in tables["audit_team.json"][0]
    assert tables["manifest.json"]["evidence_files"] == 6

    db_file = data_dir / "auditbot.sqlite3"
    assert cli.main(["person", "export", "424242", "-o", str(tmp_path / "x.zip")]) == 1
    assert "nobody with Telegram id 424242" in capsys.readouterr().err

    import asyncio

    async def trail():
        async with Database(db_file) as db, db.read() as conn:
            return await fetch_all(conn, "SELECT person_id, action FROM audit_trail WHERE entity = 'person'"
                                         " AND entity_id = :id", {"id": str(AUDITOR)})
    assert [(r["person_id"], r["action"]) for r in asyncio.run(trail())] == [(None, "data_exported")]


async def _everything(db_file) -> dict[str, list[dict]]:
    async with Database(db_file) as db, db.read() as conn:
        tables = [r["name"] for r in await fetch_all(
            conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: [dict(r) for r in await fetch_all(conn, f"SELECT * FROM {t}")] for t in tables}


def test_cli_erase_then_the_report_still_renders_with_former_staff(tmp_path, monkeypatch, capsys):
    import asyncio

    data_dir, filled = cli_data_dir(tmp_path, monkeypatch, _fill)
    db_file = data_dir / "auditbot.sqlite3"
    before = asyncio.run(_everything(db_file))
    answered = sum(r["answered_by"] == AUDITOR for r in before["answers"])
    (data_dir / "reports").mkdir(exist_ok=True)
    generated = data_dir / "reports" / "export-old.xlsx"
    generated.write_bytes(b"names of everyone")  # a generated copy, sent an hour ago
    os.utime(generated, (time.time() - 3600, time.time() - 3600))

    assert cli.main(["person", "erase", str(AUDITOR)]) == cli.EXIT_USAGE  # asks for --yes first
    assert "--yes" in capsys.readouterr().err
    assert asyncio.run(_everything(db_file))["people"] == before["people"]

    assert cli.main(["person", "erase", str(AUDITOR), "--yes"]) == 0
    assert "is now 'former staff #1'" in capsys.readouterr().out
    assert cli.main(["person", "erase", str(STAFF), "--yes"]) == 0
    assert "is now 'former staff #2'" in capsys.readouterr().out
    assert cli.main(["person", "erase", str(AUDITOR), "--yes"]) == 1  # gone already
    assert not generated.exists()

    after = asyncio.run(_everything(db_file))
    assert sorted((p["id"], p["name"], p["username"], p["lang"], p["active"]) for p in after["people"]) == [
        (-2, "former staff #2", None, "en", 0), (-1, "former staff #1", None, "en", 0),
        (LEADER, "王建国", None, "en", 1)]
    assert sum(r["answered_by"] == -1 for r in after["answers"]) == answered  # the record stays whole
    assert [r["person_id"] for r in after["person_roles"]] == [LEADER]  # roles removed
    assert after["invites"] == [] and after["dialog_state"] == []
    assert [r["dedupe_key"] for r in after["outbox"]] == []  # to Alice, and the lead's "Alice joined"
    sheet = next(r for r in after["evidence"] if (r["file_name"] or "").endswith("sheet.pdf"))
    assert (sheet["file_name"], sheet["caption"]) == (
        "former staff #1 sheet.pdf", "Signed by former staff #1, checked by former staff #2")
    assert all(r["person_id"] == -1 for r in after["evidence"])  # the files stay, as audit records
    for table, columns in {**privacy.PERSON_COLUMNS, "outbox": ("chat_id",)}.items():  # their ids are gone
        assert not [r for r in after[table] if {r[c] for c in columns} & {AUDITOR, STAFF}], table
    for table, rows in after.items():  # and so are their names, but in the trail
        if table == "audit_trail":
            continue
        for row in rows:
            text = json.dumps(row, ensure_ascii=False, default=str)
            assert ALICE not in text and LINA not in text and "alice_a" not in text, (table, row)
    erased = [r for r in after["audit_trail"] if r["action"] == "erased"]
    assert [(r["entity_id"], json.loads(r["after_json"])["as"]) for r in erased] == [
        (str(AUDITOR), "former staff #1"), (str(STAFF), "former staff #2")]
    assert all(ALICE not in (r["after_json"] or "") and LINA not in (r["after_json"] or "") for r in erased)

    out = tmp_path / "report.docx"
    assert cli.main(["report", filled["number"], "-o", str(out)]) == 0
    text = document_text(docx.Document(str(out)))
    assert "former staff #1" in text and "former staff #2" in text
    assert ALICE not in text and LINA not in text
    assert len(docx.Document(str(out)).inline_shapes) >= filled["photos"]  # the photos stay in it


async def test_erasing_refuses_when_a_reference_is_unknown(tmp_path):
    """A column naming the person that the erasure does not move makes it fail as a whole."""
    from bot.domain.clock import FakeClock
    from bot.services.privacy_service import PrivacyService
    from bot.settings import Settings

    async with Database(target(tmp_path / "db.sqlite3")) as db:
        files = FileStore(tmp_path / "evidence")
        await create_sample_audit(db, files, photos=1)
        service = PrivacyService(db, FakeClock(NOW), Settings(data_dir=tmp_path, _env_file=None), files)
        known = dict(privacy.PERSON_COLUMNS)
        del privacy.PERSON_COLUMNS["answers"]
        try:
            with pytest.raises(Exception, match="(?i)foreign key"):  # answers.answered_by still names them
                await service.erase(None, AUDITOR)
        finally:
            privacy.PERSON_COLUMNS.clear()
            privacy.PERSON_COLUMNS.update(known)
        async with db.read() as conn:
            assert (await people.get(conn, AUDITOR))["name"] == ALICE
            assert await people.get(conn, -1) is None
        erased = await service.erase(None, AUDITOR)
        assert (erased.pseudonym, erased.pseudonym_id) == ("former staff #1", -1)
