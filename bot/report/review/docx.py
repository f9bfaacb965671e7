"""The management-review pack (ISO 9001 9.3.2) as a Word document, drawn from ``ReviewFigures``.

It is drawn with the Word parts it shares with the audit report (bot/report/docx_parts.py):
the same Word styles with CJK fonts, page set-up, cover, contents field, fixed-width tables,
picture parts and atomic save; only the sections differ. Layout: cover, contents, the
9.3.2 inputs and where each is found, audit results (9.3.2 c 6), nonconformities and
corrective actions (9.3.2 c 4), trends from the daily snapshots, a blank decisions table
(9.3.3) to fill in at the meeting, and the annex defining every figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from bot.domain.agency import AgencyProfile
from bot.report.docx_parts import (
    ALERT_FILL,
    CONTENT_WIDTH,
    LABEL_FILL,
    DocxWriter,
    Grid,
    Section,
    save_document,
)
from bot.report.review import charts
from bot.report.review.figures import FINDING_COLUMNS, ReviewFigures

MAX_ROWS = 60  # longer lists (audits, repeats, rejections) are cut here: the workbook has them all
MAX_CHART_CATEGORIES = 30
CHART_SIZE = (int(CONTENT_WIDTH), int(CONTENT_WIDTH * charts.HEIGHT_IN / charts.WIDTH_IN))
DECISION_TOPICS = ("a", "b", "c")
DECISION_ROWS = 3  # blank rows per 9.3.3 topic
INPUTS = (  # 9.3.2 inputs; the section of this pack that covers each, if any
    ("a", None), ("b", None), ("c1", None), ("c2", None), ("c3", None), ("c4", 2), ("c5", None),
    ("c6", 1), ("c7", None), ("d", None), ("e", None), ("f", 2),
)


def render_review(figures: ReviewFigures, lang: str, out_path: Path | str,
                  agency: AgencyProfile | None = None) -> Path:
    """Write the review of ``figures`` in ``lang`` to ``out_path`` (atomically), with the
    agency's profile in the header and footer when given. Blocking."""
    out = Path(out_path)
    save_document(_ReviewBuilder(figures, lang, agency).build(), out)
    return out


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


class _ReviewBuilder(DocxWriter):
    """Builds one review pack; labels are ``review_<key>``."""

    def __init__(self, figures: ReviewFigures, lang: str, agency: AgencyProfile | None = None):
        super().__init__(lang, "review", agency)
        self.figures = figures
        self.charts = 0
        self.english_legends = charts.english_legends()

    def legend(self, key: str) -> str:
        """A chart legend: in English when no CJK font can draw Chinese."""
        lang = "en" if self.english_legends else self.lang
        return self.prompts.label(lang, f"review_{key}")

    # the document

    def build(self) -> DocxDocument:
        sections: list[Section] = [
            ("h_inputs", self._inputs), ("h_audits", self._audits), ("h_findings", self._findings),
            ("h_trend", self._trend), ("h_decisions", self._decisions),
        ]
        numbered = [(f"{n} {self.t(key)}", draw) for n, (key, draw) in enumerate(sections, 1)]
        numbered.append((self.t("h_annex"), self._annex))
        self._properties()
        return self.write(self.t("header", period=self.figures.period.label()), self._cover, numbered)

    def _properties(self) -> None:
        props = self.doc.core_properties
        props.title = f"{self.t('title')} {self.figures.period.label()}"
        props.subject = "ISO 9001 9.3"
        props.keywords = "ISO 9001; 9.3.2; management review"
        props.language = "zh-CN" if self.lang == "zh" else "en-US"
        props.created = props.modified = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        props.author = props.last_modified_by = "auditbot"
        props.revision = 1

    def _cover(self) -> None:
        figures = self.figures
        self.cover(self.t("subtitle"), [
            (self.t("f_period"), figures.period.label()),
            (self.t("f_audits_done"), str(figures.done)),
            (self.t("f_departments"), str(len(figures.by_department))),
            (self.t("f_made_on"), figures.today.isoformat()),
            (self.t("f_tz"), self.prompts.zone(self.lang, figures.tz_name)),
        ], self.t("cover_note"))

    # helpers

    def _table(self, widths: Sequence[float], headers: Sequence[str], rows: Sequence[Sequence[Any]],
               fills: Callable[[Sequence[Any]], Sequence[str | None]] | None = None) -> None:
        grid = Grid(self, widths, headers=headers)
        for row in rows:
            grid.row([str(v) for v in row], fills=fills(row) if fills else ())
        self.para()

    def _cut(self, rows: list, what: str) -> list:
        if len(rows) > MAX_ROWS:
            self.para(self.t("cut", shown=MAX_ROWS, total=len(rows), what=what), "Caption")
            return rows[:MAX_ROWS]
        return rows

    def _chart(self, png: bytes, caption: str, names: Sequence[str] = (), total: int = 0) -> None:
        self.charts += 1
        paragraph = self.para()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        self.pictures.add(paragraph, png, CHART_SIZE, f"Chart {self.charts}", caption)
        if any(not charts._drawable(name) for name in names):
            caption = f"{caption} {self.t('chart_numbers')}"
        if total > len(names) and names:
            caption = f"{caption} {self.t('chart_cut', shown=len(names), total=total)}"
        self.para(self.t("chart_caption", n=self.charts, caption=caption), "Caption").alignment = \
            WD_ALIGN_PARAGRAPH.CENTER

    # 1 the inputs of 9.3.2

    def _inputs(self) -> None:
        self.para(self.t("inputs_intro", period=self.figures.period.label()))
        rows = []
        for key, section in INPUTS:
            where = self.t("inputs_here", n=section + 1) if section else self.t("inputs_elsewhere")
            rows.append((self.t(f"input_{key}"), where))
        grid = Grid(self, (9.6, CONTENT_WIDTH.cm - 9.6), headers=(self.t("col_input"), self.t("col_where")))
        for label, where in rows:
            grid.row((label, where), fills=(None, None if where == self.t("inputs_elsewhere") else LABEL_FILL))
        self.para()

    # 2 audit results (9.3.2 c 6)

    def _audits(self) -> None:
        figures = self.figures
        self.heading(self.t("h_programme"), level=2)
        unknown = self.t("unknown")
        self._table((5.5, 5.5, 5.5), (self.t("col_planned"), self.t("col_done"), self.t("col_missed")),
                    [(unknown if figures.planned is None else figures.planned, figures.done,
                      unknown if figures.missed is None else figures.missed)])
        if figures.planned is None:
            self.para(self.t("programme_unknown"), "Caption")
        if not figures.audits:
            self.para(self.t("no_audits", period=figures.period.label()), bold=True)
            return
        total = figures.total
        self.para(self.t("overall_rate", rate=percent(total.rate), audits=self.count("audits", figures.done)),
                  bold=True)
        self.heading(self.t("h_rate_department"), level=2)
        lines = figures.by_department
        self._table((6.6, 2.2, 2.6, 2.6, 2.6), [self.t(k) for k in (
            "col_department", "col_audits", "col_conform", "col_applicable", "col_rate")],
            [(line.name, line.audits, line.conform, line.applicable, percent(line.rate)) for line in lines])
        shown = lines[:MAX_CHART_CATEGORIES]
        self._chart(charts.bar_chart([line.name for line in shown],
                                     [charts.Series(self.legend("col_rate"), [line.rate for line in shown],
                                                    charts.COLORS["rate"])], percent=True),
                    self.t("chart_rate_department"), [line.name for line in shown], len(lines))
        self.heading(self.t("h_rate_quarter"), level=2)
        quarters = figures.by_quarter
        self._table((4.6, 3.0, 3.0, 3.0, 3.0), [self.t(k) for k in (
            "col_quarter", "col_audits", "col_conform", "col_applicable", "col_rate")],
            [(q.name, q.audits, q.conform, q.applicable, percent(q.rate)) for q in quarters])
        if sum(1 for q in quarters if q.rate is not None) >= 2:
            self._chart(charts.line_chart([q.name for q in quarters],
                                          [charts.Series(self.legend("col_rate"), [q.rate for q in quarters],
                                                         charts.COLORS["rate"])], percent=True),
                        self.t("chart_rate_quarter"))
        else:
            self.para(self.t("no_quarter_chart"), "Caption")
        self.heading(self.t("h_audit_list"), level=2)
        rows = self._cut(figures.audits, self.t("what_audits"))
        self._table((2.6, 5.4, 2.6, 2.8, 2.6), [self.t(k) for k in (
            "col_audit", "col_department", "col_completed", "col_rate", "col_nc")],
            [(a.number, a.department, a.completed_on.isoformat(), percent(a.rate), a.nonconformities)
             for a in rows])

    # 3 nonconformities and corrective actions (9.3.2 c 4)

    def _findings(self) -> None:
        figures = self.figures
        if not figures.audits:
            self.para(self.t("no_findings_period"))
            return
        kinds = [self.t(f"kind_{k}") for k in FINDING_COLUMNS]
        self.heading(self.t("h_by_clause"), level=2)
        if not figures.by_clause:
            self.para(self.t("no_findings"))
        else:
            self._table((2.0, 2.3, 2.3, 2.7, 1.6, 1.8, 2.0), [self.t("col_clause"), *kinds, self.t("col_total"),
                                                               self.t("col_repeats")],
                        [(c.name, *(c.kinds[k] for k in FINDING_COLUMNS), c.total, c.repeats)
                         for c in figures.by_clause],
                        fills=lambda row: (None,) * 6 + ((ALERT_FILL,) if row[-1] else ()))
            shown = sorted(figures.by_clause, key=lambda c: -c.total)[:MAX_CHART_CATEGORIES]
            shown.sort(key=lambda c: figures.by_clause.index(c))
            self._chart(charts.bar_chart(
                [c.name for c in shown],
                [charts.Series(self.legend(f"kind_{k}"), [c.kinds[k] for c in shown], charts.COLORS[k])
                 for k in FINDING_COLUMNS]), self.t("chart_by_clause"), [c.name for c in shown],
                len(figures.by_clause))
            self.heading(self.t("h_by_department"), level=2)
            self._table((4.4, 2.1, 2.1, 2.6, 1.5, 1.7, 2.0), [self.t("col_department"), *kinds, self.t("col_total"),
                                                               self.t("col_repeats")],
                        [(d.name, *(d.kinds[k] for k in FINDING_COLUMNS), d.total, d.repeats)
                         for d in figures.findings_by_department])
        self.heading(self.t("h_repeats"), level=2)
        if not figures.repeats:
            self.para(self.t("no_repeats"))
        else:
            rows = self._cut(figures.repeats, self.t("what_repeats"))
            self._table((2.6, 4.0, 1.8, 2.0, 2.8, 3.4), [self.t(k) for k in (
                "col_audit", "col_department", "col_clause", "col_finding", "col_previous_audit",
                "col_previous_findings")],
                [(r.audit, r.department, r.clause, r.finding, r.previous_audit, r.previous_findings) for r in rows])
        self._actions()

    def _actions(self) -> None:
        figures, actions = self.figures, self.figures.actions
        self.heading(self.t("h_actions"), level=2)
        if figures.verified:  # earlier actions judged at the next audit
            self.key_values([(self.t("a_verified_effective"), str(figures.verified.get("effective", 0))),
                             (self.t("a_verified_not_effective"), str(figures.verified.get("not_effective", 0)))])
        if not actions.raised:
            self.para(self.t("no_actions"))
            return
        self.key_values([
            (self.t("a_raised"), str(actions.raised)),
            (self.t("a_open"), str(actions.open)),
            (self.t("a_overdue"), str(actions.overdue)),
            (self.t("a_closed"), str(actions.closed)),
            (self.t("a_on_time"), self.t("a_on_time_value", rate=percent(actions.on_time_rate),
                                         on_time=actions.on_time, closed=actions.closed)),
            (self.t("a_mean_days"), number(actions.mean_days)),
            (self.t("a_median_days"), number(actions.median_days)),
            (self.t("a_rejected"), str(actions.rejected)),
        ])
        self.para(self.t("actions_as_of", day=figures.today.isoformat()), "Caption")
        self.heading(self.t("h_actions_department"), level=2)
        lines = figures.actions_by_department
        self._table((3.6, 1.6, 1.5, 1.8, 1.7, 2.2, 2.2, 2.0), [self.t(k) for k in (
            "col_department", "col_raised", "col_open", "col_overdue", "col_closed", "col_on_time",
            "col_median", "col_rejected")],
            [(a.name, a.raised, a.open, a.overdue, a.closed, percent(a.on_time_rate), number(a.median_days),
              a.rejected) for a in lines],
            fills=lambda row: (None,) * 3 + ((ALERT_FILL,) if row[3] else ()))
        shown = lines[:MAX_CHART_CATEGORIES]
        self._chart(charts.bar_chart(
            [a.name for a in shown],
            [charts.Series(self.legend("col_closed"), [a.closed for a in shown], charts.COLORS["closed"]),
             charts.Series(self.legend("col_open_not_overdue"), [a.open - a.overdue for a in shown],
                           charts.COLORS["open"]),
             charts.Series(self.legend("col_overdue"), [a.overdue for a in shown], charts.COLORS["overdue"])]),
            self.t("chart_actions"), [a.name for a in shown], len(lines))
        self.heading(self.t("h_rejected"), level=2)
        if not figures.rejected:
            self.para(self.t("no_rejected"))
            return
        rows = self._cut(figures.rejected, self.t("what_rejected"))
        self._table((2.6, 1.8, 3.6, 1.8, 2.4, 4.4), [self.t(k) for k in (
            "col_audit", "col_finding", "col_department", "col_times", "col_state", "col_reason")],
            [(r.audit, r.finding, r.department, r.rejections, self.prompts.label(self.lang, f"capa_state_{r.state}"), r.reason)
             for r in rows])

    # 4 trends from the daily snapshots

    def _trend(self) -> None:
        trend = self.figures.trend
        if not trend:
            self.para(self.t("no_trend"))
            return
        self.para(self.t("trend_intro", first=trend[0].day.isoformat(), last=trend[-1].day.isoformat(),
                         days=len(trend)))
        if len(trend) >= 2:
            self._chart(charts.line_chart(
                [d.day.isoformat() for d in trend],
                [charts.Series(self.legend("col_open"), [d.open for d in trend], charts.COLORS["open"]),
                 charts.Series(self.legend("col_overdue"), [d.overdue for d in trend], charts.COLORS["overdue"])]),
                self.t("chart_trend"))
        first, last = trend[0], trend[-1]
        self._table((5.0, 3.8, 3.8, 3.8), [self.t(k) for k in ("col_day", "col_open", "col_overdue",
                                                                "col_closed_in_day")],
                    [(d.day.isoformat(), d.open, d.overdue, d.closed) for d in ([first, last] if len(trend) > 1
                                                                                 else [first])])

    # 5 decisions (9.3.3)

    def _decisions(self) -> None:
        self.para(self.t("decisions_intro"))
        grid = Grid(self, (1.0, 4.4, 6.0, 2.8, 2.4), headers=[self.t(k) for k in (
            "col_no", "col_topic", "col_decision", "col_owner", "col_due")])
        n = 0
        for topic in DECISION_TOPICS:
            for index in range(DECISION_ROWS):
                n += 1
                grid.row((str(n), self.t(f"topic_{topic}") if index == 0 else "", "", "", ""))
                grid.table.rows[-1].height = Cm(1.2)
        self.para()
        blank = lambda cell: None  # noqa: E731 - a cell left empty to write in
        self.key_values([(self.t("f_meeting_date"), blank), (self.t("f_attendees"), blank),
                          (self.t("f_chair"), blank)])

    # annex: definitions

    def _annex(self) -> None:
        self.para(self.t("annex_intro"))
        keys = ("audits_done", "planned", "conformity", "quarter", "by_clause", "repeat", "open", "overdue",
                "closed", "on_time", "days", "rejected", "effectiveness", "snapshot")
        grid = Grid(self, (4.6, CONTENT_WIDTH.cm - 4.6), headers=(self.t("col_figure"), self.t("col_definition")))
        for key in keys:
            grid.row((self.t(f"def_{key}_name"), self.t(f"def_{key}")), fills=(LABEL_FILL,))
        self.para()
        font = charts.chart_font()
        self.para(self.t("chart_font", font=font) if font else self.t("chart_font_missing"), "Caption")
