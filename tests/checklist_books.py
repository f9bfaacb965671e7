"""Workbooks for the checklist import tests: filled templates, broken on purpose."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import openpyxl

from bot.workbooks.checklist import write_workbook
from tests.helpers import workbook_bytes

ZH_ROWS = [
    # section, title zh, id, clause, question zh, guidance zh, evidence
    ("doc", "文件控制", "doc-1", "7.5.2", "文件是否经过审批后发布？", "抽取 3 份现行文件，核对审批记录。", "required"),
    ("doc", None, "doc-2", "7.5.3", "作废文件是否及时收回？", "查看作废文件清单和收回记录。", "optional"),
    ("train", "培训", "train-1", "7.2", "新员工是否接受了岗前培训？", "抽取 2 名新员工的培训记录。", "none"),
]


def book(
    rows: list[tuple] = ZH_ROWS,
    *,
    settings: dict | None = None,
    langs: tuple[str, ...] = ("zh", "en"),
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> bytes:
    """The blank template with ``rows`` of Chinese questions filled in (English left empty)."""
    workbook = openpyxl.load_workbook(io.BytesIO(write_workbook(None)))
    sheet = workbook["questions"]
    headers = [c.value for c in sheet[1]]
    for number, (section, title, qid, clause, text, guidance, evidence) in enumerate(rows, 2):
        values = {"section": section, "section_title::zh": title, "id": qid, "clause": clause,
                  "question::zh": text, "guidance::zh": guidance, "evidence": evidence}
        for col, name in enumerate(headers, 1):
            if values.get(name) is not None:
                sheet.cell(number, col, values[name])
    settings_sheet = workbook["settings"]
    s_headers = [c.value for c in settings_sheet[1]]
    values = {"id": "office-zh", "version": 1, "title::zh": "办公室检查表"}
    values.update(settings or {})
    for col, name in enumerate(s_headers, 1):
        if name in values:
            settings_sheet.cell(2, col, values[name])
    if edit is not None:
        edit(workbook)
    return workbook_bytes(workbook)


def cell_of(workbook: openpyxl.Workbook, sheet: str, row: int, header: str):
    ws = workbook[sheet]
    for col, cell in enumerate(ws[1], 1):
        if cell.value == header:
            return ws.cell(row, col)
    raise KeyError(header)


def patch_xml(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """A copy of the .xlsx with ``old`` replaced by ``new`` in one member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                assert old in content, content[:500]
                content = content.replace(old, new, 1)
            target.writestr(info.filename, content)
    return out.getvalue()


def zip_bomb(inflated_mb: int = 200) -> bytes:
    """A small .xlsx-looking zip whose one sheet inflates to ``inflated_mb`` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="questions"/></sheets></workbook>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
    return out.getvalue()


def lying_zip_bomb(inflated_mb: int = 200, declared: int = 2000) -> bytes:
    """A real workbook whose questions sheet inflates to ``inflated_mb`` MB while its headers say
    ``declared`` bytes (the size checks alone would let it through)."""
    import struct

    source = book()
    out = io.BytesIO()
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in src.infolist():
            if info.filename != member:
                target.writestr(info, src.read(info.filename))
                continue
            with target.open(member, "w") as handle:
                handle.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                             b"<sheetData>")
                for _ in range(inflated_mb):
                    handle.write(b" " * (1024 * 1024))
                handle.write(b"</sheetData></worksheet>")
    data = bytearray(out.getvalue())
    name = member.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 26, 22), (b"PK\x01\x02", 28, 24)):
        at = data.find(signature)
        while at != -1:
            length = struct.unpack("<H", data[at + name_at:at + name_at + 2])[0]
            start = at + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[start:start + length]) == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", declared)
            at = data.find(signature, at + 4)
    return bytes(data)
