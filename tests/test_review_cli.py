"""``auditbot review`` offline, and the daily snapshot taken once per day."""

from __future__ import annotations

from datetime import UTC, datetime

import docx
import openpyxl

from bot import cli
from bot.domain.clock import FakeClock
from bot.services.review_service import ReviewService
from bot.settings import Settings
from storage.db import Database
from storage.sql import fetch_all
from tests.helpers import cli_data_dir
from tests.review_fixtures import build_history


def _data_dir(tmp_path, monkeypatch):
    """A data directory for ``auditbot review`` with the review's history in its database."""
    data_dir, _ = cli_data_dir(tmp_path, monkeypatch, lambda database, _: build_history(database))
    return data_dir


def test_cli_review_in_both_languages(tmp_path, monkeypatch, capsys):
    _data_dir(tmp_path, monkeypatch)
    out = tmp_path / "out" / "review.docx"
    assert cli.main(["review", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(out),
                     "--xlsx", str(tmp_path / "review.xlsx")]) == 0
    assert "3 audits" in capsys.readouterr().out
    document = docx.Document(str(out))
    assert any(p.text == "2 Audit results (9.3.2 c) 6))" for p in document.paragraphs)
    assert len(document.inline_shapes) == 4
    assert "Definitions" in openpyxl.load_workbook(tmp_path / "review.xlsx").sheetnames
    assert cli.main(["review", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(out), "--lang", "zh"]) == 0
    assert any(p.text == "2 审核结果（9.3.2 c) 6)）" for p in docx.Document(str(out)).paragraphs)


def test_cli_review_bad_dates(tmp_path, monkeypatch, capsys):
    _data_dir(tmp_path, monkeypatch)
    out = str(tmp_path / "r.docx")
    assert cli.main(["review", "--from", "2026-12-31", "--to", "2026-01-01", "-o", out]) == cli.EXIT_USAGE
    assert "--to is before --from" in capsys.readouterr().err
    assert cli.main(["review", "--from", "yesterday", "--to", "2026-01-01", "-o", out]) == cli.EXIT_USAGE
    assert "give --from and --to as dates" in capsys.readouterr().err
    assert not (tmp_path / "r.docx").exists()


async def test_snapshot_once_a_day(tmp_path):
    clock = FakeClock(datetime(2026, 7, 25, 1, 0, tzinfo=UTC))  # 09:00 on 25 July in Shanghai
    settings = Settings(data_dir=tmp_path, _env_file=None)
    async with Database(tmp_path / "db.sqlite3") as db:
        await build_history(db)
        service = ReviewService(db, clock, settings)
        assert await service.snapshot_if_due() == 2  # 24 July, both departments
        assert await service.snapshot_if_due() == 0
        clock.advance(hours=12)
        assert await service.snapshot_if_due() == 0  # still 25 July
        async with db.read() as conn:
            rows = await fetch_all(
                conn, "SELECT d.name, s.day, s.open_actions, s.overdue_actions, s.closed_in_day FROM review_snapshots s"
                " JOIN departments d ON d.id = s.department_id ORDER BY d.name")
        # Lab's action (due 19 July) is open and overdue; Ops' actions were all closed
        assert [tuple(r.values()) for r in rows] == [("Lab", "2026-07-24", 1, 1, 0), ("Ops", "2026-07-24", 0, 0, 0)]
        clock.set(datetime(2026, 3, 21, 1, 0, tzinfo=UTC))  # a late pass for 20 March: A1's action closed then
        assert await service.snapshot_if_due() == 2
        async with db.read() as conn:
            ops = await fetch_all(
                conn, "SELECT s.closed_in_day FROM review_snapshots s JOIN departments d ON d.id = s.department_id"
                " WHERE s.day = '2026-03-20' AND d.name = 'Ops'")
        assert ops[0]["closed_in_day"] == 1


def test_review_opens_in_libreoffice_with_chinese_charts(tmp_path, monkeypatch):
    import shutil

    import pytest

    from bot.report.pdf import find_soffice, to_pdf

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    _data_dir(tmp_path, monkeypatch)
    out = tmp_path / "review.docx"
    assert cli.main(["review", "--from", "2026-01-01", "--to", "2026-12-31", "-o", str(out), "--lang", "zh"]) == 0
    pdf = to_pdf(out)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        import subprocess

        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "审核结果" in text and "决定与措施" in text
