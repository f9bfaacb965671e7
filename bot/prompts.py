"""Every text the bot sends: Jinja2 templates and button labels per language.

Templates live in ``prompts/<lang>/<name>.j2`` and are rendered with autoescape for
Telegram's HTML parse mode; short labels (buttons, command descriptions) live in
``prompts/<lang>/labels*.yaml`` (one file per area, merged).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.domain.vocabulary import DEFAULT_LANG, LANGS

TELEGRAM_TEXT_LIMIT = 4096
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')  # not in a file name on any phone or desktop


def prompts_dir() -> Path:
    return Path(str(resources.files("prompts")))


def lang_from_client(language_code: str | None) -> str:
    """zh* → 中文, anything else → English."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"


class Prompts:
    """Renders templates and looks up labels; one instance per process."""

    def __init__(self, root: Path | None = None):
        self.root = root or prompts_dir()
        self.env = Environment(
            loader=FileSystemLoader(str(self.root)),
            autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._labels = {lang: _load_labels(self.root / lang) for lang in LANGS}
        self.env.globals["label"] = self.label
        self.env.globals["zone"] = self.zone
        self._templates: set[str] | None = None

    def zone(self, lang: str, tz: object) -> str:
        """A time zone as a person reads it: 北京时间 / Beijing time for Asia/Shanghai (label
        ``zone_<Area_City>``), else its IANA name."""
        key = str(getattr(tz, "key", tz))
        label = f"zone_{key.replace('/', '_')}"
        return self.label(lang, label) if self.has_label(label) else key

    def render(self, lang: str, name: str, /, **context: Any) -> str:
        """The text of template ``name`` in ``lang``, trimmed of surrounding blank lines."""
        template = self.env.get_template(f"{_lang(lang)}/{name}.j2")
        return template.render(lang=_lang(lang), **context).strip()

    def label(self, lang: str, key: str, /, **values: Any) -> str:
        """A short plain-text label (button, command description); ``values`` fill {placeholders}."""
        text = self._labels[_lang(lang)].get(key)
        if text is None:
            text = self._labels[DEFAULT_LANG][key]
        return text.format(**values) if values else text

    def has_label(self, key: str) -> bool:
        return key in self._labels[DEFAULT_LANG]

    def has_template(self, name: str) -> bool:
        if self._templates is None:
            self._templates = set(self.template_names(DEFAULT_LANG))
        return name in self._templates

    def label_keys(self, lang: str) -> set[str]:
        return set(self._labels[_lang(lang)])

    def template_names(self, lang: str) -> list[str]:
        return sorted(p.stem for p in (self.root / _lang(lang)).glob("*.j2"))


def file_name(prompts: Prompts, lang: str, key: str, /, **values: object) -> str:
    """The label ``key`` (``file_…``) as the name of a file the bot sends, in ``lang``; each value
    is made safe for a file name (no slash, colon or control character)."""
    safe = {name: _UNSAFE.sub("_", str(value)).strip()[:80] or "-" for name, value in values.items()}
    return prompts.label(lang, key, **safe)


def _lang(lang: str) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def _load_labels(folder: Path) -> dict[str, str]:
    labels: dict[str, str] = {}
    for path in sorted(folder.glob("labels*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if str(key) in labels:
                raise ValueError(f"{path}: label {key!r} is defined twice")
            labels[str(key)] = str(value)
    return labels


@lru_cache(maxsize=1)
def default_prompts() -> Prompts:
    return Prompts()
