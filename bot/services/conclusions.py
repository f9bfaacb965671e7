"""The audit's conclusion at completion (issue 23, point 5).

An audit is not completed without a conclusion (the closing card's ``conclusions``): when
there is none, a suggested one built from the findings' counts, in the audit's language
(it goes into the report), is accepted with one tap. On a revision the conclusion of the
last completion is shown for review (keep or edit), with the counts that changed since.
The words are prompts' labels (labels_conclusion.yaml); no Telegram here.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.errors import AuditError
from bot.domain.vocabulary import Result
from bot.prompts import Prompts, default_prompts
from storage.repos import revisions, trail


class ConclusionError(AuditError):
    """Completion refused for its conclusion; ``preview`` (a CompletionPreview) is what the
    completion card shows instead: the suggestion to accept, or the conclusion written meanwhile."""

    quiet_codes = frozenset({"no_conclusion", "conclusion_written"})  # the card says it: no popup to dismiss


# The results a conclusion counts, in the order it names them.
COUNTED = (Result.major, Result.minor, Result.observation, Result.ofi, Result.good)


def suggest(lang: str, counts: Mapping[str, int], prompts: Prompts | None = None) -> str:
    """A conclusion from the counts per result, e.g. "本次审核发现轻微不符合项 2 项、观察项 1 项，体系运行基本有效。"."""
    prompts = prompts or default_prompts()
    parts = [prompts.label(lang, f"conclusion_{kind}_{'one' if counts[kind] == 1 else 'many'}", n=counts[kind])
             for kind in COUNTED if counts.get(kind)]
    if counts.get(Result.major):
        tail = "major"
    elif counts.get(Result.minor):
        tail = "minor"
    else:
        tail = "other" if parts else "none"
    return prompts.label(lang, f"conclusion_suggest_{tail}", parts=_joined(prompts, lang, parts))


def mark(text: str) -> int:
    """A short check of a suggestion's words, carried by its button: a press on a suggestion the
    counts have changed since is refused (it would not be the one shown)."""
    return zlib.crc32(text.encode("utf-8")) & 0xFFFF


def changes(then: Mapping[str, int], now: Mapping[str, int]) -> tuple[tuple[str, int, int], ...]:
    """(result, count then, count now) of each counted result whose count changed."""
    return tuple((str(kind), then.get(kind, 0), now.get(kind, 0)) for kind in COUNTED
                 if then.get(kind, 0) != now.get(kind, 0))


def counts_of(findings: Mapping[str, Mapping]) -> Counter[str]:
    """The counts per result of an audit's findings as last completed (the withdrawn ones left out)."""
    return Counter(str(f["kind"]) for f in findings.values() if f["withdrawn_at"] is None)


def _joined(prompts: Prompts, lang: str, parts: list[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return prompts.label(lang, "conclusion_join").join(parts[:-1]) + prompts.label(lang, "conclusion_join_last") + parts[-1]


async def reviewed(conn, row, preview: Any, counts: Mapping[str, int], before: Mapping[str, Mapping]) -> Any:
    """``preview`` (a CompletionPreview) with its conclusion's part: none written, a suggestion
    from ``counts`` (the summary's); a revision whose conclusion is the last completion's, that
    completion's revision and the counts that changed since (``before``: the findings as then)."""
    if not preview.conclusion:
        text = suggest(row["lang"], counts)
        return replace(preview, suggestion=text, suggestion_mark=mark(text))
    if not preview.revising:
        return preview
    last = json.loads(row["closing_json"]).get("concluded") or {}
    if last.get("text", preview.conclusion) != preview.conclusion:  # edited in this revision
        return preview
    revision = int(last.get("revision") or await revisions.current(conn, row["id"]) - 1)
    return replace(preview, review_conclusion=True, concluded_in=max(revision, 1),
                   changes=changes(counts_of(before), counts))


class Conclusions:
    """The conclusion's part of AuditService.complete (a mixin, as CarryOver is)."""

    async def _concluded(self, conn, actor, row, summary, suggestion: int | None, now: datetime) -> dict:
        """The closing card, with the conclusion this completion confirms (the suggestion
        accepted by its ``suggestion`` mark is saved first, in the trail too); refused without one."""
        closing = json.loads(row["closing_json"])
        written = str(closing.get("conclusions") or "").strip()
        if suggestion is not None or not written:
            preview = await self._preview(conn, row, summary)
            if written:  # a suggestion pressed after someone wrote the conclusion: that one, to confirm
                raise ConclusionError("conclusion_written", preview=preview)
            if suggestion is None or suggestion != preview.suggestion_mark:
                raise ConclusionError("no_conclusion", preview=preview)
            written = closing["conclusions"] = preview.suggestion
            await trail.record(conn, at=now, person_id=actor.id, entity="audit", entity_id=row["id"],
                               action="closing.conclusions", before=None, after={"suggested": written})
        # what the next revision shows for review: this conclusion, confirmed in this revision
        closing["concluded"] = {"text": written, "revision": await revisions.current(conn, row["id"])}
        return closing
