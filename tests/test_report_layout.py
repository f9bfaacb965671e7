"""Issue 8, defect 12: the English report's wording and the tables' layout, read back with python-docx."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Emu, Twips

from bot.report import render_report
from bot.report.data import Action, Finding, Note, QuestionResult, ReportData

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# A wide fallback for Calibri (LibreOffice and Word without Calibri): if a word fits in
# DejaVu Sans Bold, it fits in any usual sans font. CJK characters are one em wide.
WIDE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
SECTIONS = {"en": ("4 Context of the organization", "5 Leadership", "7 Support", "8 Operation"),
            "zh": ("4 组织环境", "5 领导作用", "7 支持", "8 运行")}


def sample(lang: str, counts: dict[str, int]) -> ReportData:
    """An audit of ISO-numbered sections with ``counts`` findings of each kind."""
    questions, found = [], []
    clauses = iter(("4.1", "4.2", "5.1", "5.3", "7.1", "7.5", "8.1", "8.2", "8.5", "8.7"))
    serial = {"major": "NC", "minor": "NC", "observation": "OBS", "ofi": "OFI", "good": "GP"}
    numbers: dict[str, int] = {}
    for kind, count in counts.items():
        for _ in range(count):
            clause = next(clauses)
            section = next(s for s in SECTIONS[lang] if s.startswith(clause.split(".")[0]))
            numbers[serial[kind]] = numbers.get(serial[kind], 0) + 1
            number = f"{serial[kind]}{numbers[serial[kind]]}"
            question = QuestionResult(f"q{len(questions)}", section, clause, f"Question on {clause}?",
                                      result=kind, finding=number, notes=[Note("Ann", "Seen.", NOW)])
            questions.append(question)
            action = Action("open", date(2026, 12, 2)) if kind in ("major", "minor") else None
            found.append(Finding(number, kind, f"Statement {number}", question, action))
    questions.append(QuestionResult("qc", SECTIONS[lang][0], "4.3", "Scope?", result="conform"))
    return ReportData(audit_id=1, number="A-2026-001", lang=lang, status="completed", department="Office",
                      checklist_title="ISO 9001", tz_name="UTC", generated_at=NOW, created_at=NOW,
                      completed_at=NOW, questions=questions, findings=found)


def render(tmp_path: Path, data: ReportData) -> docx.document.Document:
    return docx.Document(str(render_report(data, tmp_path / f"{data.lang}.docx")))


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


# --- plural agreement --------------------------------------------------------------------------

def test_one_of_each_kind_is_singular_in_english(tmp_path):
    document = render(tmp_path, sample("en", {"major": 1, "minor": 1, "observation": 1, "ofi": 1, "good": 1}))
    (line,) = [t for t in paragraphs(document) if t.startswith("Findings:")]
    assert line == ("Findings: 1 major nonconformity, 1 minor nonconformity, 1 observation, "
                    "1 opportunity for improvement and 1 good practice.")


def test_several_and_none_are_plural_in_english(tmp_path):
    document = render(tmp_path, sample("en", {"minor": 2, "observation": 3, "ofi": 2, "good": 2}))
    (line,) = [t for t in paragraphs(document) if t.startswith("Findings:")]
    assert line == ("Findings: 0 major nonconformities, 2 minor nonconformities, 3 observations, "
                    "2 opportunities for improvement and 2 good practices.")
    intro = next(t for t in paragraphs(document) if t.startswith("The audit of"))
    assert "10 questions" in intro


def test_chinese_counts(tmp_path):
    document = render(tmp_path, sample("zh", {"minor": 1, "ofi": 1, "good": 1}))
    (line,) = [t for t in paragraphs(document) if t.startswith("审核发现：")]
    assert line == "审核发现：严重不符合0项，轻微不符合1项，观察项0项，改进机会1项，良好实践1项。"
    intro = next(t for t in paragraphs(document) if t.startswith("本次审核"))
    assert "共4个问题" in intro


# --- the clause cell ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_clause_cell_does_not_repeat_its_number(tmp_path, lang):
    document = render(tmp_path, sample(lang, {"minor": 1, "ofi": 1}))
    cells = [row.cells[1].text for table in document.tables for row in table.rows
             if len(row.cells) == 2 and row.cells[0].text in ("Clause", "条款")]
    assert cells, "no finding table"
    for cell in cells:
        assert not re.match(r"^(\d+(\.\d+)*)\s+\1\b", cell), cell
        assert not re.match(r"^4\.1\s+4\b", cell) and not re.match(r"^5\.1\s+5\b", cell), cell
    assert cells[0] == ("4.1 · Context of the organization" if lang == "en" else "4.1 · 组织环境")


# --- header cells ------------------------------------------------------------------------------

def _word_width_cm(word: str, size_pt: float, font) -> float:
    latin = "".join(ch for ch in word if ord(ch) < 0x2E80)
    cjk = len(word) - len(latin)
    width_pt = font.getlength(latin) / 100 * size_pt / 9 if latin else 0.0
    return (width_pt + cjk * size_pt) / 72 * 2.54


def _cell_margins_cm(document) -> float:
    style = document.styles["Audit Table"].element
    margins = style.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
    return sum(Twips(int(margins.find(qn(f"w:{e}")).get(qn("w:w")))).cm for e in ("left", "right"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_header_cell_breaks_inside_a_word(tmp_path, lang):
    from PIL import ImageFont

    if not WIDE_FONT.exists():
        pytest.skip("DejaVu Sans Bold is not installed")
    font = ImageFont.truetype(str(WIDE_FONT), 900)  # 9 pt at 100 units per point
    document = render(tmp_path, sample(lang, {"major": 1, "minor": 2, "observation": 1, "ofi": 1, "good": 1}))
    size = document.styles["Table Heading"].font.size.pt
    margins = _cell_margins_cm(document)
    checked, too_narrow = 0, []
    for table in document.tables:
        first = table.rows[0]
        if first._tr.trPr is None or first._tr.trPr.find(qn("w:tblHeader")) is None:
            continue
        widths = [Emu(int(c.get(qn("w:w"))) * 635).cm for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        for cell, width in zip(first.cells, widths, strict=True):
            for word in cell.text.split():
                checked += 1
                need = _word_width_cm(word, size, font) + margins
                if need > width:
                    too_narrow.append(f"{word!r}: {need:.2f} cm in a {width:.2f} cm column")
    assert checked > 20
    assert too_narrow == [], "\n".join(too_narrow)
