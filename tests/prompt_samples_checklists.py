"""Sample contexts of the /checklists templates."""

from __future__ import annotations

from bot.services.checklist_service import ChecklistRow, DraftView
from tests.prompt_samples import HOSTILE

_ROW = ChecklistRow(id="office-zh", title=HOSTILE, version=3, questions=48, languages=("zh",), audits=1,
                    archived=False)
_ARCHIVED = ChecklistRow(id="old", title=HOSTILE, version=1, questions=12, languages=("zh", "en"), audits=7,
                         archived=True)
_DRAFT = DraftView(
    draft_id="3-0a1b2c3d", id="office-zh", title=HOSTILE, version=2, published_version=1, unchanged=True,
    languages=("zh", "en"), sections=[(HOSTILE * 5, 12)] * 15, more_sections=40, questions=500,
    evidence_required=120, first=[("7.5.2", HOSTILE * 20)] * 3,
)
_NEW = DraftView(
    draft_id="3-0a1b2c3d", id="office-zh", title="办公室", version=1, published_version=None, unchanged=False,
    languages=("zh",), sections=[("文件控制", 2)], more_sections=0, questions=2, evidence_required=0,
    first=[("7.5.2", "文件是否经过审批？")],
)

_LONGEST = ChecklistRow(id="x" * 40, title="题" * 120, version=999, questions=5000, languages=("zh", "en"),
                        audits=99999, archived=False)

SAMPLES: dict[str, list[dict]] = {
    "checklists_list": [{"items": [_ROW] * 60 + [_ARCHIVED] * 30},
                        {"items": [_LONGEST] * 60 + [ChecklistRow(**{**_LONGEST.__dict__, "archived": True})] * 30}, {"items": []}, {"items": [_ARCHIVED]}],
    "checklist_problems": [
        {"name": HOSTILE, "problems": [HOSTILE * 10] * 40, "marked": True},
        {"name": "a.xlsx", "problems": ["The file is empty."], "marked": False},
    ],
    "checklist_draft": [{"d": _DRAFT}, {"d": _DRAFT, "needs_version": 4}, {"d": _NEW}],
    "checklist_published": [{"c": _ROW}],
    "checklist_discarded": [{}],
    "checklist_refused": [{"code": "not_allowed"}, {"code": "import_not_allowed"}, {"code": "draft_gone"}, {"code": "stale"}],
    "checklist_offer_import": [{"name": HOSTILE}],
    "checklist_send_file": [{}],
    "checklist_workbook_caption": [
        {"problems": 3, "title": None, "version": None},
        {"problems": 0, "title": HOSTILE, "version": 2},
        {"problems": 0, "title": None, "version": None},
    ],
}
