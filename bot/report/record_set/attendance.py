"""The attendance sheets (签到表) of the opening and closing meetings: the meeting's facts,
the attendees the bot recorded, and empty rows, all with a blank column to sign in."""

from __future__ import annotations

import re
from pathlib import Path

from bot.report.data import Meeting
from bot.report.docx_parts import save_document
from bot.report.record_set.data import RecordSet
from bot.report.record_set.forms import HALF, FormWriter

MIN_ROWS = 18  # rows on the sheet, attendees and empty ones for those who come unrecorded
MIN_EMPTY = 4
_SEPARATORS = re.compile(r"[,，、;；\n]+")
_ROLE = re.compile(r"^(.*?)\s*[（(]\s*(.*?)\s*[)）]\s*$")


def attendees(text: str) -> list[tuple[str, str]]:
    """(name, role) of each attendee typed on the card: "李娜（科长）, Zhang Wei" → [("李娜", "科长"), ("Zhang Wei", "")]."""
    found = []
    for part in _SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        role = _ROLE.match(part)
        found.append((role[1], role[2]) if role and role[1] else (part, ""))
    return found


def render_attendance(records: RecordSet, meeting: str, out: Path) -> Path:
    """Write the sheet of the ``meeting`` ('opening' or 'closing') to ``out`` (atomically). Blocking."""
    save_document(_Attendance(records, meeting).build(), out)
    return out


class _Attendance(FormWriter):
    def __init__(self, records: RecordSet, meeting: str):
        super().__init__(records.report.lang, records.report.agency)
        self.records = records
        self.meeting = meeting

    def build(self):
        data = self.records.report
        meeting: Meeting = data.opening if self.meeting == "opening" else data.closing
        self.start(self.t("att_header", number=data.number), self.t(f"att_title_{self.meeting}"))
        facts = self.grid(HALF)
        self.pairs(facts, (self.t("f_audit_number"), data.number, self.t("f_department"), data.department))
        self.pairs(facts, (self.t("f_held_at"), meeting.held_at, self.t("f_location"), data.plan.location))
        self.pairs(facts, (self.t("f_leader"), ", ".join(data.leaders()), self.t("f_auditors"),
                           ", ".join(data.auditors())))
        agenda = facts.table.add_row().cells
        paragraph = agenda[0].merge(agenda[-1]).paragraphs[0]
        paragraph._p.style = self.styles.cell
        self.text(paragraph, self.t(f"att_agenda_{self.meeting}"))
        self.para()
        sheet = self.grid((1.2, 4.0, 5.4, 3.6, 2.4), headers=(
            self.t("col_no"), self.t("col_name"), self.t("col_unit_role"), self.t("col_signature"),
            self.t("col_time")))
        people = attendees(meeting.attendees)
        for number, (name, role) in enumerate(people, 1):
            self.blank_rows(sheet, 1, (str(number), name, role))
        empty = max(MIN_EMPTY, MIN_ROWS - len(people))
        for number in range(len(people) + 1, len(people) + empty + 1):
            self.blank_rows(sheet, 1, (str(number),))
        self.para(self.t("att_note"), "Caption")
        return self.doc
