"""The report lifecycle's pure rules: its sign-off lines, who may take which step, and what comes next.

No SQL, no Telegram: the service (bot/services/report_flow_service.py) reads who the person
is (lead, the audit's leader, a member of its team, an approver) and asks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.vocabulary import ReportState


@dataclass(frozen=True)
class SignOff:
    """One line of the report's sign-off table: a step of its lifecycle, who took it, in which
    role, when, with which note."""

    rev: int
    step: str
    name: str
    role: str
    at: datetime | None
    note: str = ""


@dataclass(frozen=True)
class Who:
    """What one person is to one audit's report."""

    lead: bool = False
    leader: bool = False  # the audit team's leader
    member: bool = False  # on the audit team (leader or auditor)
    approver: bool = False  # a lead made them a report approver
    approvers_named: bool = False  # anyone is a report approver (else every lead approves)
    submitter: bool = False  # submitted this revision

    @property
    def may_submit(self) -> bool:
        return self.leader or self.lead

    @property
    def may_approve(self) -> bool:
        return self.approver if self.approvers_named else self.lead

    @property
    def own(self) -> bool:
        """The report of an audit they worked on (or submitted)."""
        return self.member or self.submitter

    @property
    def may_issue(self) -> bool:
        return self.leader or self.lead or self.approver

    @property
    def manages(self) -> bool:
        """Edits the distribution list, sends the draft to the department."""
        return self.leader or self.lead


def next_step(state: ReportState | None, who: Who, *, completed: bool, separate: bool) -> str | None:
    """The step this person may take now (the one button of their /report row), or None.

    ``completed``: the audit is completed (a draft of an audit still being worked on, or
    sent back, cannot be submitted); ``separate``: the agency wants the approver to be
    someone other than the audit's own team.
    """
    if not completed:
        return None
    if state in (None, ReportState.draft, ReportState.changes_requested):
        return "submit" if who.may_submit else None
    if state == ReportState.submitted:
        return "decide" if who.may_approve and not (separate and who.own) else None
    if state == ReportState.approved:
        return "issue" if who.may_issue else None
    if state == ReportState.issued:
        return "receipts" if who.manages else None
    return None


def issue_overdue(completed_at: datetime | None, now: datetime, days: int) -> bool:
    """The agreed period from completion to issue has passed."""
    return completed_at is not None and now > completed_at + timedelta(days=days)
