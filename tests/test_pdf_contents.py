"""The PDF's contents list the sections with their page numbers, and no 'update the field' line
(issue 23, point 23: seen in Chinese)."""

from __future__ import annotations

import asyncio
import re
import subprocess

import docx
import pytest
from docx.oxml.ns import qn

from bot.prompts import default_prompts
from bot.report import load_report_data, render_report
from bot.report.pdf import find_soffice, to_pdf
from bot.report.pdf_contents import (
    PLACEHOLDER,
    contents_titles,
    find_pages,
    find_pdftotext,
    with_page_numbers,
)
from tests.audit_fixtures import first_question, jpeg
from tests.harness import AUDITOR
from tests.report_fixtures import NOW, TZ, create_sample_audit

UPDATE_WORDS = ("更新域", "Update Field", "update field", "right-click", "右键")


async def _report(db, files, tmp_path, lang: str):
    sample = await create_sample_audit(db, files, lang=lang, questions=20, photos=3)
    data = await load_report_data(db, sample.audit_id, files, TZ, now=NOW)
    out = tmp_path / f"report-{lang}.docx"
    render_report(data, out)
    return out


# --- the Word file ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_word_file_has_its_contents_field_asks_nothing_on_open_and_tells_nobody_to_right_click(
        db, files, tmp_path, lang):
    path = await _report(db, files, tmp_path, lang)
    document = docx.Document(str(path))
    flag = document.settings.element.find(qn("w:updateFields"))
    assert flag is None  # Word would ask whether to update "fields that may refer to other files"
    assert "TOC \\o" in document.element.body.xml
    text = "\n".join(p.text for p in document.paragraphs)
    assert not any(word in text for word in UPDATE_WORDS)
    titles = contents_titles(path)
    assert titles[0].startswith("1 ") and len(titles) >= 10
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert titles == headings


async def test_page_numbers_go_inside_the_field(db, files, tmp_path):
    path = await _report(db, files, tmp_path, "en")
    titles = contents_titles(path)
    numbered = with_page_numbers(path, [str(n) for n in range(3, 3 + len(titles))], tmp_path / "n" / "r.docx")
    document = docx.Document(str(numbered))
    entries = [p for p in document.paragraphs if p.style.name == "toc 1"]
    assert [p.text for p in entries] == [f"{t}\t{n}" for n, t in enumerate(titles, 3)]
    last = entries[-1]._p.xpath("./w:r")[-1]
    assert last.xpath("./w:fldChar/@w:fldCharType") == ["end"]  # the field still closes after the numbers
    assert contents_titles(numbered) == titles


def test_a_file_that_is_no_document_has_no_contents(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(b"PK not really a document")
    assert contents_titles(path) == []


# --- finding the pages ----------------------------------------------------------------------------

def test_pages_are_found_after_the_contents_and_in_order():
    pages = [
        "Audit report\n1 Audit facts mentioned on the cover",
        "Contents\n1 Audit facts 00\n2 Executive summary\n00\n3 Results by clause 00\nAnnex A: Results 00",
        "1 Audit facts\nnumber A-1\n2 Executive summary\nsome text",
        "3 Results by\nclause\nrows",  # a wrapped heading
        "more rows", "Annex A: Results\n",
    ]
    titles = ["1 Audit facts", "2 Executive summary", "3 Results by clause", "Annex A: Results"]
    assert find_pages(pages, titles) == ["3", "3", "4", "6"]
    assert find_pages(pages, [*titles, "Not there"])[-1] == ""
    assert find_pages(["no contents here"], titles) == ["", "", "", ""]
    assert find_pages(pages, []) == []


# --- the PDF --------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh"])
async def test_the_pdf_contents_show_page_numbers(db, files, tmp_path, lang):
    if find_soffice() is None or find_pdftotext() is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    path = await _report(db, files, tmp_path, lang)
    titles = contents_titles(path)
    pdf = await asyncio.to_thread(to_pdf, path, tmp_path / "pdf")
    text = _pdf_text(pdf.read_bytes(), tmp_path)
    assert_numbered_contents(text, titles, lang)


def assert_numbered_contents(text: str, titles: list[str], lang: str) -> None:
    """The PDF's ``text`` (pdftotext) lists each title with the page on which that section starts."""
    pages = [re.sub(r"[ \t]+", "", page) for page in text.split("\f")]  # pdftotext spaces CJK from Latin
    keys = [re.sub(r"\s+", "", title) for title in titles]
    contents_page = next(page for page in pages if default_prompts().label(lang, "report_toc") in page
                         and keys[-1] in page)
    numbers = []
    for key in keys:
        line = next(line for line in contents_page.splitlines() if line.startswith(key))
        found = re.search(r"\.(\d+)$", line)
        assert found, f"no page number on {line!r}"
        numbers.append(int(found.group(1)))
    assert numbers == sorted(numbers) and numbers[0] >= 3 and "." + PLACEHOLDER not in contents_page
    for key, number in zip(keys, numbers, strict=True):  # each section starts on the page shown
        assert key in pages[number - 1].splitlines()
    assert not any(word in text for word in UPDATE_WORDS)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "got.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
                          ).stdout.decode()


async def test_a_chinese_auditor_gets_a_pdf_whose_contents_have_page_numbers(bot, tmp_path):
    if find_soffice() is None or find_pdftotext() is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed")
    card = await first_question(bot, AUDITOR)
    card = await bot.press(AUDITOR, card.button("轻微不符合"), message_id=card.message_id)
    card = await bot.say(AUDITOR, "2026年3月的用印登记表缺少审批签字，不符合7.5.3的要求")
    card = await bot.send_photo(AUDITOR, jpeg(3, (640, 480)))
    summary = await bot.press(AUDITOR, card.button("汇总并结束"), message_id=card.message_id)
    closing = await bot.press(AUDITOR, summary.button("末次会议"), message_id=summary.message_id)
    confirm = await bot.press(AUDITOR, closing.button("完成审核"), message_id=closing.message_id)
    await bot.press(AUDITOR, confirm.button("确认完成"), message_id=confirm.message_id)
    mark = bot.double.mark()
    bot.double.send_command(AUDITOR, "/report", "A-2026-001 pdf")
    sent = await bot.double.wait_for(lambda s: s.chat_id == AUDITOR.id and s.method == "sendDocument"
                                     and (s.file_name or "").endswith(".pdf"), after=mark, timeout=120)
    text = _pdf_text(sent.file_bytes, tmp_path)
    titles = ["1 审核基本信息", "2 审核综述", "4 不符合项", "9 纠正措施", "10 报告签署"]
    assert_numbered_contents(text, titles, "zh")
