"""One nonconformity report (不符合项报告) per nonconformity: the department, the clause, the
statement of fact, the grade, the auditor and the department's confirmation; then the
correction, the root cause, the corrective action, its target date and the verification
(by whom, when), filled as far as the action has gone, blank to write on beyond."""

from __future__ import annotations

from pathlib import Path

from bot.report.data import Finding
from bot.report.docx_parts import save_document
from bot.report.record_set.data import RecordSet
from bot.report.record_set.forms import HALF, FormWriter, day


def render_nc_report(records: RecordSet, finding: Finding, out: Path) -> Path:
    """Write the report of ``finding`` to ``out`` (atomically). Blocking."""
    save_document(_NcReport(records, finding).build(), out)
    return out


class _NcReport(FormWriter):
    def __init__(self, records: RecordSet, finding: Finding):
        super().__init__(records.report.lang, records.report.agency)
        self.records = records
        self.finding = finding

    def build(self):
        data, finding = self.records.report, self.finding
        question = finding.question
        self.start(self.t("nc_header", number=data.number, finding=finding.number), self.t("nc_title"))
        grid = self.grid(HALF)
        self.pairs(grid, (self.t("f_department"), data.department, self.t("f_audit_date"),
                          day(data.completed_at or data.created_at)))
        self.pairs(grid, (self.t("f_audit_number"), data.number, self.t("f_nc_number"), finding.number))
        clause = " ".join(part for part in (question.clause, question.section) if part)
        self.pairs(grid, (self.t("f_clause"), clause, self.t("f_grade"), self.t(f"grade_{finding.kind}")))
        self.block(grid, self.t("f_criterion"), question.text, height=1.0)
        auditor = question.answered_by or ", ".join(data.auditors() or data.leaders())
        self.block(grid, self.t("f_statement"), finding.statement, height=3.4)
        confirmed = data.acknowledged[0] if data.acknowledged else None
        self.pairs(grid, (self.t("f_auditor"), auditor, self.t("f_auditor_date"),
                          day(question.answered_at or data.completed_at)))
        self.pairs(grid, (self.t("f_confirmation"), confirmed[0] if confirmed else "",
                          self.t("f_confirmation_date"), day(confirmed[1]) if confirmed else ""))
        self._action(grid)
        self.para(self.t("nc_note"), "Caption")
        return self.doc

    def _action(self, grid) -> None:
        action = self.finding.action
        self.banner(grid, self.t("b_department"))
        whys = "\n".join(self.t("why", n=n, text=why) for n, why in enumerate(action.root_cause, 1)) if action else ""
        self.block(grid, self.t("f_correction"), action.correction if action else "", height=1.9)
        self.block(grid, self.t("f_root_cause"), whys, height=2.2)
        self.block(grid, self.t("f_corrective_action"), action.action_plan if action else "", height=2.2)
        self.pairs(grid, (self.t("f_target_date"), action.target_date if action else "",
                          self.t("f_due_date"), day(action.due_date) if action else ""))
        self.block(grid, self.t("f_implementation"), action.implementation if action else "", height=1.8)
        self.banner(grid, self.t("b_verification"))
        closed = action is not None and action.closed_at is not None
        verification = action.effectiveness if closed else ""
        if action is not None and not closed and action.rejection_reason:
            verification = self.t("rejected", reason=action.rejection_reason)
        self.block(grid, self.t("f_verification"), verification, height=2.0)
        verifier = self.records.verifiers.get(self.finding.number, "") if closed else ""
        self.pairs(grid, (self.t("f_verified_by"), verifier, self.t("f_verified_on"),
                          day(action.closed_at) if closed else ""))
        state = self.prompts.label(self.lang, f"capa_state_{action.state}") if action else self.t("no_action")
        self.pairs(grid, (self.t("f_state"), state, self.t("f_closed"), self.t("yes") if closed else self.t("no")))
