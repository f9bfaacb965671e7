"""Charts of the management review as PNG bytes: matplotlib's object API on the Agg backend.

No pyplot (global state), so charts can be drawn in worker threads. Chinese labels need a
font with CJK glyphs: ``chart_font`` looks for one on the machine (Noto Sans CJK from
Debian's fonts-noto-cjk, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei …). Without
one, the charts fall back cleanly: English legends, and category names that the default
font cannot draw are replaced by their row numbers in the table above the chart. Every
label is plain text: a ``$`` is escaped, so a name like "Cost $a$" is no mathtext.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
    "Noto Serif CJK SC", "AR PL UMing CN", "Droid Sans Fallback",
)
_FONT_GLOBS = ("/usr/share/fonts/**/*CJK*", "/usr/share/fonts/**/wqy*", "/usr/share/fonts/**/*Han*",
               "/usr/local/share/fonts/**/*CJK*")
DPI = 150
MIN_SLOTS = 6  # bar charts are laid out for at least this many categories
WIDTH_IN, HEIGHT_IN = 6.3, 2.9  # 16 cm × 7.4 cm at 100 %
COLORS = {"major": "#C00000", "minor": "#ED7D31", "observation": "#FFC000", "ofi": "#5B9BD5",
          "rate": "#1F3864", "open": "#5B9BD5", "overdue": "#C00000", "closed": "#70AD47"}


@cache
def chart_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None when the machine has none."""
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    for pattern in _FONT_GLOBS:  # installed after matplotlib built its font cache
        for path in sorted(Path("/").glob(pattern.lstrip("/"))):
            try:
                font_manager.fontManager.addfont(str(path))
            except (OSError, RuntimeError, ValueError):
                continue
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    found = next((family for family in CJK_FAMILIES if family in names), None)
    if found is None:
        log.warning("no CJK font for chart labels: Chinese names are shown as row numbers")
    return found




@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    color: str


def _drawable(text: str) -> bool:
    return chart_font() is not None or all(ord(ch) < 0x2000 for ch in text)


def _plain(text: str) -> str:
    """``text`` as matplotlib shows it verbatim: each ``$`` escaped (no mathtext)."""
    return text.replace("$", r"\$")


def _categories(names: Sequence[str]) -> list[str]:
    """Names the font can draw; otherwise the row number ('3') of the name in the table."""
    return [_plain(name) if _drawable(name) else str(number) for number, name in enumerate(names, 1)]


def _figure(height: float = HEIGHT_IN) -> tuple[Figure, object]:
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    family = chart_font()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    axes = figure.add_subplot()
    axes._review_fonts = fonts
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    axes.tick_params(labelsize=7.5)
    axes.grid(axis="y", color="#D9D9D9", linewidth=0.6)
    axes.set_axisbelow(True)
    return figure, axes


def _png(figure: Figure, axes) -> bytes:
    for text in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        text.set_fontfamily(axes._review_fonts)
    legend = axes.get_legend()
    if legend is not None:
        for text in legend.get_texts():
            text.set_fontfamily(axes._review_fonts)
    figure.tight_layout(pad=0.6)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _legend(axes, series: Sequence[Series]) -> None:
    if len(series) > 1:
        axes.legend(fontsize=7.5, frameon=False, ncols=min(len(series), 4), loc="upper center",
                    bbox_to_anchor=(0.5, 1.16), prop={"family": axes._review_fonts, "size": 7.5})


def _rotate(axes, names: Sequence[str]) -> None:
    longest = max((len(name) for name in names), default=0)
    if len(names) > 6 or longest * len(names) > 60:
        for label in axes.get_xticklabels():
            label.set_rotation(35)
            label.set_horizontalalignment("right")


def _value(value: float | None, percent: bool) -> str:
    if not value:
        return ""
    return f"{value:.0%}" if percent else f"{value:g}"


def bar_chart(names: Sequence[str], series: Sequence[Series], *, percent: bool = False,
              stacked: bool = True) -> bytes:
    """Vertical bars per category: stacked series, or one series of rates (``percent``)."""
    figure, axes = _figure()
    labels = _categories(names)
    positions = range(len(labels))
    bottom = [0.0] * len(labels)
    width = 0.6 if stacked or len(series) == 1 else 0.8 / len(series)
    inside = stacked and len(series) > 1  # stacked segments carry their value inside
    for index, one in enumerate(series):
        values = [v or 0.0 for v in one.values]
        if stacked:
            bars = axes.bar(positions, values, width, bottom=bottom, label=_plain(one.label), color=one.color)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        else:
            offset = (index - (len(series) - 1) / 2) * width
            bars = axes.bar([p + offset for p in positions], values, width, label=_plain(one.label), color=one.color)
        # every bar says its value (a single bar alone gives no scale to read it against)
        axes.bar_label(bars, labels=[_value(v, percent) for v in one.values],
                       label_type="center" if inside else "edge", fontsize=8, padding=0 if inside else 2,
                       color="white" if inside else "black")
    axes.set_xticks(list(positions), labels)
    pad = max(0.0, (MIN_SLOTS - len(labels)) / 2)  # a lone bar stays a bar, not a wall
    axes.set_xlim(-0.5 - pad, len(labels) - 0.5 + pad)
    if percent:
        axes.set_ylim(0, 1.0)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _rotate(axes, labels)
    _legend(axes, series)
    return _png(figure, axes)


def line_chart(names: Sequence[str], series: Sequence[Series], *, percent: bool = False) -> bytes:
    """Lines over ordered categories (quarters, days); a missing value leaves a gap."""
    figure, axes = _figure()
    labels = _categories(names)
    positions = list(range(len(labels)))
    for one in series:
        values = [float("nan") if v is None else v for v in one.values]
        axes.plot(positions, values, marker="o" if len(labels) <= 40 else None, markersize=4,
                  linewidth=1.6, label=_plain(one.label), color=one.color)
    step = max(1, len(labels) // 12)
    axes.set_xticks(positions[::step], labels[::step])
    if percent:
        axes.set_ylim(0, 1.05)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _rotate(axes, labels[::step])
    _legend(axes, series)
    return _png(figure, axes)


def english_legends() -> bool:
    """Legends fall back to English when no CJK font is there to draw Chinese."""
    return chart_font() is None
