"""The bundled checklists load; a broken copy fails with file, path and problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.checklists import ChecklistError, bundled_dir, load_all, load_checklist


def test_bundled_checklists_are_valid_and_large_enough():
    found = load_all()
    assert len(found["iso9001-government"].question_ids()) >= 60
    assert len(found["functional-department"].question_ids()) >= 30
    for checklist in found.values():
        for _, question in checklist.questions():
            assert question.text.zh and question.text.en
            assert question.guidance.zh and question.guidance.en


def test_snapshot_round_trip():
    checklist = load_all()["functional-department"]
    assert type(checklist).from_json(checklist.to_json()) == checklist


def _broken_copy(tmp_path: Path) -> Path:
    source = bundled_dir() / "functional-department.yaml"
    target = tmp_path / "broken.yaml"
    shutil.copy(source, target)
    text = target.read_text(encoding="utf-8")
    text = text.replace("evidence: required", "evidence: sometimes", 1)
    target.write_text(text, encoding="utf-8")
    return target


def test_broken_copy_names_path_and_problem(tmp_path):
    target = _broken_copy(tmp_path)
    with pytest.raises(ChecklistError) as info:
        load_checklist(target)
    problem = info.value.problems[0]
    assert problem.startswith("sections.") and ".evidence:" in problem


def test_yaml_syntax_error_gives_line(tmp_path):
    target = tmp_path / "bad.yaml"
    target.write_text("id: x\nversion: [1\n", encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_checklist(target)
    assert "line" in info.value.problems[0]


def test_duplicate_question_id(tmp_path):
    target = tmp_path / "dup.yaml"
    target.write_text(
        "id: dup\nversion: 1\ntitle: {zh: 甲, en: A}\nsections:\n"
        "  - id: s1\n    title: {zh: 乙, en: B}\n    questions:\n"
        "      - {id: q1, clause: '4.1', text: {zh: 问, en: Q}, guidance: {zh: 看, en: G}}\n"
        "      - {id: q1, clause: '4.2', text: {zh: 问, en: Q}, guidance: {zh: 看, en: G}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ChecklistError, match="used twice"):
        load_checklist(target)


def test_cli_validate(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "bot", "checklists", "validate"], capture_output=True,
                        text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(": ok") >= 2
    target = _broken_copy(tmp_path)
    bad = subprocess.run([sys.executable, "-m", "bot", "checklists", "validate", str(target)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert f"{target}: sections." in bad.stdout and "evidence" in bad.stdout
