"""The buttons of the report's lifecycle: the step that is the person's now, on the report's
card, in /report's list and under the notices."""

from __future__ import annotations

from typing import Any

from bot.domain.vocabulary import NoticeKind as K
from bot.domain.vocabulary import ReportState
from bot.services.report_flow_service import ReportStatus
from bot.telegram import buttons
from bot.telegram import report_buttons as rb
from bot.telegram.replies import Label, Rows


def next_button(status: ReportStatus, label: Label) -> tuple[str, str]:
    """The one button of an audit's row in /report: the person's next step, else the card."""
    if status.next == "submit":
        return label("rf_btn_submit"), rb.ReportSubmit(status.audit_id, status.rev).pack()
    if status.next == "issue":
        return label("rf_btn_issue"), rb.ReportIssue(status.audit_id, status.rev).pack()
    if status.next == "decide":
        return label("rf_btn_decide"), rb.ReportCard(status.audit_id).pack()
    return label("rf_btn_card"), rb.ReportCard(status.audit_id).pack()


def card_rows(status: ReportStatus, label: Label) -> Rows:
    """The report card's buttons: the step, the draft to the department, the list, the file."""
    rows: list[list[tuple[str, str]]] = []
    audit, rev = status.audit_id, status.rev
    if status.next == "submit":
        rows.append([(label("rf_btn_submit"), rb.ReportSubmit(audit, rev).pack())])
    elif status.next == "decide":
        rows.append([(label("rf_btn_approve"), rb.ReportApprove(audit, rev).pack()),
                     (label("rf_btn_changes"), rb.ReportChanges(audit, rev).pack())])
    elif status.next == "issue":
        rows.append([(label("rf_btn_issue"), rb.ReportIssue(audit, rev).pack())])
    if status.manages and status.state != ReportState.issued:
        if status.state in (ReportState.draft, ReportState.submitted, ReportState.changes_requested) \
                and status.audit_status == "completed":
            rows.append([(label("rf_btn_for_comment"), rb.ReportForComment(audit, rev).pack())])
        rows.append([(label("rf_btn_distribution"), rb.ReportRecipients(audit).pack())])
    rows.append([(label("report_btn_word", number=status.number), buttons.Report(audit).pack())])
    return rows


def distribution_rows(status: ReportStatus, label: Label) -> Rows:
    rows = [[(label("rf_on" if r.included else "rf_off", name=r.name[:40]) + ("" if r.active else " 🚫"),
              rb.ReportRecipients(status.audit_id, r.person_id).pack())] for r in status.distribution]
    rows.append([(label("rf_btn_back"), rb.ReportCard(status.audit_id).pack())])
    return rows


def notice_rows(kind: str, values: dict[str, Any], label: Label) -> Rows:
    """The buttons under a report notice: the step the recipient takes next."""
    audit, rev = values["audit_id"], values["rev"]
    if kind == K.report_submitted:
        return [[(label("rf_btn_approve"), rb.ReportApprove(audit, rev).pack()),
                 (label("rf_btn_changes"), rb.ReportChanges(audit, rev).pack())],
                [(label("report_btn_word", number=values["number"]), buttons.Report(audit).pack())]]
    if kind == K.report_changes_requested:
        return [[(label("btn_open_audit", number=values["number"]), buttons.Resume(audit).pack())]]
    if kind == K.report_approved:
        return [[(label("rf_btn_issue"), rb.ReportIssue(audit, rev).pack())]]
    if kind == K.report_issued:
        return [[(label("rf_btn_received"), rb.ReportReceived(audit, rev).pack())]]
    if kind == K.report_draft_review:
        return [[(label("rf_btn_agree"), rb.ReportAgree(audit, rev).pack()),
                 (label("rf_btn_disagree"), rb.ReportDisagree(audit, rev).pack())]]
    if kind == K.report_delay_asked:
        return [[(label("rf_btn_delay"), rb.ReportDelay(audit, rev).pack())]]
    return [[(label("rf_btn_card"), rb.ReportCard(audit).pack())]]
