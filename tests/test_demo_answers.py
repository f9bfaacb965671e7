"""Issue 8, defect 12: the demo files each finding on the question it is about."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from bot.domain.checklists import load_all
from devtools import demo

STOP = {"本部", "部门", "是否", "如何", "哪些", "情况", "with", "which", "their", "there", "about"}
NONCONFORMITIES = ("轻微不符合", "严重不符合", "Minor NC", "Major NC")


def words(text: str) -> set[str]:
    """CJK two-character runs and Latin words of five letters or more."""
    cjk = {a + b for run in re.findall(r"[\u4e00-\u9fff]+", text) for a, b in pairwise(run)}
    latin = {w.lower() for w in re.findall(r"[A-Za-z]{5,}", text)}
    return (cjk | latin) - STOP


def test_the_chinese_audit_names_its_questions_by_id_and_each_note_is_about_its_question():
    questions = {q.id: q for _, q in load_all()[demo.AUDIT_CHECKLIST].questions()}
    assert demo.ANSWERS and all(isinstance(k, str) for k in demo.ANSWERS)
    for question_id, (result, note, photo) in demo.ANSWERS.items():
        question = questions.get(question_id)
        assert question is not None, question_id
        if result in NONCONFORMITIES and question.evidence.value == "required":
            assert photo, f"{question_id}: a nonconformity here needs evidence"
        if note:
            shared = words(note) & words(question.text.get("zh"))
            assert shared, f"{question_id} ({question.clause}) {question.text.get('zh')!r} ↔ {note!r}"


def test_the_english_audit_answers_the_questions_it_means():
    questions = [q for _, q in load_all()[demo.ENGLISH_CHECKLIST].questions()]
    for (question_id, _, note), question in zip(demo.ENGLISH_ANSWERS, questions, strict=False):
        assert question.id == question_id
        if note:
            assert words(note) & words(question.text.get("en")), (question_id, note)


@pytest.mark.parametrize("question_id", ["resp-1", "offdoc-2"])
def test_the_nonconformities_the_capa_part_answers_are_where_it_expects(question_id):
    # NC1 (post descriptions) is what the clerk answers in the demo's corrective-action week
    result, note, _ = demo.ANSWERS[question_id]
    assert result in NONCONFORMITIES and note
    first_nc = next(qid for qid, (r, _, _) in demo.ANSWERS.items() if r in NONCONFORMITIES)
    assert first_nc == "resp-1" and "岗位说明书" in demo.ANSWERS[first_nc][1]
