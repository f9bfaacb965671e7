"""The Word parts the audit report and the management-review pack share (python-docx).

``DocxWriter`` holds one document set up the same way for both: A4 page and margins, a
right-aligned header and a "Page x of y" footer, real Word styles (Title, Heading 1–3,
Caption, Table Text and Table Heading, the 'Audit Table' table style, toc 1) that keep the
navigation pane and the table of contents working, and the helpers the builders draw with:
labels, paragraphs, headings, the cover, the contents field, label → value tables.
``Grid`` is a table with fixed column widths filled row by row; ``Pictures`` adds inline
images. Every style names a CJK font in ``w:eastAsia`` (python-docx's ``font.name`` sets
only the Latin slots, and the default template's theme would pick a Japanese font).

python-docx traps avoided here: rows are built with ``add_row().cells`` (``Table.cell``
re-parses the table on every call), page numbers are field codes made with OxmlElement,
and pictures do not go through ``Run.add_picture`` (see ``Pictures``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Cm, Length, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.domain.agency import AgencyProfile
from bot.prompts import default_prompts
from bot.report.data import clean_text
from storage.files import save_atomically

LATIN_FONT = "Calibri"
CJK_BODY_FONT = "SimSun"  # 宋体
CJK_HEADING_FONT = "SimHei"  # 黑体
EAST_ASIA_LANG = "zh-CN"

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)  # A4
SIDE_MARGIN, TOP_MARGIN = Cm(2.2), Cm(2.3)
CONTENT_WIDTH = Length(PAGE_WIDTH - 2 * SIDE_MARGIN)

ACCENT = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
ALERT = RGBColor(0xC0, 0x00, 0x00)
BORDER = "A6A6A6"
HEADER_FILL = "D9E2F3"
LABEL_FILL = "F2F2F2"
ALERT_FILL = "F8CBAD"  # a cell that needs attention (a major nonconformity's colour)
LOGO_HEIGHT, LOGO_MAX_WIDTH = Cm(1.1), Cm(4.5)  # the agency's logo in the header

Section = tuple[str, Callable[[], None]]  # (title of the Heading 1, method drawing its content)


def save_document(document: DocxDocument, out: Path) -> None:
    """Save next to ``out`` and rename, so a reader never sees half a file."""
    save_atomically(document.save, out)


# --- low-level OOXML helpers ----------------------------------------------------------------

def set_fonts(rpr: Any, latin: str, east_asia: str) -> None:
    """Explicit Latin and East Asian fonts on an rPr (theme font attributes removed)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def style_fonts(style: BaseStyle, east_asia: str) -> None:
    """``LATIN_FONT`` and the CJK font ``east_asia`` on ``style``."""
    set_fonts(style.element.get_or_add_rPr(), LATIN_FONT, east_asia)


def shade(cell: _Cell, fill: str) -> None:
    """Fill ``cell`` with the hex colour ``fill``."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def row_flag(row: Any, tag: str) -> None:
    """A row property without value (w:tblHeader repeats the row, w:cantSplit keeps it whole)."""
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def field_char(paragraph: Paragraph, kind: str) -> None:
    """A run holding a field boundary: ``kind`` is 'begin', 'separate' or 'end'."""
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(element)


def field_start(paragraph: Paragraph, instr: str) -> None:
    """Begin a field: its instruction, then the separator before its shown result."""
    field_char(paragraph, "begin")
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = f" {instr} "
    paragraph.add_run()._r.append(element)
    field_char(paragraph, "separate")


def field(paragraph: Paragraph, instr: str, shown: str) -> None:
    """A whole field (PAGE, NUMPAGES …) with ``shown`` as its last computed result."""
    field_start(paragraph, instr)
    paragraph.add_run(shown)
    field_char(paragraph, "end")


def bottom_border(paragraph: Paragraph, color: str = BORDER) -> None:
    """A thin line under ``paragraph``."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", color)):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def format_runs(paragraph: Paragraph, *, size: Length | None = None, color: RGBColor | None = None,
                italic: bool | None = None) -> None:
    """Direct formatting of every run of ``paragraph`` (for the few one-off paragraphs)."""
    for run in paragraph.runs:
        if size is not None:
            run.font.size = size
        if color is not None:
            run.font.color.rgb = color
        if italic is not None:
            run.italic = italic


class Pictures:
    """Inline pictures without python-docx's per-picture scans of the whole package.

    ``Run.add_picture`` hashes every image already in the document and searches every id
    in it for each new picture, which is quadratic in the number of photos. Here each
    distinct image becomes one part (identical bytes are stored once) and shape ids come
    from a counter.
    """

    def __init__(self, document: DocxDocument):
        self.part = document.part
        self.rids: dict[bytes, str] = {}
        self.shapes = 0

    def add(self, paragraph: Paragraph, blob: bytes, size: tuple[int, int], name: str,
            description: str) -> None:
        """Append the image ``blob`` at ``size`` (EMU) to ``paragraph``, with its alt text."""
        rid = self.rids.get(blob)
        if rid is None:
            image = DocxImage.from_blob(blob)
            partname = PackURI(f"/word/media/report{len(self.rids) + 1}.{image.ext}")
            rid = self.part.relate_to(ImagePart.from_image(image, partname), RT.IMAGE)
            self.rids[blob] = rid
        self.shapes += 1
        inline = CT_Inline.new_pic_inline(self.shapes, rid, name, Length(size[0]), Length(size[1]))
        inline.docPr.set("name", name)
        inline.docPr.set("descr", clean_text(description))
        paragraph.add_run()._r.add_drawing(inline)


def _logo_size(logo: bytes) -> dict[str, Length]:
    """The logo's size in the header: LOGO_HEIGHT high, unless that makes it too wide."""
    image = DocxImage.from_blob(logo)
    width = Length(int(LOGO_HEIGHT * image.px_width / max(image.px_height, 1)))
    return {"width": LOGO_MAX_WIDTH} if width > LOGO_MAX_WIDTH else {"height": LOGO_HEIGHT}


# --- styles ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Styles:
    """Style ids (not style objects: python-docx's by-object lookup scans every style)."""

    table: str
    cell: str
    cell_head: str
    toc: str
    ids: dict[str, str]  # every style's id by its name

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


def setup_styles(document: DocxDocument) -> Styles:
    """Fonts (Latin and CJK) and sizes of the styles the documents use."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, LATIN_FONT, CJK_BODY_FONT)
    defaults.find(qn("w:lang")).set(qn("w:eastAsia"), EAST_ASIA_LANG)
    normal = styles["Normal"]
    style_fonts(normal, CJK_BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Title", 26), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11.5)):
        style = styles[name]
        style_fonts(style, CJK_HEADING_FONT)
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
        style.paragraph_format.space_after = Pt(6)
    styles["Heading 1"].paragraph_format.space_before = Pt(18)
    styles["Heading 2"].paragraph_format.space_before = Pt(14)
    for name in ("Caption", "Header", "Footer", "TOC Heading"):
        style_fonts(styles[name], CJK_HEADING_FONT if name == "TOC Heading" else CJK_BODY_FONT)
    caption = styles["Caption"]
    caption.font.size, caption.font.bold, caption.font.color.rgb = Pt(9), False, GREY
    for name in ("Header", "Footer"):
        styles[name].font.size, styles[name].font.color.rgb = Pt(8.5), GREY
    return Styles(
        table=_table_style(document).style_id,
        cell=_paragraph_style(document, "Table Text", size=9).style_id,
        cell_head=_paragraph_style(document, "Table Heading", size=9, bold=True).style_id,
        toc=_paragraph_style(document, "toc 1", size=10.5, after=3).style_id,
        ids={style.name: style.style_id for style in styles},
    )


def _paragraph_style(
    document: DocxDocument, name: str, *, size: float, bold: bool = False, after: float = 0
) -> BaseStyle:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style_fonts(style, CJK_HEADING_FONT if bold else CJK_BODY_FONT)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.paragraph_format.space_after = Pt(after)
    style.paragraph_format.line_spacing = 1.0
    return style


def _table_style(document: DocxDocument) -> BaseStyle:
    """'Audit Table': Table Grid with light grey borders and roomier cells."""
    style = document.styles.add_style("Audit Table", WD_STYLE_TYPE.TABLE)
    style.base_style = document.styles["Table Grid"]
    tbl_pr = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for name, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", BORDER)):
            line.set(qn(name), value)
        borders.append(line)
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("top", 40), ("left", 90), ("bottom", 40), ("right", 90)):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(width))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tbl_pr.append(borders)
    tbl_pr.append(margins)
    style.element.append(tbl_pr)
    return style


# --- tables ---------------------------------------------------------------------------------

class Grid:
    """A table with fixed column widths, filled row by row."""

    def __init__(self, writer: DocxWriter, widths: Sequence[float], headers: Sequence[str] = (),
                 style_id: str | None = None):
        self.writer = writer
        self.table: Table = writer.doc.add_table(rows=0, cols=len(widths))
        self.table._tbl.tblStyle_val = style_id or writer.styles.table
        self.table.autofit = False
        self.table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, width in zip(self.table.columns, widths, strict=True):
            column.width = Cm(width)
        if headers:
            cells = self.row(headers, head=True)
            row_flag(self.table.rows[-1], "w:tblHeader")
            for cell in cells:
                shade(cell, HEADER_FILL)

    def row(self, values: Sequence[Any], *, head: bool = False,
            fills: Sequence[str | None] = ()) -> list[_Cell]:
        """Append a row; a value is text, or a callable that fills the cell itself."""
        cells = self.table.add_row().cells  # add_row gives each cell its column's width
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph._p.style = self.writer.styles.cell_head if head else self.writer.styles.cell
            if callable(value):
                value(cell)
            else:
                self.writer.text(paragraph, value)
            fill = fills[index] if index < len(fills) else None
            if fill:
                shade(cell, fill)
        return cells

    def banner(self, text: str, fill: str = LABEL_FILL) -> None:
        """A row spanning every column (a section title inside a long table)."""
        cells = self.table.add_row().cells
        merged = cells[0].merge(cells[-1])
        paragraph = merged.paragraphs[0]
        paragraph._p.style = self.writer.styles.cell_head
        self.writer.text(paragraph, text)
        shade(merged, fill)


# --- the document ---------------------------------------------------------------------------

class DocxWriter:
    """One document with the shared styles; ``t`` reads the prompt labels ``<labels>_<key>``."""

    def __init__(self, lang: str, labels: str, agency: AgencyProfile | None = None):
        self.lang = lang
        self.labels = labels
        self.agency = agency if agency is not None and not agency.empty else None
        self.prompts = default_prompts()
        self.doc = Document()
        self.styles = setup_styles(self.doc)
        self.pictures = Pictures(self.doc)

    # text helpers

    def t(self, key: str, **values: Any) -> str:
        """The label ``<labels>_<key>`` in the document's language."""
        return self.prompts.label(self.lang, f"{self.labels}_{key}", **values)

    def count(self, key: str, n: int) -> str:
        """``n`` things, in agreement: label ``count_<key>_one`` for one, else ``count_<key>``."""
        return self.t(f"count_{key}_one" if n == 1 else f"count_{key}", n=n)

    def text(self, paragraph: Paragraph, value: Any, *, bold: bool = False) -> None:
        """Append ``value`` as clean text (newlines become line breaks)."""
        run = paragraph.add_run(clean_text(value))
        if bold:
            run.bold = True

    def para(self, value: Any = "", style: str | None = None, *, bold: bool = False,
             container: Any = None) -> Paragraph:
        """A new paragraph (in the body, or in ``container``) of the style named ``style``."""
        paragraph = (container or self.doc).add_paragraph()
        if style:
            paragraph._p.style = self.styles[style]
        if value:
            self.text(paragraph, value, bold=bold)
        return paragraph

    def heading(self, text: str, level: int) -> Paragraph:
        return self.para(text, f"Heading {level}")

    def or_dash(self, value: str) -> str:
        """``value``, or the label ``not_given`` when it is blank."""
        return value if value.strip() else self.t("not_given")

    # blocks

    def write(self, header: str, cover: Callable[[], None], sections: Sequence[Section]) -> DocxDocument:
        """Page set-up with ``header``, ``cover()``, the contents, then each section under its Heading 1."""
        self.page_setup(header)
        cover()
        self.contents([title for title, _ in sections])
        for title, draw in sections:
            self.heading(title, level=1)
            draw()
        return self.doc

    def page_setup(self, header: str) -> None:
        """A4 with margins; ``header`` on every page but the first, the label ``footer`` under each."""
        section = self.doc.sections[0]
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = SIDE_MARGIN
        section.top_margin = section.bottom_margin = TOP_MARGIN
        section.different_first_page_header_footer = True
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.text(paragraph, header)
        bottom_border(paragraph)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for part in re.split(r"(\{page\}|\{pages\})", self.t("footer")):
            if part == "{page}":
                field(footer, "PAGE", "1")
            elif part == "{pages}":
                field(footer, "NUMPAGES", "1")
            elif part:
                footer.add_run(part)
        if self.agency is not None:
            self._agency_header_footer(section, paragraph, footer)

    def _agency_header_footer(self, section: Any, header: Paragraph, footer: Paragraph) -> None:
        """The agency's logo and name at the left of every header (the cover's too), its
        confidentiality line and footer text above the page numbers of every footer."""
        agency = self.agency
        assert agency is not None
        name = agency.name(self.lang)
        for paragraph in (section.first_page_header.paragraphs[0], header):
            first = paragraph.runs[0] if paragraph.runs else None
            if paragraph is header:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
                stops = paragraph.paragraph_format.tab_stops
                for position in (Cm(8.255), Cm(16.51)):  # the Header style's own centre and right stops
                    stops.add_tab_stop(position, WD_TAB_ALIGNMENT.CLEAR)
                stops.add_tab_stop(CONTENT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
            runs = []
            if agency.logo:
                logo = paragraph.add_run()
                logo.add_picture(io.BytesIO(agency.logo), **_logo_size(agency.logo))
                runs.append(logo)
                if name:
                    runs.append(paragraph.add_run("  "))
            if name:
                title = paragraph.add_run(clean_text(name))
                title.bold = True
                runs.append(title)
            if first is not None:
                runs.append(paragraph.add_run("\t"))
            for run in runs:  # before the header's own text
                if first is not None:
                    first._r.addprevious(run._r)
            if paragraph is not header:
                bottom_border(paragraph)
        for footer_paragraph in (section.first_page_footer.paragraphs[0], footer):
            lines = [line for line in (agency.confidentiality, agency.footer) if line.strip()]
            for index, line in enumerate(lines):
                added = footer_paragraph.insert_paragraph_before(clean_text(line))
                added.alignment = WD_ALIGN_PARAGRAPH.CENTER
                added._p.style = self.styles["Footer"]
                if index == 0 and agency.confidentiality.strip():
                    added.runs[0].bold = True

    def cover(self, subtitle: str, facts: Iterable[tuple[str, Any]], note: str, *, warning: str = "") -> None:
        """The title page: the label ``title``, ``subtitle``, ``warning`` in red, the facts, ``note``."""
        title = self.para(self.t("title"), "Title")
        title.paragraph_format.space_before = Pt(120)
        format_runs(self.para(subtitle), size=Pt(14), color=GREY)
        if warning:
            format_runs(self.para(warning, bold=True), color=ALERT)
        self.para()
        self.key_values(facts)
        self.para(note, "Caption")
        self.page_break()

    def contents(self, titles: list[str]) -> None:
        """A TOC field whose shown result lists the sections (Word fills in the pages with F9; it is
        not asked to update fields on open, a prompt about "fields that may refer to other files"
        that an issued record should not raise); the PDF copy writes the page numbers in
        (bot/report/pdf_contents.py)."""
        self.para(self.t("toc"), "TOC Heading")
        for index, title in enumerate(titles):
            paragraph = self.para(style="toc 1")
            paragraph.paragraph_format.tab_stops.add_tab_stop(CONTENT_WIDTH, WD_TAB_ALIGNMENT.RIGHT,
                                                              WD_TAB_LEADER.DOTS)
            if index == 0:
                field_start(paragraph, 'TOC \\o "1-2" \\h \\z \\u')
            self.text(paragraph, title)
            if index == len(titles) - 1:
                field_char(paragraph, "end")
        self.page_break()

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def key_values(self, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column table of label → value; an empty text value shows a dash."""
        grid = Grid(self, (4.6, CONTENT_WIDTH.cm - 4.6))
        for label, value in rows:
            shown = value if callable(value) else self.or_dash(clean_text(value))
            cells = grid.row((label, shown), fills=(LABEL_FILL,))
            cells[0].paragraphs[0]._p.style = self.styles.cell_head
        self.para()
