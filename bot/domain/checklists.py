"""Checklist schema (pydantic) and loading of the YAML checklists.

A checklist file looks like::

    id: iso9001-government
    version: 1
    title: {zh: ..., en: ...}
    sections:
      - id: s4
        title: {zh: ..., en: ...}
        questions:
          - id: q4-1
            clause: "4.1"
            text: {zh: ..., en: ...}
            guidance: {zh: ..., en: ...}
            evidence: optional   # required | optional | none

A text may be in one language only ({zh: ...} or {en: ...}); a reader of the other
language then sees the language the checklist has. Checklists also come in as Excel
workbooks (bot/workbooks/checklist.py).

YAML anchors and aliases are refused (a few kB of aliases would expand to millions of
questions), and a checklist holds at most MAX_SECTIONS sections and MAX_QUESTIONS questions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from enum import StrEnum
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.vocabulary import LANGS

_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,40}$"
MAX_SECTIONS = 500
MAX_QUESTIONS = 5000  # as many as the checklist workbook has rows (bot/workbooks/guard.py MAX_ROWS)


class EvidenceRule(StrEnum):
    """Whether a nonconformity on a question needs evidence attached."""

    required = "required"
    optional = "optional"
    none = "none"


class Text(BaseModel):
    """A text in Chinese, English or both (a checklist may be in one language only)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str | None = Field(default=None, min_length=1, max_length=1500)
    en: str | None = Field(default=None, min_length=1, max_length=1500)

    def get(self, lang: str) -> str:
        """The text in ``lang``; the other language when this one is missing."""
        first, other = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first or other or ""

    def has(self, lang: str) -> bool:
        return bool(self.zh if lang == "zh" else self.en)

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @model_validator(mode="after")
    def _one_language(self) -> Text:
        if self.zh is None and self.en is None:
            raise ValueError("needs a text in zh or en (or both)")
        return self


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID_PATTERN)
    clause: str = Field(min_length=1, max_length=20)
    text: Text
    guidance: Text
    evidence: EvidenceRule = EvidenceRule.optional


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID_PATTERN)
    title: Text
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)


class Checklist(BaseModel):
    """A whole checklist; question ids are unique across sections."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID_PATTERN)
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    sections: list[Section] = Field(min_length=1, max_length=MAX_SECTIONS)

    @model_validator(mode="after")
    def _unique_ids(self) -> Checklist:
        if sum(len(s.questions) for s in self.sections) > MAX_QUESTIONS:
            raise ValueError(f"sections: at most {MAX_QUESTIONS} questions in all")
        seen: set[str] = set()
        for s_index, section in enumerate(self.sections):
            for q_index, question in enumerate(section.questions):
                if question.id in seen:
                    raise ValueError(
                        f"sections.{s_index}.questions.{q_index}.id: "
                        f"question id {question.id!r} is used twice"
                    )
                seen.add(question.id)
        section_ids = [s.id for s in self.sections]
        if len(section_ids) != len(set(section_ids)):
            raise ValueError("sections: section ids must be unique")
        return self

    def questions(self) -> list[tuple[Section, Question]]:
        """Every question in order, with its section."""
        return [(s, q) for s in self.sections for q in s.questions]

    def question_ids(self) -> list[str]:
        return [q.id for s in self.sections for q in s.questions]

    def find(self, question_id: str) -> tuple[Section, Question] | None:
        for section, question in self.questions():
            if question.id == question_id:
                return section, question
        return None

    def languages(self) -> tuple[str, ...]:
        """The languages every question is written in (else those any question has)."""
        texts = [q.text for _, q in self.questions()]
        every = tuple(lang for lang in LANGS if all(t.has(lang) for t in texts))
        return every or tuple(lang for lang in LANGS if any(t.has(lang) for t in texts))

    def to_json(self) -> str:
        """The snapshot kept with an audit."""
        return self.model_dump_json()

    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, text: str) -> Checklist:
        return cls.model_validate(json.loads(text))


class ChecklistError(Exception):
    """A checklist file that does not load; ``problems`` lists every error."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


def bundled_dir() -> Path:
    """The folder of the checklists shipped with the package."""
    return Path(str(resources.files("checklists")))


def load_checklist(path: Path) -> Checklist:
    """Load and validate one YAML file; raise ChecklistError naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChecklistError(path, [f"cannot read: {getattr(exc, 'strerror', None) or exc}"]) from None
    return checklist_from_yaml(text, path)


class _PlainLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases (and so ``<<`` merges of them)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed; write each text out",
                event.start_mark)
        return super().compose_node(parent, index)


def _too_many(raw: dict) -> str | None:
    """The limit a raw checklist goes over, checked before the schema validates every question."""
    sections = raw.get("sections")
    if not isinstance(sections, list):
        return None
    if len(sections) > MAX_SECTIONS:
        return f"sections: {len(sections)} sections; at most {MAX_SECTIONS} are allowed"
    questions = sum(len(s["questions"]) for s in sections
                    if isinstance(s, dict) and isinstance(s.get("questions"), list))
    if questions > MAX_QUESTIONS:
        return f"sections: {questions} questions; at most {MAX_QUESTIONS} are allowed"
    return None


def checklist_from_yaml(text: str, path: Path) -> Checklist:
    """Validate the YAML ``text`` of a checklist; ``path`` names it in the errors."""
    try:
        raw = yaml.load(text, Loader=_PlainLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ChecklistError(path, [f"{where}not valid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise ChecklistError(path, ["the file must hold a mapping with id, version, title, sections"])
    if too_many := _too_many(raw):
        raise ChecklistError(path, [too_many])
    try:
        return Checklist.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise ChecklistError(path, problems) from None


def checklist_files(extra_dirs: Iterable[Path] = ()) -> list[Path]:
    """The bundled checklist files, then those of ``extra_dirs``."""
    files = sorted(bundled_dir().glob("*.yaml"))
    for folder in extra_dirs:
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.yaml")))
    return files


def archived_ids(extra_dirs: Iterable[Path] = ()) -> set[str]:
    """Ids archived in ``extra_dirs`` (a file in ``archived/`` and none published beside it)."""
    found: set[str] = set()
    for folder in extra_dirs:
        archive = folder / "archived"
        if archive.is_dir():
            found.update(p.stem for p in archive.glob("*.yaml") if not (folder / p.name).exists())
    return found


def load_all(extra_dirs: Iterable[Path] = ()) -> dict[str, Checklist]:
    """Every valid checklist by id; a later file with the same id wins; archived ids are left out."""
    extra_dirs = list(extra_dirs)
    result: dict[str, Checklist] = {}
    for path in checklist_files(extra_dirs):
        checklist = load_checklist(path)
        result[checklist.id] = checklist
    for checklist_id in archived_ids(extra_dirs):
        result.pop(checklist_id, None)
    return result
