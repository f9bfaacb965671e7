"""The Word report: facts, findings, photos, fonts, hostile text, size limits, PDF, CLI."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot import cli
from bot.prompts import default_prompts, prompts_dir
from bot.report import (
    AuditNotFound,
    ReportTooLarge,
    clean_text,
    load_report_data,
    render_report,
    render_report_under,
)
from bot.report.data import Action, Finding, Note, Photo, QuestionResult, ReportData
from bot.report.pdf import PdfUnavailable, find_soffice, to_pdf
from bot.report.photos import PhotoCache, scale_file, scale_photo
from storage.files import FileStore
from tests.helpers import cli_data_dir, document_text, headings
from tests.report_fixtures import (
    HOSTILE_TEXT,
    NOW,
    TZ,
    SampleAudit,
    create_sample_audit,
    jpeg_bytes,
)

CJK_STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "Table Text")


async def _render(db, files, sample: SampleAudit, out: Path, **options) -> docx.document.Document:
    data = await load_report_data(db, sample.audit_id, files, TZ, now=NOW)
    render_report(data, out, **options)
    return docx.Document(str(out))


def _photos(document) -> list:
    """The evidence photos (not the bars of the summary chart), as wp:inline elements."""
    inlines = document.element.body.iter(qn("wp:inline"))
    return [i for i in inlines if i.find(qn("wp:docPr")).get("name", "").startswith("Photo ")]


def _label(lang: str, key: str, **values) -> str:
    return default_prompts().label(lang, f"report_{key}", **values)


# --- the report's content -------------------------------------------------------------------

async def test_report_holds_facts_findings_actions_and_photos(db, files, tmp_path):
    sample = await create_sample_audit(db, files, lang="en", questions=20, photos=7)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    text = document_text(document, footers=True)

    for fact in (sample.number, "Service Centre", "Quality Office", "Licensing and approval services",
                 "ISO 9001:2015; agency QMS manual", "Verify conformity", "王建国", "Alice Auditor",
                 "李娜 (head of office)", "The QMS is effectively implemented"):
        assert fact in text
    assert headings(document, 1)[0] == f"1 {_label('en', 'h_facts')}"
    assert f"10 {_label('en', 'h_signoff')}" in headings(document, 1)
    finding_headings = headings(document, 2)
    for number in sample.finding_numbers:
        assert any(h.startswith(f"{number} ") for h in finding_headings), number
    assert "Statement of NC1" in text and "Why 1: No review step" in text
    assert default_prompts().label("en", "capa_state_implemented") in text
    assert "32" in text  # days late of the open actions due 2026-10-01
    unanswered = [q for q in sample.checklist.questions()][-2:]
    assert all(q.text.en in text for _, q in unanswered)
    assert "Conformity rate: " in text and _label("en", "summary_sample") in text

    photos = _photos(document)
    assert len(photos) == sample.photo_count
    portrait = [p for p in photos if int(p.find(qn("wp:extent")).get("cy")) > int(p.find(qn("wp:extent")).get("cx"))]
    assert len(portrait) == sample.rotated_photos  # EXIF orientation 6 honoured
    assert "Photo 1: NC1 · " in text and "Photo 1 of the records" in text  # captions


async def test_header_footer_toc_and_styles(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=8, photos=1)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    section = document.sections[0]
    assert sample.number in section.header.paragraphs[0].text
    footer_xml = section.footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml
    assert "TOC \\o" in document.element.body.xml
    assert document.tables[0].style.name == "Audit Table"
    assert headings(document, 3)  # Heading 1–3 all used: the navigation pane shows them
    assert document.core_properties.author == "王建国" and sample.number in document.core_properties.title


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_styles_name_a_cjk_font(db, files, tmp_path, lang):
    sample = await create_sample_audit(db, files, lang=lang, questions=6, photos=0)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    defaults = document.styles.element.find(qn("w:docDefaults"))
    default_fonts = defaults.find(f".//{qn('w:rFonts')}")
    assert default_fonts.get(qn("w:eastAsia")) and default_fonts.get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    for name in CJK_STYLES:
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("SimSun", "SimHei"), name
        assert fonts.get(qn("w:asciiTheme")) is None, name


async def test_chinese_report_is_in_chinese(db, files, tmp_path):
    sample = await create_sample_audit(db, files, lang="zh", questions=12, photos=2)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    text = document_text(document, footers=True)
    for words in ("审核报告", "不符合项", "纠正措施", "符合率", "审核准则", "审核范围", "审核发现"):
        assert words in text, words
    assert "抽查的三份记录中有一份未经批准即发放" in text
    assert "Audit facts" not in text


def test_report_labels_match_in_both_languages():
    keys = {}
    for lang in ("en", "zh"):
        raw = yaml.safe_load((prompts_dir() / lang / "labels_report.yaml").read_text(encoding="utf-8"))
        assert all(key.startswith("report_") for key in raw), lang
        keys[lang] = set(raw)
    assert keys["en"] == keys["zh"]


async def test_unfinished_audit_is_a_draft_with_provisional_findings(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=10, photos=2, complete=False)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    text = document_text(document, footers=True)
    assert _label("en", "draft") in text
    assert any(h.startswith("NC1 ") for h in headings(document, 2))
    assert _label("en", "fd_no_action") in text


async def test_an_observation_may_carry_an_action(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=8, photos=0)
    data = await load_report_data(db, sample.audit_id, files, TZ, now=NOW)
    observation = data.findings_of(("observation",))[0]
    observation.action = Action(state="planned", due_date=date(2026, 12, 1), action_plan="Brief the staff")
    document = docx.Document(str(render_report(data, tmp_path / "r.docx")))
    capa_rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert [observation.number, observation.question.clause, "Observation", default_prompts().label("en", "capa_state_planned"),
            "2026-12-01", "", "", ""] in capa_rows


async def test_unknown_audit(db, files):
    with pytest.raises(AuditNotFound):
        await load_report_data(db, 999, files, TZ)


# --- text people typed ----------------------------------------------------------------------

async def test_hostile_text_never_breaks_the_report(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=14, photos=3, text=HOSTILE_TEXT)
    document = await _render(db, files, sample, tmp_path / "r.docx")
    text = document_text(document, footers=True)
    assert "<script>alert('x')</script>" in text and "😀👍🏽" in text and "{braces} %s {0}" in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)
    assert text.count("长文本 long text") >= 260


def test_clean_text_drops_only_what_xml_cannot_hold():
    assert clean_text("a\x00b\x1fc\ud800d\udfffe\ufffe") == "abcde"
    assert clean_text("tab\tnew\nline 😀 办公室 <b>&") == "tab\tnew\nline 😀 办公室 <b>&"
    assert clean_text("x\r\ny") == "x\ny" and clean_text(None) == ""


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_cleaned_text_goes_into_word(text):
    paragraph = docx.Document().add_paragraph(clean_text(text))
    assert paragraph.text.replace("\n", "").replace("\t", "") == \
        clean_text(text).replace("\n", "").replace("\t", "").replace("\r", "")


def test_hand_made_data_with_lone_surrogates_renders(tmp_path):
    """A ReportData built by other code (not loaded from SQLite) is cleaned by the builder too."""
    bad = "bad\ud800text\x07 😀"
    question = QuestionResult("q1", bad, "7.5", bad, result="major",
                              notes=[Note(bad, bad, NOW)], photos=[Photo(None, bad, bad, NOW)])
    data = ReportData(audit_id=1, number=bad, lang="en", status="completed", department=bad,
                      checklist_title=bad, tz_name="UTC", generated_at=NOW, created_at=NOW,
                      completed_at=None, questions=[question], findings=[Finding("NC1", "major", bad, question)])
    document = docx.Document(str(render_report(data, tmp_path / "r.docx")))
    text = document_text(document, footers=True)
    assert "badtext 😀" in text and _label("en", "photo_missing", n=1, caption="")[:10] in text


# --- many photos, size limits, progress -----------------------------------------------------

async def test_300_questions_and_200_photos(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=300, photos=200, photo_size=(640, 480),
                                       unanswered=10)
    progress: list[tuple[int, int]] = []
    started = datetime.now()
    document = await _render(db, files, sample, tmp_path / "big.docx",
                             on_progress=lambda done, total: progress.append((done, total)))
    assert (datetime.now() - started).total_seconds() < 60
    assert len(_photos(document)) == 200
    assert progress[0] == (0, 200) and progress[-1] == (200, 200)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


async def test_report_under_a_byte_limit_uses_smaller_photos(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=10, photos=6, photo_size=(1600, 1200))
    data = await load_report_data(db, sample.audit_id, files, TZ, now=NOW)
    full = render_report(data, tmp_path / "full.docx").stat().st_size
    limit = full - 1
    out = render_report_under(data, tmp_path / "small.docx", limit, sizes=((1600, 90), (400, 50)))
    assert out.stat().st_size <= limit
    widths = [int(p.find(qn("wp:extent")).get("cx")) for p in _photos(docx.Document(str(out)))]
    assert len(widths) == 6
    with pytest.raises(ReportTooLarge):
        render_report_under(data, tmp_path / "never.docx", 1000, sizes=((200, 30),))
    assert not (tmp_path / "never.docx").exists()


async def test_missing_photo_file_is_a_placeholder(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=6, photos=2)
    for path in files.all_files():
        if path.read_bytes().startswith(b"\xff\xd8"):
            path.unlink()
    document = await _render(db, files, sample, tmp_path / "r.docx")
    assert not _photos(document)
    assert document_text(document, footers=True).count("could not be read") == 2


# --- photos ---------------------------------------------------------------------------------

def test_scaling_turns_photos_upright_and_fits_the_edge():
    rotated = scale_photo(jpeg_bytes(800, 600, orientation=6), 400, 80)
    assert (rotated.width, rotated.height) == (300, 400)
    plain = scale_photo(jpeg_bytes(4000, 3000, quality=95), 1600, 80)
    assert (plain.width, plain.height) == (1600, 1200)
    assert Image.open(io.BytesIO(plain.data)).format == "JPEG"


def test_small_plain_jpeg_is_encoded_anew_and_odd_images_are_converted():
    small = jpeg_bytes(320, 240)
    small = Image.open(io.BytesIO(small))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)  # no EXIF at all, as Telegram sends photos
    upload = out.getvalue() + b"trailing bytes"
    kept = scale_photo(upload, 1600, 80)  # made from its pixels (more in tests/test_report_untrusted.py)
    assert b"trailing bytes" not in kept.data and (kept.width, kept.height) == (320, 240)
    png = io.BytesIO()
    Image.new("RGBA", (50, 40), (255, 0, 0, 128)).save(png, "PNG")
    converted = scale_photo(png.getvalue(), 1600, 80)
    assert Image.open(io.BytesIO(converted.data)).mode == "RGB"
    assert scale_photo(b"not an image", 1600, 80) is None


def test_photo_cache_reuses_scaled_photos(tmp_path):
    store = FileStore(tmp_path / "evidence")
    path = store.path_of(store.put(jpeg_bytes(900, 600, orientation=6)))
    cache = PhotoCache(tmp_path / "cache")
    first = scale_file(path, 300, 70, cache)
    entry = cache.entry(path, 300, 70)
    assert entry.exists() and entry.read_bytes() == first.data
    assert scale_file(path, 300, 70, cache) == first
    entry.write_bytes(b"damaged")
    assert scale_file(path, 300, 70, cache) == first


# --- PDF and the command line ---------------------------------------------------------------

async def test_libreoffice_accepts_the_report(db, files, tmp_path):
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    sample = await create_sample_audit(db, files, lang="zh", questions=12, photos=3, text=HOSTILE_TEXT[:300])
    await _render(db, files, sample, tmp_path / "r.docx")
    pdf = await asyncio.to_thread(to_pdf, tmp_path / "r.docx")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_pdf_needs_libreoffice(monkeypatch, tmp_path):
    monkeypatch.setattr("bot.report.pdf.shutil.which", lambda name: None)
    with pytest.raises(PdfUnavailable, match="LibreOffice is not installed"):
        to_pdf(tmp_path / "r.docx")


def test_cli_report_and_export(tmp_path, monkeypatch, capsys):
    _, sample = cli_data_dir(tmp_path, monkeypatch, lambda database, data_dir: create_sample_audit(
        database, FileStore(data_dir / "evidence"), photos=2))
    assert cli.main(["report", sample.number.lower(), "-o", str(tmp_path / "out" / "r.docx")]) == 0
    assert sample.number in document_text(docx.Document(str(tmp_path / "out" / "r.docx")), footers=True)
    assert cli.main(["report", str(sample.audit_id), "-o", str(tmp_path / "by-id.docx")]) == 0
    assert cli.main(["export", "-o", str(tmp_path / "all.xlsx")]) == 0
    assert (tmp_path / "all.xlsx").stat().st_size > 0
    assert cli.main(["report", "A-1999-999", "-o", str(tmp_path / "x.docx")]) == 1
    assert "no audit" in capsys.readouterr().err


def test_cli_report_without_a_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUDITBOT_DATA_DIR", str(tmp_path / "empty"))
    assert cli.main(["report", "A-2026-001", "-o", str(tmp_path / "r.docx")]) == cli.EXIT_USAGE
    assert "AUDITBOT_DATA_DIR" in capsys.readouterr().err
