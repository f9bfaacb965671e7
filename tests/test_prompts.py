"""Every template renders in both languages with sample data, within Telegram's limit."""

from __future__ import annotations

import pytest

from bot.prompts import LANGS, TELEGRAM_TEXT_LIMIT, Prompts
from devtools.botapi_double import render_text
from tests.prompt_samples import SAMPLES

PROMPTS = Prompts()


def test_both_languages_have_the_same_templates_and_labels():
    assert PROMPTS.template_names("zh") == PROMPTS.template_names("en")
    assert PROMPTS.label_keys("zh") == PROMPTS.label_keys("en")


def test_every_template_has_sample_data():
    missing = set(PROMPTS.template_names("en")) - set(SAMPLES)
    assert not missing, f"add sample data to tests/prompt_samples.py for: {sorted(missing)}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PROMPTS.template_names("en"))
def test_renders_within_limit(lang, name):
    for sample in SAMPLES[name]:
        text = PROMPTS.render(lang, name, **sample)
        assert text.strip(), f"{lang}/{name} rendered empty"
        plain, _ = render_text(text, "HTML")  # as Telegram parses it (raises on broken markup)
        assert len(plain) <= TELEGRAM_TEXT_LIMIT, f"{lang}/{name}: {len(plain)} characters"
        assert "<script>" not in text, f"{lang}/{name} did not escape user text"


def test_user_text_is_escaped():
    text = PROMPTS.render("en", "department_renamed", name="<b>R&D</b>")
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in text


def test_label_falls_back_and_formats():
    assert PROMPTS.label("xx", "saved") == PROMPTS.label("en", "saved")
    assert PROMPTS.label("zh", "rename_button", name="办公室") == "✏️ 办公室"


def test_inline_block_tags_keep_their_line_break():
    """With trim_blocks, a text line ending in {% endif %} would swallow its newline: use +%}."""
    import re

    ends_in_tag = re.compile(r"\{%-? *(endif|endfor|else) *-?%\}$")
    only_tags = re.compile(r"^(\{%[^%]*%\})+$")
    offenders = []
    for path in sorted(PROMPTS.root.glob("*/*.j2")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines, 1):
            more_text = any(rest.strip() for rest in lines[number:])
            if ends_in_tag.search(line) and not only_tags.match(line.strip()) and more_text:
                offenders.append(f"{path.parent.name}/{path.name}:{number}")
    assert not offenders, offenders
