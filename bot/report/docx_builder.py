"""The Word audit report (ISO 19011 6.5.1), drawn with python-docx from a ``ReportData``.

Layout: cover, contents, then numbered sections (Heading 1) — audit facts, executive
summary, results by clause, nonconformities, observations and OFIs, good practices,
unanswered questions, divergent opinions, corrective actions, sign-off — and annexes with
the result of every question and the photos not attached to a finding. The document, its
styles (with CJK fonts), page set-up, tables and pictures are the shared ones of
``bot.report.docx_parts``; this module draws the report's sections.

Photos are turned upright before insertion (``photos.scale_photo``) because Word ignores
EXIF orientation.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Length
from docx.table import _Cell
from PIL import Image

from bot.report.data import (
    FINDING_KINDS,
    NC_KINDS,
    OTHER_FINDING_KINDS,
    RESULTS,
    Action,
    Finding,
    Photo,
    QuestionResult,
    ReportData,
    clean_text,
)
from bot.report.docx_parts import (
    ALERT_FILL,
    CONTENT_WIDTH,
    DocxWriter,
    Grid,
    Section,
    format_runs,
    row_flag,
    save_document,
)
from bot.report.follow_up import draw_follow_up
from bot.report.photos import PhotoCache, PhotoScaler, PhotoSource, ScaledPhoto

ProgressCallback = Callable[[int, int], None]

PHOTO_BOX = (Cm(7.9), Cm(7.2))  # one cell of the two-column photo grid
BAR_MAX = Cm(5.0)
BAR_HEIGHT = Cm(0.32)

RESULT_FILL = {
    "conform": "E2EFDA", "minor": "FCE4D6", "major": ALERT_FILL, "observation": "FFF2CC",
    "ofi": "DDEBF7", "good": "C6E0B4", "na": "EDEDED", "unanswered": "FFFFFF", "skipped": "FFFFFF",
}
RESULT_BAR = {
    "conform": "70AD47", "minor": "ED7D31", "major": "C00000", "observation": "FFC000",
    "ofi": "5B9BD5", "good": "548235", "na": "A5A5A5", "unanswered": "D9D9D9",
}

# Photo sizes tried in turn by render_report_under: (longest edge in pixels, JPEG quality).
DEFAULT_SIZES: tuple[tuple[int, int], ...] = (
    (1600, 80), (1280, 75), (1024, 70), (800, 65), (640, 60), (480, 50),
)


class ReportTooLarge(Exception):
    """The report is over the size limit even with the smallest photos."""


def render_report(
    data: ReportData,
    out_path: Path | str,
    *,
    photo_max_px: int = 1600,
    jpeg_quality: int = 80,
    on_progress: ProgressCallback | None = None,
    photo_cache: Path | None = None,
    photos: PhotoSource | None = None,
) -> Path:
    """Write the .docx report of ``data`` to ``out_path`` (atomically) and return the path.

    Photos are scaled to at most ``photo_max_px`` on their longer side and saved as JPEG
    of ``jpeg_quality``, in a thread pool, and kept in ``photo_cache`` (a folder) when
    given, for the next build; ``photos`` replaces all that (the benchmark passes photos
    scaled beforehand). Blocking and CPU-bound: run it off the event loop
    (``asyncio.to_thread``). ``on_progress(done_photos, total_photos)`` is called from
    the building thread.
    """
    out = Path(out_path)
    with ExitStack() as stack:
        cache = PhotoCache(photo_cache) if photo_cache else None
        source = photos or stack.enter_context(PhotoScaler(photo_max_px, jpeg_quality, cache=cache))
        document = _ReportBuilder(data, source, on_progress).build()
        save_document(document, out)
    return out


def render_report_under(
    data: ReportData,
    out_path: Path | str,
    max_bytes: int,
    *,
    sizes: Sequence[tuple[int, int]] = DEFAULT_SIZES,
    on_progress: ProgressCallback | None = None,
    photo_cache: Path | None = None,
) -> Path:
    """Like ``render_report``, rebuilt with smaller photos until the file is ≤ ``max_bytes``.

    ``sizes`` are the (max pixel edge, JPEG quality) pairs to try, largest first. Raises
    ReportTooLarge (and leaves no file) when even the last one is too big.
    """
    out = Path(out_path)
    size = 0
    for max_px, quality in sizes:
        render_report(data, out, photo_max_px=max_px, jpeg_quality=quality, on_progress=on_progress,
                      photo_cache=photo_cache)
        size = out.stat().st_size
        if size <= max_bytes:
            return out
    out.unlink(missing_ok=True)
    raise ReportTooLarge(f"the report is {size} bytes with the smallest photos; the limit is {max_bytes}")


# --- formatting of values -------------------------------------------------------------------

def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _due_cell(action: Action) -> str:
    """The due date in force, with the first one under it when it was extended."""
    if action.original_due_date is None:
        return _day(action.due_date)
    return f"{_day(action.due_date)}\n({_day(action.original_due_date)})"


def _day(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _clause_and_section(clause: str, section: str) -> str:
    """"4.1 · Context of the organization": a section titled with the clause's own number
    ("4 Context of the organization") does not repeat it."""
    number = re.match(r"(\d+(?:\.\d+)*)\s+(.+)", section)
    if number and clause and (clause == number[1] or clause.startswith(number[1] + ".")):
        section = number[2]
    return " · ".join(part for part in (clause, section.strip()) if part)


def _short(text: str, limit: int) -> str:
    """``text`` on one line, cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _period(start: datetime | None, end: datetime | None) -> str:
    first, last = _day(start), _day(end)
    if not last or last == first:
        return first if end else f"{first} –"
    return f"{first} – {last}"


# --- the summary chart's bars ----------------------------------------------------------------

@cache
def _swatch(color: str) -> bytes:
    """A tiny PNG of one colour; stretched, it is a bar of the summary chart."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "#" + color).save(out, "PNG")
    return out.getvalue()


# --- the report -----------------------------------------------------------------------------

class _ReportBuilder(DocxWriter):
    """Builds one report; sections are methods, in the order of ``_sections``."""

    def __init__(self, data: ReportData, scaler: PhotoSource, on_progress: ProgressCallback | None):
        super().__init__(data.lang, "report", data.agency)
        self.data = data
        self.scaler = scaler
        self.on_progress = on_progress
        self.photo_number = 0
        self.photo_total = 0

    def result_label(self, result: str | None, skipped: bool = False) -> str:
        if result is None:
            return self.t("result_skipped" if skipped else "result_unanswered")
        return self.t(f"result_{result}")

    # the document

    def build(self) -> DocxDocument:
        sections = self._sections()
        self._queue_photos()
        self._properties()
        return self.write(self.t("header", number=self.data.number, department=self.data.department),
                          self._cover, sections)

    def _sections(self) -> list[Section]:
        """(numbered title, drawing method) of each Heading 1, in order."""
        numbered = [
            ("h_facts", self._facts), ("h_summary", self._summary), ("h_clauses", self._clauses),
            ("h_nonconformities", lambda: self._findings(NC_KINDS)),
            ("h_observations", lambda: self._findings(OTHER_FINDING_KINDS)),
            ("h_good", lambda: self._findings(("good",))),
            ("h_not_covered", self._not_covered), ("h_divergent", self._divergent),
            ("h_capa", self._actions), ("h_signoff", self._signoff),
        ]
        sections = [(f"{n} {self.t(key)}", draw) for n, (key, draw) in enumerate(numbered, 1)]
        sections.append((self.t("h_annex_results"), self._annex_results))
        if self._annex_questions():
            sections.append((self.t("h_annex_photos"), self._annex_photos))
        return sections

    def _annex_questions(self) -> list[QuestionResult]:
        """Questions with photos but no finding: their photos go to Annex B."""
        return [q for q in self.data.questions if q.photos and q.result not in FINDING_KINDS]

    def _queue_photos(self) -> None:
        """Start scaling every photo the report shows, in the order it shows them."""
        photos = [photo for f in self.data.findings
                  for photo in (*f.question.photos, *(f.action.photos if f.action else ()))]
        photos += [photo for question in self._annex_questions() for photo in question.photos]
        self.photo_total = len(photos)
        self.scaler.start((photo, photo.path) for photo in photos)
        if self.on_progress:
            self.on_progress(0, self.photo_total)

    def _properties(self) -> None:
        """File properties (File ▸ Info): the default template would say python-docx wrote it."""
        data, props = self.data, self.doc.core_properties
        props.title = clean_text(f"{self.t('title')} {data.number}")
        props.subject = clean_text(data.department)
        props.author = props.last_modified_by = clean_text(", ".join(data.leaders()))
        props.keywords = "ISO 9001; ISO 19011"
        props.language = "zh-CN" if data.lang == "zh" else "en-US"
        props.created = props.modified = data.generated_at.astimezone(UTC).replace(tzinfo=None)
        props.revision = 1

    def _cover(self) -> None:
        data = self.data
        self.cover(data.checklist_title, [
            (self.t("f_number"), data.number),
            (self.t("f_department"), data.department),
            (self.t("f_client"), data.plan.audit_client),
            (self.t("f_period"), _period(data.created_at, data.completed_at)),
            (self.t("f_leader"), ", ".join(data.leaders())),
            (self.t("f_status"), self.t(f"status_{data.status}")),
            (self.t("f_revision"), str(data.revision)),
            (self.t("f_report_date"), _day(data.generated_at)),
            (self.t("f_issue"), self.t("issued_on", number=data.issue.number, at=_day(data.issue.at))
             if data.issue else self.t("not_issued")),
        ], self.t("generated", at=_when(data.generated_at), tz=self.prompts.zone(self.lang, data.tz_name)),
            warning="" if data.status == "completed" else self.t("draft"))

    # 1 audit facts

    def _facts(self) -> None:
        data, plan = self.data, self.data.plan
        confirmed = data.opening.scope_confirmed
        self.key_values([
            (self.t("f_number"), data.number),
            (self.t("f_client"), plan.audit_client),
            (self.t("f_department"), data.department),
            (self.t("f_checklist"), data.checklist_title),
            (self.t("f_objectives"), plan.objectives),
            (self.t("f_scope"), plan.scope),
            (self.t("f_criteria"), plan.criteria),
            (self.t("f_location"), plan.location),
            (self.t("f_planned"), plan.date),
            (self.t("f_period"), _period(data.created_at, data.completed_at)),
            (self.t("f_opening"), data.opening.held_at),
            (self.t("f_closing"), data.closing.held_at),
            (self.t("f_leader"), ", ".join(data.leaders())),
            (self.t("f_auditors"), ", ".join(data.auditors())),
            *([(self.t("f_impartiality"), "\n".join(self.t("impartiality_line", name=name, reason=reason)
                                                      for name, reason in data.impartiality))]
              if data.impartiality else []),
            (self.t("f_participants"), plan.participants),
            (self.t("f_opening_attendees"), data.opening.attendees),
            (self.t("f_scope_confirmed"), "" if confirmed is None else self.t("yes" if confirmed else "no")),
            (self.t("f_closing_attendees"), data.closing.attendees),
            (self.t("f_status"), self.t(f"status_{data.status}")),
            (self.t("f_revision"), str(data.revision)),
        ])
        if data.revisions:
            self._revision_history()

    def _revision_history(self) -> None:
        """Each issue of the report: revision, date, by whom, why."""
        self.heading(self.t("h_revisions"), level=3)
        grid = Grid(self, (1.6, 3.4, 3.6, CONTENT_WIDTH.cm - 8.6), headers=(
            self.t("rv_rev"), self.t("rv_date"), self.t("rv_by"), self.t("rv_reason")))
        for revision in self.data.revisions:
            grid.row((str(revision.rev), _day(revision.at), self.or_dash(revision.by),
                      revision.reason or self.t("rv_first")))
        self.para()

    # 2 executive summary

    def _summary(self) -> None:
        data, counts = self.data, self.data.counts()
        total = len(data.questions)
        self.para(self.t("summary_intro", department=data.department, checklist=data.checklist_title,
                         questions=self.count("questions", total), answered=data.answered(),
                         unanswered=total - data.answered()))
        grid = Grid(self, (5.6, 2.2, 2.2, 6.6), headers=(
            self.t("col_result"), self.t("col_count"), self.t("col_share"), self.t("col_bar")))
        for result in (*RESULTS, "unanswered"):
            share = counts[result] / total if total else 0.0
            label = self.result_label(None if result == "unanswered" else result)
            grid.row((label, str(counts[result]), f"{share:.0%}",
                      lambda cell, r=result, s=share: self._bar(cell, r, s)))
        self.para()
        rate = data.conformity_rate()
        line = self.t("summary_rate", rate=f"{rate:.1%}") if rate is not None else self.t("summary_rate_none")
        self.para(line, bold=True)
        self.para(self.t("summary_rate_definition"), "Caption")
        self.para(self.t("summary_findings", **{k: self.count(k, sum(1 for f in data.findings if f.kind == k))
                                               for k in FINDING_KINDS}))
        self.heading(self.t("h_conclusions"), level=3)
        self.para(data.closing.conclusions or self.t("none_conclusions"))
        format_runs(self.para(self.t("summary_sample")), italic=True)

    def _bar(self, cell: _Cell, result: str, share: float) -> None:
        if share > 0:
            size = (max(int(BAR_MAX * share), Cm(0.05)), BAR_HEIGHT)
            self.pictures.add(cell.paragraphs[0], _swatch(RESULT_BAR[result]), size, "Chart bar",
                              f"{result} {share:.0%}")

    # 3 results by clause

    def _clauses(self) -> None:
        # each header word fits its column even in a wide fallback font (no "Questio ns")
        grid = Grid(self, (1.6, 2.2, 1.9, 1.4, 1.8, 1.9, 1.4, 2.2, 2.2), headers=[
            self.t(k) for k in ("col_clause", "col_questions", "col_conform", "col_nc", "col_other",
                                "col_good", "col_na", "col_unanswered", "col_refs")])
        columns = (("conform",), NC_KINDS, OTHER_FINDING_KINDS, ("good",), ("na",), (None,))  # None: not answered
        for clause, questions in self._by_clause().items():
            counts = {results: sum(1 for q in questions if q.result in results) for results in columns}
            refs = ", ".join(q.finding for q in questions if q.finding)
            nonconform = counts[NC_KINDS]
            grid.row([clause, str(len(questions)), *(str(v) for v in counts.values()), refs],
                     fills=(None, None, None, RESULT_FILL["major"] if nonconform else None))

    def _by_clause(self) -> dict[str, list[QuestionResult]]:
        """Questions grouped by clause, clauses in checklist order."""
        groups: dict[str, list[QuestionResult]] = {}
        for question in self.data.questions:
            groups.setdefault(question.clause or "—", []).append(question)
        return groups

    # 4–6 findings

    def _findings(self, kinds: tuple[str, ...]) -> None:
        found = self.data.findings_of(kinds)
        if not found:
            self.para(self.t("none_findings"))
        for finding in found:
            self._finding(finding)

    def _finding(self, finding: Finding) -> None:
        question = finding.question
        clause = f" · {question.clause}" if question.clause else ""
        self.heading(f"{finding.number}  {self.result_label(finding.kind)}{clause}", level=2)
        rows: list[tuple[str, Any]] = [
            (self.t("fd_clause"), _clause_and_section(question.clause, question.section)),
            (self.t("fd_question"), question.text),
        ]
        if finding.repeat_of:
            rows.append((self.t("fd_repeat"), self.t("fd_repeat_of", previous=finding.repeat_of)))
        if finding.statement.strip():
            rows.append((self.t("fd_statement"), finding.statement))
        # the statement is made of the question's notes: a note is printed once, in the statement
        stated = {line.strip() for line in finding.statement.splitlines() if line.strip()}
        further = [note for note in question.notes if note.text.strip() not in stated]
        if further:
            rows.append((self.t("fd_notes"), lambda cell: self._notes(cell, further)))
        if question.documents or question.voice:
            rows.append(("", self.t("fd_files", documents=question.documents, voice=question.voice)))
        self.key_values(rows)
        self._photos(question, finding.number)
        if finding.action is not None or finding.kind in NC_KINDS:
            self._action(finding)

    def _notes(self, cell: _Cell, notes: list) -> None:
        """Each note as a paragraph: time · author: text."""
        for index, note in enumerate(notes):
            paragraph = cell.paragraphs[0] if index == 0 else self.para(style="Table Text", container=cell)
            self.text(paragraph, self.t("note_line", at=_when(note.at), author=note.author), bold=True)
            self.text(paragraph, note.text)

    def _action(self, finding: Finding) -> None:
        self.heading(self.t("fd_action"), level=3)
        action = finding.action
        if action is None:
            self.para(self.t("fd_no_action"))
            return
        whys = "\n".join(self.t("fd_why", n=n, text=why) for n, why in enumerate(action.root_cause, 1))
        rows = [
            (self.t("fd_state"), self.prompts.label(self.lang, f"capa_state_{action.state}")),
            (self.t("fd_due"), _day(action.due_date)),
            *([(self.t("fd_original_due"), _day(action.original_due_date)),
               (self.t("fd_days_late_original"), str(action.days_late_original))]
              if action.original_due_date else []),
            (self.t("fd_days_late"), str(action.days_late) if action.days_late else ""),
            (self.t("fd_correction"), action.correction),
            (self.t("fd_root_cause"), whys),
            (self.t("fd_elsewhere"), action.elsewhere),
            (self.t("fd_plan"), action.action_plan),
            (self.t("fd_target"), action.target_date),
            (self.t("fd_implementation"), action.implementation),
            (self.t("fd_effectiveness"), action.effectiveness),
            (self.t("fd_rejection"), action.rejection_reason),
            (self.t("fd_closed"), _day(action.closed_at)),
        ]
        if action.documents:
            rows.append((self.t("fd_implementation_files"), self.t("fd_implementation_files_n", n=action.documents)))
        always = {self.t("fd_state"), self.t("fd_due")}
        self.key_values([(k, v) for k, v in rows if v or k in always])
        self._photo_grid(action.photos, finding.question, f"{finding.number} · {self.t('fd_implementation')}")

    # photos

    def _photos(self, question: QuestionResult, ref: str) -> None:
        """The photos of a question, two per row, each with its caption."""
        self._photo_grid(question.photos, question, ref)

    def _photo_grid(self, photos: list[Photo], question: QuestionResult, ref: str) -> None:
        """``photos`` (of ``question``, or of its action), two per row, each with its caption."""
        if not photos:
            return
        half = CONTENT_WIDTH.cm / 2
        grid = Grid(self, (half, half), style_id=self.styles["Normal Table"])
        for start in range(0, len(photos), 2):
            pair = photos[start:start + 2]
            fillers = [lambda cell, p=photo: self._photo(cell, p, question, ref) for photo in pair]
            grid.row(fillers + [""] * (2 - len(pair)))
            row_flag(grid.table.rows[-1], "w:cantSplit")
        self.para()

    def _photo(self, cell: _Cell, photo: Photo, question: QuestionResult, ref: str) -> None:
        self.photo_number += 1
        number = self.photo_number
        caption = self.t("photo_caption", n=number, ref=ref, clause=question.clause,
                         question=_short(question.text, 60), at=_when(photo.at))
        if photo.caption.strip():
            caption = f"{caption}\n{photo.caption}"
        scaled = self.scaler.get(photo, photo.path)
        picture = cell.paragraphs[0]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if scaled is None:
            self.text(picture, self.t("photo_missing", n=number, caption=_short(caption, 200)))
        else:
            self.pictures.add(picture, scaled.data, _fit(scaled, *PHOTO_BOX), f"Photo {number}", caption)
            self.para(caption, "Caption", container=cell).alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.on_progress:
            self.on_progress(number, self.photo_total)

    # 7 unanswered and not covered

    def _not_covered(self) -> None:
        self.heading(self.t("h_unanswered"), level=3)
        unanswered = self.data.with_result(None)
        if unanswered:
            self._question_table(unanswered, self.t("col_result"), lambda q: self.result_label(None, q.skipped))
        else:
            self.para(self.t("none_unanswered"))
        self.heading(self.t("h_not_applicable"), level=3)
        not_applicable = self.data.with_result("na")
        if not_applicable:
            self._question_table(not_applicable, self.t("fd_notes"),
                                 lambda q: _short(" / ".join(n.text for n in q.notes), 500))
        else:
            self.para(self.t("none_not_applicable"))

    def _question_table(self, questions: list[QuestionResult], last_header: str,
                        last: Callable[[QuestionResult], str]) -> None:
        """Clause, section and question of each, and one more column."""
        grid = Grid(self, (1.6, 3.4, 7.6, 4.0), headers=(
            self.t("col_clause"), self.t("col_section"), self.t("col_question"), last_header))
        for question in questions:
            grid.row((question.clause, question.section, question.text, last(question)))
        self.para()

    # 8 divergent opinions

    def _divergent(self) -> None:
        diverging = self.data.diverging
        self.para(self.data.closing.divergent or ("" if diverging else self.t("none_divergent")))
        for name, reason in diverging:  # the department's comments on the draft that stayed unresolved
            self.para(self.t("so_diverging", name=name, reason=reason))

    # 9 corrective actions

    def _actions(self) -> None:
        self._action_table()
        draw_follow_up(self, self.data.follow_up, Grid)

    def _action_table(self) -> None:
        with_action = self.data.actions()
        if not with_action:
            has_nc = bool(self.data.findings_of(NC_KINDS))
            self.para(self.t("none") if has_nc else self.t("none_actions"))
            return
        grid = Grid(self, (1.8, 1.7, 1.6, 2.6, 2.3, 1.7, 2.3, 2.6), headers=[
            self.t(k) for k in ("col_finding", "col_clause", "col_type", "col_state", "col_due",
                                "col_days_late", "col_target", "col_closed")])
        for finding in with_action:
            action = finding.action
            assert action is not None
            late = str(action.days_late) if action.days_late else ""
            grid.row((finding.number, finding.question.clause, self.t(f"kind_{finding.kind}"),
                      self.prompts.label(self.lang, f"capa_state_{action.state}"), _due_cell(action), late,
                      action.target_date, _day(action.closed_at)),
                     fills=(None, None, None, None, None, RESULT_FILL["major"] if late else None))

    # 10 sign-off

    def _signoff(self) -> None:
        if self.data.issue is not None:
            issue = self.data.issue
            self.para(self.t("so_issued", number=issue.number, rev=issue.rev, at=_day(issue.at)))
        if self.data.signoff:
            self._approvals()
        self.para(self.t("so_intro"))
        grid = Grid(self, (4.2, 4.2, 5.0, 3.2), headers=(
            self.t("so_role"), self.t("so_name"), self.t("so_signature"), self.t("so_date")))
        people = [(self.t("so_leader"), name) for name in self.data.leaders()]
        people += [(self.t("so_auditor"), name) for name in self.data.auditors()]
        people.append((self.t("so_department"), ""))
        for role, name in people:
            grid.row((role, name, "", ""))
            grid.table.rows[-1].height = Cm(1.3)
        if self.data.findings and self.data.status == "completed":
            revised = self.data.revision > 1  # each revision acknowledged for itself
            lines = [*self.data.acknowledged_before, *((self.data.revision, name, at) for name, at in self.data.acknowledged)]
            for rev, name, at in lines:
                self.para(self.t("so_acknowledged_rev" if revised else "so_acknowledged", rev=rev, name=name,
                                 at=f"{at:%Y-%m-%d %H:%M}"))
            if not self.data.acknowledged:
                self.para(self.t("so_acknowledgement_pending_rev" if revised else "so_acknowledgement_pending",
                                 rev=self.data.revision))

    def _approvals(self) -> None:
        """The report's lifecycle: who, in which role, when, what they decided, their note;
        then the receipts of the issued revisions."""
        grid = Grid(self, (1.2, 3.4, 3.0, 2.4, 3.0, CONTENT_WIDTH.cm - 13.0), headers=(
            self.t("so_rev"), self.t("so_decision"), self.t("so_name"), self.t("so_role"), self.t("so_date"),
            self.t("so_note")))
        for line in self.data.signoff:
            grid.row((str(line.rev), self.prompts.label(self.lang, f"rf_step_{line.step}"), line.name,
                      self.prompts.label(self.lang, f"rf_role_{line.role}"), _when(line.at), line.note))
        if self.data.receipts:
            self.heading(self.t("so_receipts"), level=3)
            grid = Grid(self, (1.2, 5.0, CONTENT_WIDTH.cm - 6.2), headers=(
                self.t("so_rev"), self.t("so_name"), self.t("so_received")))
            for rev, name, at, skipped in self.data.receipts:
                grid.row((str(rev), name, self.t("so_skipped") if skipped else (_when(at) if at else
                                                                                 self.t("so_not_received"))))
        self.para()

    # annexes

    def _annex_results(self) -> None:
        grid = Grid(self, (1.0, 1.6, 8.4, 3.6, 2.0), headers=[
            self.t(k) for k in ("col_no", "col_clause", "col_question", "col_result", "col_refs")])
        section = None
        for number, question in enumerate(self.data.questions, 1):
            if question.section != section:
                section = question.section
                grid.banner(section)
            key = question.result or ("skipped" if question.skipped else "unanswered")
            grid.row((str(number), question.clause, question.text,
                      self.result_label(question.result, question.skipped), question.finding),
                     fills=(None, None, None, RESULT_FILL[key]))

    def _annex_photos(self) -> None:
        for question in self._annex_questions():
            result = self.result_label(question.result, question.skipped)
            heading = self.para(f"{question.clause}  {_short(question.text, 120)}".strip(), bold=True)
            heading.paragraph_format.keep_with_next = True
            self._photos(question, result)


def _fit(scaled: ScaledPhoto, box_width: Length, box_height: Length) -> tuple[int, int]:
    """The largest (width, height) in EMU with the photo's proportions inside the box."""
    scale = min(box_width / scaled.width, box_height / scaled.height)
    return int(scaled.width * scale), int(scaled.height * scale)
