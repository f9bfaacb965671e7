"""The record pack's documents, the agency profile on them, and the pack from the command line."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from PIL import Image

from bot import cli
from bot.domain.agency import AgencyProfile, report_number
from bot.report.record_set.attendance import attendees
from bot.report.record_set.pack import build_record_pack
from bot.services.agency_service import AgencyError, scale_logo
from storage.files import FileStore
from storage.repos import agency
from tests.helpers import cli_data_dir, document_text
from tests.report_fixtures import NOW, TZ, create_sample_audit


def test_attendees_typed_on_the_card_become_rows():
    assert attendees("李娜（科长）, Zhang Wei (clerk)、王芳;\n赵六") == [
        ("李娜", "科长"), ("Zhang Wei", "clerk"), ("王芳", ""), ("赵六", "")]
    assert attendees("") == []


def test_report_number():
    assert report_number(AgencyProfile(number_prefix="BJ-IA"), "A-2026-003") == "BJ-IA-2026-003"
    assert report_number(AgencyProfile(number_prefix="BJ-IA-"), "A-2026-003") == "BJ-IA-2026-003"
    assert report_number(None, "A-2026-003") == "A-2026-003"
    assert report_number(AgencyProfile(number_prefix="QA"), "custom") == "QA-custom"


def test_a_logo_is_scaled_down_and_bad_ones_refused():
    out = io.BytesIO()
    Image.new("RGB", (4000, 2000), "navy").save(out, "JPEG")
    scaled = Image.open(io.BytesIO(scale_logo(out.getvalue())))
    assert scaled.format == "JPEG" and scaled.width <= 800 and scaled.height <= 300
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for data, code in ((b"nope", "logo_not_image"), (gif.getvalue(), "logo_not_image")):
        with pytest.raises(AgencyError) as info:
            scale_logo(data)
        assert info.value.code == code


async def test_the_chinese_pack_is_in_chinese_with_the_agency(db, files, tmp_path):
    sample = await create_sample_audit(db, files, lang="zh", questions=12, photos=1)
    async with db.transaction() as conn:
        await agency.set_field(conn, "name_zh", "北京市某局", 1001, NOW)
        await agency.set_field(conn, "confidentiality", "内部资料 注意保密", 1001, NOW)
    path = await build_record_pack(db, sample.audit_id, files, TZ, tmp_path / "p.zip", now=NOW)
    with zipfile.ZipFile(path) as pack:
        names = pack.namelist()
        nc = docx.Document(io.BytesIO(pack.read("02 不符合项报告 NC1.docx")))
        sheet = docx.Document(io.BytesIO(pack.read(f"05 末次会议签到表 {sample.number}.docx")))
    assert names[0] == f"01 审核报告 {sample.number}.docx" and f"03 不符合项分布表 {sample.number}.docx" in names
    text = document_text(nc, footers=True)
    for words in ("不符合项报告", "受审核部门", "不符合事实陈述", "原因分析", "纠正措施", "验证人", "北京市某局",
                  "内部资料 注意保密"):
        assert words in text, words
    assert "末次会议签到表" in document_text(sheet) and "签名" in document_text(sheet)


def test_cli_record_pack(tmp_path, monkeypatch, capsys):
    _, sample = cli_data_dir(tmp_path, monkeypatch, lambda database, data_dir: create_sample_audit(
        database, FileStore(data_dir / "evidence"), photos=1))
    assert cli.main(["record-pack", sample.number, "-o", str(tmp_path / "pack.zip")]) == 0
    assert len(zipfile.ZipFile(tmp_path / "pack.zip").namelist()) >= 5
    assert cli.main(["record-pack", "A-1999-999", "-o", str(tmp_path / "x.zip")]) == 1
    assert "no audit" in capsys.readouterr().err


async def test_the_export_prints_the_agency_on_its_pages(db, files, tmp_path):
    import openpyxl

    from bot.report import build_export

    await create_sample_audit(db, files, photos=0)
    plain = await build_export(db, TZ, tmp_path / "plain.xlsx", "en", files=files)
    assert not openpyxl.load_workbook(plain).worksheets[0].oddHeader.left.text
    async with db.transaction() as conn:
        await agency.set_field(conn, "name_en", "R&D Bureau", 1001, NOW)
        await agency.set_field(conn, "confidentiality", "Internal", 1001, NOW)
    sheet = openpyxl.load_workbook(await build_export(db, TZ, tmp_path / "a.xlsx", "en", files=files)).worksheets[0]
    assert sheet.oddHeader.left.text == "R&&D Bureau" and sheet.oddFooter.left.text == "Internal"


async def test_the_review_pack_carries_the_agency(db, files, tmp_path):
    from datetime import date

    from bot.report.review.pack import build_review, parse_period

    today = date(2026, 12, 1)
    async with db.transaction() as conn:
        await agency.set_field(conn, "name_zh", "北京市某局", 1001, NOW)
        await agency.set_field(conn, "footer", "地址：某路1号", 1001, NOW)
    out = tmp_path / "review.docx"
    await build_review(db, parse_period("2026", today), TZ, today, "zh", out, files=files)
    text = document_text(docx.Document(str(out)), footers=True)
    assert "北京市某局" in text and "地址：某路1号" in text


async def test_the_year_table_counts_every_department_audited_that_year(db, files, tmp_path):
    from bot.report.record_set.data import load_record_set
    from storage.sql import execute

    first = await create_sample_audit(db, files, photos=0)
    second = await create_sample_audit(db, files, photos=0)
    async with db.transaction() as conn:
        await execute(conn, "INSERT INTO departments(name, active, created_at) VALUES ('Finance', 1, :at)",
                      {"at": NOW.isoformat()})
        await execute(conn, "UPDATE audits SET department_id = (SELECT id FROM departments WHERE name = 'Finance')"
                            " WHERE id = :id", {"id": second.audit_id})
    records = await load_record_set(db, first.audit_id, files, TZ, now=NOW)
    year = records.year_distribution
    assert records.year == 2026 and year.audits == 2 and "Finance" in year.departments
    assert year.total == 2 * records.audit_distribution.total
    assert year.department_total("Finance") == records.audit_distribution.total
    assert records.audit_distribution.departments == [records.report.department]
