"""Trust: a department named with dollar signs is plain text in the review's charts, not mathtext."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import docx
import pytest

from bot.report.review import charts
from bot.report.review.pack import build_review, parse_period
from storage.db import Database
from storage.repos import departments
from tests.databases import target
from tests.review_fixtures import build_history

MONEY = "Cost $a$ and $b$"
BROKEN = "Sales $_$ ^$"  # mathtext refuses this one outright
TODAY = date(2026, 11, 30)


def _shown(text) -> str:
    """What matplotlib draws for a Text (mathtext would be parsed when ``math`` is true)."""
    shown, math = text._preprocess_math(text.get_text())
    assert not math, text.get_text()
    return shown


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The tick labels and legend entries of every chart drawn, as shown."""
    seen: list[str] = []
    real_png = charts._png

    def png(figure, axes) -> bytes:
        seen.extend(_shown(t) for t in axes.get_xticklabels())
        legend = axes.get_legend()
        seen.extend(_shown(t) for t in (legend.get_texts() if legend else ()))
        return real_png(figure, axes)

    monkeypatch.setattr(charts, "_png", png)
    return seen


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_review_with_dollar_signs_in_department_names_builds(tmp_path, drawn, lang):
    async with Database(target(tmp_path / "db.sqlite3")) as db:
        ids = await build_history(db)
        async with db.transaction(claim=False) as conn:
            await departments.rename(conn, ids["Ops"], MONEY)
            await departments.rename(conn, ids["Lab"], BROKEN)
        out = tmp_path / "review.docx"
        await build_review(db, parse_period("2026", TODAY), ZoneInfo("Asia/Shanghai"), TODAY, lang, out)
    assert len(docx.Document(str(out)).inline_shapes) == 4
    assert MONEY in drawn and BROKEN in drawn


def test_legends_keep_their_dollars_too(drawn):
    series = [charts.Series("$ spent", [0.5, 0.25], "#000000"), charts.Series("$x$", [0.1, 0.2], "#111111")]
    assert charts.bar_chart([MONEY, BROKEN], series).startswith(b"\x89PNG")
    assert charts.line_chart(["Q1", "Q2"], series).startswith(b"\x89PNG")
    assert drawn.count("$x$") == 2 and drawn.count(MONEY) == 1
