"""The buttons of corrective actions: the staff's steps, the verifier's decisions, the lead's
lists (shared by the /capa cards and the notices the outbox sends)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.domain.dates import add_months
from bot.domain.vocabulary import CapaState, CapaStep, ExtensionState, ReturnStep
from bot.services.capa_service import Step
from bot.telegram import buttons
from bot.telegram.keyboards.common import back_rows
from bot.telegram.replies import Label, Rows


def respond_rows(capa: dict, label: Label) -> Rows:
    return [[(label("capa_btn_respond"), buttons.CapaOpen(capa.id).pack())]]


def verify_rows(capa: dict, label: Label) -> Rows:
    """The verifier's buttons: review a confirmed plan, decide an extension, verify the implementation."""
    rows: list[list[tuple[str, str]]] = []
    if capa.evidence_count:
        rows.append([(label("capa_btn_evidence", n=capa.evidence_count), buttons.CapaEvidence(capa.id).pack())])
    if capa.state == CapaState.planned and not capa.returned_step:
        rows.append([(label("capa_btn_plan_accept"), buttons.CapaPlanAccept(capa.id, capa.reviews).pack())])
        rows.extend([(label(f"capa_btn_return_{step}"), buttons.CapaPlanReturn(capa.id, step, capa.reviews).pack())]
                    for step in ReturnStep)
    if capa.state == CapaState.implemented:
        rows.append([(label("capa_btn_accept"), buttons.CapaAccept(capa.id).pack()),
                     (label("capa_btn_reject"), buttons.CapaReject(capa.id).pack())])
    extension = capa.extension
    if extension and extension.state == ExtensionState.pending and capa.state != CapaState.closed:
        rows.append([(label("capa_btn_grant", date=extension.date.isoformat()),
                      buttons.CapaExtension(extension.id, 1).pack()),
                     (label("capa_btn_refuse"), buttons.CapaExtension(extension.id, 0).pack())])
    return rows


def extend_row(capa: dict, label: Label) -> list[tuple[str, str]]:
    return [(label("capa_btn_extend"), buttons.CapaExtend(capa.id).pack())]


def action_rows(items: list[dict[str, Any]], label: Label) -> Rows:
    """A button per action: the lead opens it (/overdue, a department's list, the digest)."""
    return [[(label("lead_action_item", number=item["number"], department=item["department"][:24],
                    state=label(f"capa_state_{item['state']}")), buttons.LeadAction(item["id"]).pack())]
            for item in items]


def target_choices(today: date, due: date) -> list[tuple[str, date]]:
    """(label key, date) of the quick target dates: in two weeks, in a month, the due date."""
    choices = [("capa_btn_target_2w", today + timedelta(days=14)), ("capa_btn_target_1m", add_months(today, 1))]
    if due >= today:
        choices.append(("capa_btn_target_due", due))
    seen: set[date] = set()
    return [(key, day) for key, day in choices if not (day in seen or seen.add(day))]


def step_rows(step: Step, today: date, label: Label) -> Rows:
    rows = _step_rows(step, today, label)
    if step.capa.previous and step.name == step.capa.returned_step:  # a returned step: its earlier text
        rows = [[(label("capa_btn_keep_returned"), buttons.CapaKeepReturned(step.capa.id, step.name).pack())],
                *rows]
    if CapaStep(step.name).drafting and _may_ask_extension(step.capa):
        rows = [*rows, extend_row(step.capa, label)]
    return rows


def _step_rows(step: Step, today: date, label: Label) -> Rows:
    capa_id = step.capa.id
    if step.name == CapaStep.why_more:
        return [[(label("capa_btn_why_again"), buttons.CapaWhyAgain(capa_id).pack()),
                 (label("capa_btn_why_done"), buttons.CapaWhysDone(capa_id).pack())]]
    if step.name == CapaStep.elsewhere:
        return [[(label("capa_btn_not_elsewhere"), buttons.CapaNotElsewhere(capa_id).pack())]]
    if step.name == CapaStep.target:
        return [[(label(key, date=day.isoformat()), buttons.CapaTarget(capa_id, day).pack())]
                for key, day in target_choices(today, step.capa.due_date)]
    if step.name == CapaStep.confirm:
        return [[(label("capa_btn_confirm"), buttons.CapaConfirm(capa_id).pack()),
                 (label("capa_btn_start_over"), buttons.CapaStartOver(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name in (CapaStep.effectiveness, CapaStep.reject_reason, CapaStep.return_reason):
        return back_rows(label)  # back to the verifier's card, nothing asked
    if step.name == CapaStep.extend_date:
        due = step.capa.due_date
        return [*([(label(key, date=day.isoformat()), buttons.CapaExtendDate(capa_id, day).pack())]
                  for key, day in (("capa_btn_extend_2w", due + timedelta(days=14)),
                                   ("capa_btn_extend_1m", add_months(due, 1)))),
                [(label("capa_btn_extend_back"), buttons.CapaExtendBack(capa_id).pack())]]
    if step.name == CapaStep.extend_reason:
        return [[(label("capa_btn_extend_back"), buttons.CapaExtendBack(capa_id).pack())]]
    if step.name in (CapaStep.planned, CapaStep.extension_asked):
        return [extend_row(step.capa, label)] if _may_ask_extension(step.capa) else []
    if step.name == CapaStep.accepted:
        return [[(label("capa_btn_implemented"), buttons.CapaImplement(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name == CapaStep.evidence:
        return [[(label("capa_btn_submit"), buttons.CapaSubmit(capa_id).pack())],
                *([extend_row(step.capa, label)] if _may_ask_extension(step.capa) else [])]
    if step.name in (CapaStep.verify, CapaStep.extension_granted_done, CapaStep.extension_refused_done):
        rows = verify_rows(step.capa, label)
        if step.capa.can_reassign:
            rows.append([(label("capa_btn_move_department"), buttons.CapaReassign(capa_id, "d").pack()),
                         (label("capa_btn_move_auditor"), buttons.CapaReassign(capa_id, "a").pack())])
        return rows
    if step.name == CapaStep.reassign_department:
        return [[(choice["name"][:40], buttons.CapaMoveTo(capa_id, choice["id"]).pack())]
                for choice in step.capa.choices]
    if step.name == CapaStep.reassign_auditor:
        return [[(choice["name"][:40], buttons.CapaVerifier(capa_id, choice["id"]).pack())]
                for choice in step.capa.choices]
    return []


def _may_ask_extension(capa: dict) -> bool:
    extension = capa.extension
    return not (extension and extension.state == ExtensionState.pending)
