"""The corrective action's step machine: which step of the plan dialog an action is at,
from what is saved, and which step its staff see in each phase. Pure rules over a capa row;
CapaService moves the action and the person's dialog."""

from __future__ import annotations

from typing import Any

from bot.domain.vocabulary import CapaState, CapaStep
from bot.report.data import root_causes

MAX_WHYS = 5
DRAFT = "draft"  # a staff phase: the plan is being written (open, or returned by the auditor)


def plan_step(row: Any, awaiting: str | None) -> CapaStep:
    """The planning step an open action is at, from what is saved (and the why/next choice).

    The steps, in order: correction, why (up to five, each followed by why_more: ask again
    or go on), elsewhere, plan, target, confirm.
    """
    whys = whys_of(row)
    if not row["correction"]:
        return CapaStep.correction
    if not whys:
        return CapaStep.why
    if row["elsewhere"] is None:
        if len(whys) >= MAX_WHYS:
            return CapaStep.elsewhere
        return CapaStep(awaiting) if awaiting in (CapaStep.why, CapaStep.elsewhere) else CapaStep.why_more
    if not row["action_plan"]:
        return CapaStep.plan
    if not row["target_date"]:
        return CapaStep.target
    return CapaStep.confirm


def staff_phase(row: Any) -> str:
    """Where an action is for its staff: DRAFT (writing the plan: open, or returned to them),
    planned (with the auditor for review), plan_accepted, implemented, closed."""
    if row["state"] == CapaState.open or (row["state"] == CapaState.planned and row["returned_step"]):
        return DRAFT
    return row["state"]


def staff_place(row: Any) -> CapaStep:
    """The step a staff member sees for an action in its current phase."""
    phase = staff_phase(row)
    if phase == DRAFT:
        return plan_step(row, None)
    return {CapaState.planned: CapaStep.planned, CapaState.plan_accepted: CapaStep.accepted,
            CapaState.implemented: CapaStep.waiting}.get(phase, CapaStep.closed_done)


def still_open(row: Any, step: str, current: str) -> bool:
    """May the button of ``step`` still answer it, although the dialog is at ``current``?

    "Elsewhere" is not in the saved answers until given: once a root cause is in, the
    person may be at the why/continue choice, or have left the dialog (/cancel) and lost
    the choice; the elsewhere card's button still answers the step it showed.
    """
    return step == CapaStep.elsewhere and current in (CapaStep.why, CapaStep.why_more) and bool(whys_of(row)) \
        and row["elsewhere"] is None


def whys_of(row: Any) -> list[str]:
    return root_causes(row["root_cause_json"])
