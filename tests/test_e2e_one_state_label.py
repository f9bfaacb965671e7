"""Issue 23, point 16: one corrective-action state has one name everywhere (the /capa card,
the lead's /status legend, the Word report and the Excel export), in both languages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import docx
import openpyxl

from bot.prompts import default_prompts
from bot.report import build_export, load_report_data, render_report
from tests.prompt_samples_capa import SAMPLES as CAPA_SAMPLES
from tests.report_fixtures import create_sample_audit

PROMPTS = default_prompts()
TZ = ZoneInfo("Asia/Shanghai")
STATES = ("open", "planned", "plan_accepted", "implemented", "closed")


def test_each_state_has_one_label():
    for lang in ("en", "zh"):
        named = {key for key in PROMPTS._labels[lang]
                 if any(key.endswith(f"state_{state}") for state in STATES) and "programme" not in key}
        assert named == {f"capa_state_{state}" for state in STATES}, lang
    assert PROMPTS.label("en", "capa_state_planned") == "plan to review"
    assert PROMPTS.label("zh", "capa_state_planned") == "计划待审查"
    legend = PROMPTS.render("zh", "lead_status", **CAPA_SAMPLES["lead_status"][0])
    assert "计划待审查" in legend and "待制定计划" in legend  # the /status legend says the same


async def test_the_report_and_the_export_name_the_state_as_the_cards_do(db, files, tmp_path):
    sample = await create_sample_audit(db, files, questions=8, photos=0)
    data = await load_report_data(db, sample.audit_id, files, TZ)
    action = next(f.action for f in data.findings if f.action is not None)
    document = docx.Document(str(render_report(data, tmp_path / "r.docx")))
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    assert PROMPTS.label(data.lang, f"capa_state_{action.state}") in cells

    path = await build_export(db, TZ, tmp_path / "export.xlsx", lang="zh")
    book = openpyxl.load_workbook(path)
    values = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    assert PROMPTS.label("zh", f"capa_state_{action.state}") in values
    assert not {f"capa_state_{action.state}", action.state} & values  # a label, not a code


async def test_the_conformity_rate_counts_every_applicable_answer_without_a_nonconformity(db, files, tmp_path):
    """Issue 23, point 15: observations, OFIs and good practice are not nonconformities."""
    from bot.report.data import applicable_answers, conformity_rate

    assert conformity_rate({"conform": 4, "observation": 1, "ofi": 1, "minor": 1, "na": 2}) == 6 / 7
    assert conformity_rate({"na": 3}) is None
    sample = await create_sample_audit(db, files, questions=8, photos=0)
    data = await load_report_data(db, sample.audit_id, files, TZ)
    counts = data.counts()
    applicable = applicable_answers(counts)  # answered, less not applicable
    expected = (applicable - counts.get("minor", 0) - counts.get("major", 0)) / applicable
    assert data.conformity_rate() == expected
    document = docx.Document(str(render_report(data, tmp_path / "rate.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{expected:.1%}" in text
    assert PROMPTS.label(data.lang, "report_summary_rate_definition") in text
