"""Sample contexts of a revision's templates: withdrawing it, the notices to the audit's
auditors, and the department's acknowledgement of revision N (long and hostile text included)."""

from __future__ import annotations

from bot.services.revision_notices import Changes
from bot.services.revision_service import Withdrawing
from tests.prompt_samples import HOSTILE
from tests.prompt_samples_capa import SAMPLES as CAPA_SAMPLES

LONG = ("修订原因 <b>" * 300)[:2000]
CHANGES = Changes(new=[{"number": "NC3", "kind": "major"}],
                  changed=[{"number": "OBS2", "kind": "observation", "was": "NC1", "was_kind": "minor", "statement": True},
                           {"number": "NC2", "kind": "minor", "was": "NC2", "was_kind": "minor", "statement": True}],
                  withdrawn=[{"number": "OFI1", "kind": "ofi"}])
WITHDRAWING = [Withdrawing(1, "A-2026-001" + HOSTILE, HOSTILE, 2, LONG, 1, n) for n in (0, 1, 3)]
NOTICE = {"audit_id": 1, "number": "A-2026-001" + HOSTILE, "department": HOSTILE, "rev": 2, "by": HOSTILE,
          "reason": LONG}

SAMPLES: dict[str, list[dict]] = {
    "revision_withdraw_confirm": [{"w": w} for w in WITHDRAWING],
    "revision_withdrawn_done": [{"w": w} for w in WITHDRAWING],
    "revision_reopened": [NOTICE],
    "revision_completed": [{**NOTICE, "changes": c} for c in (CHANGES, Changes())],
    "revision_withdrawn": [{**NOTICE, "back_to": 1}],
}
# the department's acknowledgement: revision 1 as before, revision 2 with what changed, a stale button
for sample in CAPA_SAMPLES["audit_findings"]:
    sample.setdefault("rev", 1)
    sample.setdefault("changes", Changes())
    sample.setdefault("stale_rev", None)
CAPA_SAMPLES["audit_findings"].extend(
    [{**CAPA_SAMPLES["audit_findings"][i], "rev": 2, "changes": c, "stale_rev": s}
     for i in (0, 1) for c in (CHANGES, Changes()) for s in (None, 1)]
    + [{**CAPA_SAMPLES["audit_findings"][0], "rev": 3, "changes": CHANGES, "findings": [], "stale_rev": None}])
