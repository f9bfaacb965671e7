"""Sample contexts of the second year's templates: last time on the question card, the reason
asked for "not effective", the notice of a reopened verification (long and hostile text included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from bot.domain.carry_over import ActionNow, Before, Carried
from tests.prompt_samples import HOSTILE
from tests.prompt_samples_audit import BARE_QUESTION, QUESTION
from tests.prompt_samples_audit import SAMPLES as AUDIT_SAMPLES
from tests.prompt_samples_capa import CAPAS

LONG = ("上次的发现 <b>" * 300)[:2000]
BEFORE = Before("resp-1", "minor", "NC2", "minor", LONG, 7)
CLOSED = ActionNow("closed", date(2026, 3, 5), False)
CARRIED = [
    Carried("A-2026-001", date(2026, 3, 1), BEFORE, CLOSED),
    Carried("A-2026-001", date(2026, 3, 1), BEFORE, replace(CLOSED, verdict="effective", by=HOSTILE,
                                                                  at=datetime(2027, 3, 2, 9, 30))),
    Carried("A-2026-001", date(2026, 3, 1), BEFORE, ActionNow("implemented", None, False, "not_effective", LONG,
                                                              HOSTILE, datetime(2027, 3, 2, 9, 30))),
    Carried("A-2026-001", date(2026, 3, 1), BEFORE, ActionNow("plan_accepted", None, False)),
    Carried("A-2026-001", date(2026, 3, 1), BEFORE, ActionNow("closed", None, True)),
    Carried("A-2026-001" + HOSTILE, date(2026, 3, 1), Before("q", "conform", by_clause=True)),
    Carried("A-2026-001", date(2026, 3, 1), Before("q", None)),
    Carried("A-2026-001", date(2026, 3, 1), None),  # a new question
]
CARDS = [{"q": replace(q, carried=c)} for c in CARRIED for q in (QUESTION, BARE_QUESTION)]

SAMPLES: dict[str, list[dict]] = {
    "audit_carry_over": CARDS,
    "audit_not_effective_ask": [{"c": CARRIED[0]}, {"c": replace(CARRIED[0], before=replace(BEFORE, statement=""))}],
    "capa_reopened": [{"capa": c, "reason": LONG, "audit_number": "A-2027-001", "to": to}
                      for c in CAPAS[:2] for to in ("staff", "verifier")],
}
# the question card itself (its samples are the audit's): with what last time found
AUDIT_SAMPLES["audit_question_card"].extend([*CARDS, {"q": replace(QUESTION, carried=CARRIED[2]), "saved": "not_effective"}])
