"""The buttons of the report's lifecycle (bot/services/report_flow_service.py), declared once.

A step's button carries the revision it was shown for: pressed after the report moved on to
another revision, it says which one is current instead of acting.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callbacks import Button


@dataclass(frozen=True)
class RevisionButton(Button):
    """A step of one revision's report."""

    audit: int
    rev: int


@dataclass(frozen=True)
class ReportCard(Button, prefix="rc"):
    """The report's card: its state, sign-off so far, distribution and receipts."""

    audit: int


class ReportSubmit(RevisionButton, prefix="rsb"):
    pass


class ReportApprove(RevisionButton, prefix="rap"):
    pass


class ReportChanges(RevisionButton, prefix="rch"):
    pass


class ReportIssue(RevisionButton, prefix="ris"):
    pass


class ReportReceived(RevisionButton, prefix="rrc"):
    pass


class ReportForComment(RevisionButton, prefix="rfc"):
    pass


class ReportAgree(RevisionButton, prefix="rag"):
    pass


class ReportDisagree(RevisionButton, prefix="rdg"):
    pass


class ReportDelay(RevisionButton, prefix="rdy"):
    pass


@dataclass(frozen=True)
class ReportRecipients(Button, prefix="rdl"):
    """The distribution list; with ``person``: put them on it or take them off."""

    audit: int
    person: int | None = None


@dataclass(frozen=True)
class ReportApprover(Button, prefix="rpa"):
    """A lead makes a person a report approver (or no longer), from the person's card."""

    person: int
