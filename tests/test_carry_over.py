"""The carry-over rules (bot/domain/carry_over.py): which of last time's answers a question recalls."""

from __future__ import annotations

from bot.domain.carry_over import Verdict, match, repeat_kind
from bot.domain.checklists import Checklist


def checklist(cid: str, version: int, questions: list[tuple[str, str]]) -> Checklist:
    return Checklist.model_validate({
        "id": cid, "version": version, "title": {"en": "T", "zh": "表"},
        "sections": [{"id": "s", "title": {"en": "S", "zh": "章"}, "questions": [
            {"id": q, "clause": c, "text": {"en": q, "zh": q}, "guidance": {"en": "g", "zh": "g"}}
            for q, c in questions]}]})


def test_same_checklist_matches_by_question_then_by_clause():
    old = checklist("x", 1, [("a", "5.3"), ("b", "6.2"), ("c", "6.2")])
    new = checklist("x", 2, [("a", "5.3"), ("z", "6.2"), ("n", "9.9")])
    findings = {"c": {"number": "NC1", "kind": "minor", "statement": "late", "capa_id": 7}}
    found = match(new, old, {"a": "conform", "b": "observation", "c": "minor"}, findings)
    assert found["a"].question_id == "a" and not found["a"].by_clause and found["a"].result == "conform"
    assert found["z"].question_id == "c" and found["z"].by_clause  # the NC is the most telling on 6.2
    assert (found["z"].finding, found["z"].capa_id, found["z"].statement) == ("NC1", 7, "late")
    assert "n" not in found  # a new question


def test_another_checklist_matches_by_clause_only():
    old = checklist("x", 1, [("a", "5.3")])
    new = checklist("y", 1, [("a", "6.1"), ("b", "5.3")])
    found = match(new, old, {"a": "major"}, {})
    assert set(found) == {"b"} and found["b"].result == "major" and found["b"].finding is None


def test_a_repeat_is_a_nonconformity():
    assert repeat_kind("major", None) == "major"
    assert repeat_kind("minor", "conform") == "minor"
    assert repeat_kind("major", "minor") == "minor"  # as recorded
    assert repeat_kind(None, "observation") == "minor"
    assert Verdict.from_code(Verdict.not_effective.code) is Verdict.not_effective and Verdict.from_code("x") is None
