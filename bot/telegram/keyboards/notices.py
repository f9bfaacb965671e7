"""The buttons under each notice the outbox sends, by its kind."""

from __future__ import annotations

from typing import Any

from bot.domain.vocabulary import NoticeKind as K
from bot.services.report_flow_service import REPORT_KINDS
from bot.telegram import buttons
from bot.telegram.keyboards.capa import action_rows, respond_rows, verify_rows
from bot.telegram.keyboards.records import request_rows
from bot.telegram.keyboards.report_flow import notice_rows as report_notice_rows
from bot.telegram.replies import Label, Rows

DIGEST_BUTTONS = 5  # the overdue actions the digest lists


def notice_rows(kind: str, values: dict[str, Any], label: Label) -> Rows:
    """The buttons under a queued message of ``kind``."""
    if kind == K.audit_team_added:
        return [[(label("btn_open_audit", number=values["number"]), buttons.Resume(values["audit_id"]).pack())]]
    if kind == K.lead_audit_completed:
        return [[(label("btn_report_of", number=values["number"]), buttons.Report(values["audit_id"]).pack()),
                 (label("btn_reopen"), buttons.Reopen(values["audit_id"]).pack())]]
    if kind == K.lead_digest:
        return action_rows(values["digest"].overdue.items[:DIGEST_BUTTONS], label)
    if kind == K.audit_findings:
        return [] if values["acknowledged_at"] else [
            [(label("ack_btn"), buttons.AcknowledgeFindings(values["audit"]["id"], values["rev"]).pack())]]
    if kind in (K.revision_reopened, K.revision_completed, K.revision_withdrawn):
        return [[(label("btn_report_of", number=values["number"]), buttons.Report(values["audit_id"]).pack())]]
    if kind == K.records_requested:
        return request_rows(values["card"], label)
    if kind == K.records_returned:
        return [[(label("records_btn_answer_again"), buttons.RecordsItem(values["card"].item.id).pack())]]
    if kind in REPORT_KINDS:
        return report_notice_rows(kind, values, label)
    if kind in (K.programme_reminder, K.programme_missed, K.programme_team_added):
        return _programme_rows(kind, values, label)
    capa = values.get("capa")
    if capa is None:
        return []
    if kind in (K.capa_new, K.capa_reminder, K.capa_rejected, K.capa_plan_returned, K.capa_plan_accepted,
                K.capa_extension_granted, K.capa_extension_refused):
        return respond_rows(capa, label)
    if kind in (K.capa_implemented, K.capa_planned, K.capa_extension_asked, K.capa_verifier_assigned):
        return verify_rows(capa, label)
    if kind == K.capa_reopened:
        return verify_rows(capa, label) if values.get("to") == "verifier" else []
    if kind == K.capa_escalation:
        return [[(label("capa_btn_view"), buttons.CapaView(capa.id).pack())]]
    return []


def _programme_rows(kind: str, values: dict[str, Any], label: Label) -> Rows:
    item = values.get("item")
    if kind in (K.programme_reminder, K.programme_team_added) and item is not None:
        return [[(label("programme_btn_start"), buttons.ProgrammeStart(item.id).pack())]]
    if kind == K.programme_missed and item is not None:
        return [[(label("programme_btn_open"), buttons.ProgrammeItem(item.id).pack())]]
    return []
