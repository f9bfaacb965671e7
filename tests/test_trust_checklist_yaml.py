"""Trust: a YAML checklist cannot expand (anchors, aliases) nor go over the size limits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.domain.checklists import MAX_QUESTIONS, MAX_SECTIONS, ChecklistError, checklist_from_yaml
from bot.workbooks.checklist import read_checklist_file

HEAD = "id: bomb\nversion: 1\ntitle: {zh: 炸弹, en: Bomb}\n"
QUESTION = "{id: q%d, clause: '4.1', text: {en: Q}, guidance: {en: G}}"


def _billion_laughs(levels: int = 9) -> str:
    """A few hundred bytes: a section whose questions list expands to 10**levels questions."""
    lines = [f"q0: &q0 [{QUESTION % 1}]"]
    lines += [f"q{n}: &q{n} [{', '.join([f'*q{n - 1}'] * 10)}]" for n in range(1, levels)]
    lines.append(HEAD + f"sections:\n  - {{id: s1, title: {{en: S}}, questions: *q{levels - 1}}}")
    return "\n".join(lines) + "\n"


def test_aliases_are_refused_at_once():
    text = _billion_laughs()
    assert len(text) < 2000
    started = time.monotonic()
    with pytest.raises(ChecklistError) as info:
        checklist_from_yaml(text, Path("bomb.yaml"))
    assert time.monotonic() - started < 2
    assert "anchors and aliases" in info.value.problems[0] and "line 1" in info.value.problems[0]


def test_an_anchor_alone_and_a_merge_key_are_refused():
    anchored = HEAD + "sections:\n  - &s {id: s1, title: {en: S}, questions: [" + QUESTION % 1 + "]}\n"
    merged = HEAD + "base: &t {en: T}\nsections:\n  - id: s1\n    title: {<<: *t}\n    questions: []\n"
    for text in (anchored, merged):
        with pytest.raises(ChecklistError, match="anchors and aliases"):
            checklist_from_yaml(text, Path("x.yaml"))


def test_a_yaml_sent_to_the_bot_with_aliases_is_a_problem_not_a_hang():
    result = read_checklist_file("bomb.yaml", _billion_laughs().encode())
    assert result.checklist is None
    assert "anchors and aliases" in result.problems[0].line("en")


def _sections(count: int, per_section: int) -> str:
    section = "  - id: s%d\n    title: {en: S}\n    questions:\n"
    out = [HEAD, "sections:\n"]
    number = 0
    for s in range(count):
        out.append(section % s)
        for _ in range(per_section):
            number += 1
            out.append(f"      - {QUESTION % number}\n")
    return "".join(out)


def test_too_many_sections_or_questions_are_refused():
    with pytest.raises(ChecklistError, match=f"at most {MAX_SECTIONS} are allowed"):
        checklist_from_yaml(_sections(MAX_SECTIONS + 1, 1), Path("wide.yaml"))
    with pytest.raises(ChecklistError, match=f"at most {MAX_QUESTIONS} are allowed"):
        checklist_from_yaml(_sections(2, MAX_QUESTIONS // 2 + 1), Path("long.yaml"))
    assert len(checklist_from_yaml(_sections(2, 3), Path("ok.yaml")).question_ids()) == 6
