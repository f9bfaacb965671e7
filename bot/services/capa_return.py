"""A plan the verifier returned: what the step returned held before (shown to copy or keep
with one tap), and, once the plan comes back, what changed there (for the verifier's review).

The plan as it was is the one the return's review row keeps (capa_plan_reviews.plan_json).
"""

from __future__ import annotations

import json
from typing import Any

from bot.domain.vocabulary import PlanVerdict, ReturnStep
from bot.services.capa_steps import whys_of
from storage.repos import capa_history

# The parts of a plan each step returned clears (and "keep as it was" gives back).
RETURNED_PARTS: dict[str, tuple[str, ...]] = {
    ReturnStep.why: ("root_cause", "elsewhere"),
    ReturnStep.plan: ("action_plan",),
    ReturnStep.target: ("target_date",),
}
_COLUMNS = {"root_cause": "root_cause_json", "elsewhere": "elsewhere", "action_plan": "action_plan",
            "target_date": "target_date"}


def plan_of(row: Any) -> dict[str, Any]:
    """The plan an action holds now (as the trail and the review rows keep it)."""
    return {"correction": row["correction"], "root_cause": whys_of(row), "elsewhere": row["elsewhere"],
            "action_plan": row["action_plan"], "target_date": row["target_date"]}


def part_of(plan: dict[str, Any], step: str) -> dict[str, Any]:
    """The parts of ``plan`` that step ``step`` holds."""
    return {name: plan.get(name) for name in RETURNED_PARTS.get(step, ())}


def given_again(row: Any, step: str) -> bool:
    """Has the returned ``step`` been answered again since the return (which cleared it)?"""
    if step == ReturnStep.why:
        return bool(whys_of(row))
    return bool(row[_COLUMNS[RETURNED_PARTS[step][0]]]) if step in RETURNED_PARTS else True


def kept_columns(plan: dict[str, Any], step: str) -> dict[str, Any]:
    """The capa columns that give step ``step`` back its text of ``plan`` unchanged."""
    part = part_of(plan, step)
    columns = {_COLUMNS[name]: value for name, value in part.items()}
    if "root_cause_json" in columns:
        columns["root_cause_json"] = json.dumps(list(columns["root_cause_json"] or []), ensure_ascii=False)
    return columns


async def last_return(conn: Any, capa_id: int) -> Any | None:
    """The action's latest plan review, when it returned the plan (else None)."""
    reviews = await capa_history.reviews(conn, capa_id)
    return reviews[-1] if reviews and reviews[-1]["verdict"] == PlanVerdict.returned else None


def plan_before(review: Any) -> dict[str, Any]:
    try:
        plan = json.loads(review["plan_json"] or "{}")
    except ValueError:
        plan = {}
    return plan if isinstance(plan, dict) else {}


async def previous_text(conn: Any, row: Any) -> dict[str, Any] | None:
    """The returned step's parts before the return, while the staff have not given it again."""
    step = row["returned_step"]
    if not step or given_again(row, step):
        return None
    review = await last_return(conn, row["id"])
    if review is None or review["step"] != step:
        return None
    part = part_of(plan_before(review), step)
    return part if any(part.values()) else None


async def resubmission(conn: Any, row: Any) -> dict[str, Any] | None:
    """A plan confirmed again after a return: the step returned, the reason, and that step's
    parts before and after (None for a plan reviewed for the first time, or accepted since)."""
    review = await last_return(conn, row["id"])
    if review is None:
        return None
    step = review["step"]
    before, after = part_of(plan_before(review), step), part_of(plan_of(row), step)
    return {"step": step, "reason": review["reason"], "before": before, "after": after,
            "changed": before != after}
