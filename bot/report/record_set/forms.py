"""The shared look of the record pack's forms: the report's Word parts (styles, CJK fonts,
page set-up, agency header and footer), a centred title, and form tables of label → value
pairs, blocks of text and blank rows to write on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from bot.domain.agency import AgencyProfile
from bot.report.docx_parts import (
    CONTENT_WIDTH,
    LABEL_FILL,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SIDE_MARGIN,
    DocxWriter,
    Grid,
    format_runs,
    row_flag,
    shade,
)

FORM_WIDTH = CONTENT_WIDTH.cm
HALF = (3.4, FORM_WIDTH / 2 - 3.4, 3.4, FORM_WIDTH / 2 - 3.4)  # label, value, label, value


def day(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


class FormWriter(DocxWriter):
    """One form of the pack; labels are ``record_<key>``."""

    def __init__(self, lang: str, agency: AgencyProfile | None, *, landscape: bool = False):
        super().__init__(lang, "record", agency)
        self.landscape = landscape

    @property
    def width(self) -> float:
        """The usable width in cm."""
        return (PAGE_HEIGHT - 2 * SIDE_MARGIN).cm if self.landscape else FORM_WIDTH

    def start(self, header: str, title: str, subtitle: str = "") -> None:
        """Page set-up with ``header`` on every page (the first too), then the form's title."""
        self.page_setup(header)
        section = self.doc.sections[0]
        section.different_first_page_header_footer = False
        if self.landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
        heading = self.para(title, "Title")
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.paragraph_format.space_before = Pt(6)
        format_runs(heading, size=Pt(20))
        if subtitle:
            self.para(subtitle, "Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER

    def grid(self, widths: Sequence[float], headers: Sequence[str] = ()) -> Grid:
        return Grid(self, widths, headers=headers)

    def pairs(self, grid: Grid, values: Sequence[Any]) -> None:
        """A row of label, value, label, value … (labels shaded and bold; an empty value stays
        blank, to be written in by hand)."""
        fills = [LABEL_FILL if index % 2 == 0 else None for index in range(len(values))]
        cells = grid.row([str(value or "") for value in values], fills=fills)
        for index, cell in enumerate(cells):
            if index % 2 == 0:
                cell.paragraphs[0]._p.style = self.styles.cell_head

    def block(self, grid: Grid, label: str, text: str, *, height: float = 2.0, sign: str = "") -> None:
        """A row across the form: ``label`` in bold, ``text`` under it (blank to write on),
        at least ``height`` cm high; ``sign`` at its foot, right-aligned (who and when)."""
        cells = grid.table.add_row().cells
        merged = cells[0].merge(cells[-1])
        first = merged.paragraphs[0]
        first._p.style = self.styles.cell_head
        self.text(first, label)
        for line in (text or "").split("\n") if text else []:
            self.para(line, "Table Text", container=merged)
        if sign:
            closing = self.para(sign, "Table Text", container=merged)
            closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        row = grid.table.rows[-1]
        row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST
        row_flag(row, "w:cantSplit")

    def banner(self, grid: Grid, text: str) -> None:
        grid.banner(text)

    def blank_rows(self, grid: Grid, count: int, values: Sequence[str] = (), height: float = 0.9) -> None:
        """``count`` rows to write in by hand (``values`` prefilled in the first cells)."""
        columns = len(grid.table.columns)
        for _ in range(count):
            grid.row([*values, *[""] * (columns - len(values))])
            row = grid.table.rows[-1]
            row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST

    def tall(self, grid: Grid, height: float) -> None:
        """The last row of ``grid`` at least ``height`` cm high."""
        row = grid.table.rows[-1]
        row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST

    def shade_cell(self, cell: Any, fill: str = LABEL_FILL) -> None:
        shade(cell, fill)
