"""Charts for the reports, drawn with matplotlib in a CJK font shipped by a PyPI package.

The font comes from the ``mplfonts`` package (Noto Sans CJK SC, SIL Open Font License), never
from the system, so a chart looks the same on every machine. It is found without importing
``mplfonts`` (which would touch matplotlib's configuration) and registered with
``fontManager.addfont``. Every word a chart draws is in the document's language (``lang``):
a Chinese chart has no English legend and full-width punctuation in its titles.
"""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from stpi.errors import StpiError
from stpi.numbers import number
from stpi.reports.chinese import fullwidth

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FONT_FILE", "cjk_font", "groups_chart", "index_path_chart"]

FONT_PACKAGE, FONT_FILE = "mplfonts", "NotoSansCJKsc-Regular.otf"
COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}
WORDS = {  # legend entries by language
    "score": ("得分", "score"), "milestone": ("里程碑", "milestone"), "milestone_path": ("里程碑路径", "milestone path"), "index": ("综合指数", "index"),
    "goal": ("{year}年目标{goal:g}%", "{year} goal {goal:g}%"),
}


def _word(key: str, lang: str, **kw: object) -> str:
    if lang not in ("zh", "en"):
        raise StpiError(f"chart language {lang!r}: zh or en")
    return WORDS[key][lang == "en"].format(**kw)


def _text(text: str, lang: str) -> str:
    """A title or caption as the document writes it: full-width punctuation in Chinese."""
    return fullwidth(text) if lang == "zh" else text


def packaged_font(name: str) -> Path:
    """The path of a font file shipped by the PyPI font package (found without importing it)."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or spec.origin is None:
        raise StpiError(f"需要 PyPI 包 {FONT_PACKAGE}(中文字体) the {FONT_PACKAGE} package is needed: pip install {FONT_PACKAGE}")
    path = Path(spec.origin).parent / "fonts" / name
    if not path.is_file():
        raise StpiError(f"{FONT_PACKAGE} 中没有字体文件 font file missing: {path}")
    return path


@cache
def cjk_font() -> str:
    """Register the packaged CJK font with matplotlib and return its family name."""
    path = packaged_font(FONT_FILE)
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=150)  # no pyplot: no global state, thread-safe
    return fig, fig.add_subplot()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def groups_chart(names: Sequence[str], scores: Sequence[float | None], milestones: Sequence[float | None], lights: Sequence[str], *, title: str, note: str, lang: str = "zh") -> bytes:
    """Horizontal bars of the groups' scores (coloured by light) with their milestones as ticks; PNG bytes."""
    family = cjk_font()
    fig, ax = _figure(7.0, 0.42 * len(names) + 1.4)
    y = list(range(len(names)))[::-1]
    vals = [0.0 if s is None or math.isnan(s) else s for s in scores]
    ax.barh(y, vals, color=[COLOURS.get(c, COLOURS["grey"]) for c in lights], height=0.6, label=_word("score", lang))
    miles = [(yy, m) for yy, m in zip(y, milestones) if m is not None and not math.isnan(m)]
    if miles:
        ax.scatter([m for _, m in miles], [yy for yy, _ in miles], marker="|", s=260, color="black", linewidths=2, label=_word("milestone", lang), zorder=3)
    for yy, v in zip(y, vals):
        ax.text(v + 0.8, yy, number(v), va="center", fontsize=8, family=family)
    ax.set_yticks(y, [_text(n, lang) for n in names], fontsize=9, family=family)
    ax.set_xlim(0, 105)
    ax.set_title(_text(title, lang), family=family, fontsize=11)
    ax.set_xlabel(_text(note, lang), family=family, fontsize=8)
    ax.legend(prop={"family": family, "size": 8}, loc="lower right")
    return _png(fig)


def index_path_chart(years: Sequence[int], values: Sequence[float | None], milestones: Sequence[float | None], *, goal: float, goal_year: int, title: str, note: str,
                     lang: str = "zh") -> bytes:
    """The index by year against its milestone path up to the goal; PNG bytes."""
    family = cjk_font()
    fig, ax = _figure(7.0, 3.2)
    have = [(y, v) for y, v in zip(years, values) if v is not None and not math.isnan(v)]
    path = [(y, m) for y, m in zip(years, milestones) if m is not None and not math.isnan(m)]
    if path:
        ax.plot([y for y, _ in path] + [goal_year], [m for _, m in path] + [goal], linestyle="--", color="#555555", label=_word("milestone_path", lang))
    ax.plot([y for y, _ in have], [v for _, v in have], marker="o", color="#1565c0", label=_word("index", lang))
    for y, v in have:
        ax.annotate(number(v), (y, v), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8, family=family)
    ax.scatter([goal_year], [goal], marker="*", s=120, color="#c62828", label=_word("goal", lang, year=goal_year, goal=goal), zorder=3)
    ax.set_xticks(list(range(min(list(years) + [goal_year]), goal_year + 1)))
    ax.set_title(_text(title, lang), family=family, fontsize=11)
    ax.set_xlabel(_text(note, lang), family=family, fontsize=8)
    ax.legend(prop={"family": family, "size": 8}, loc="upper left")
    return _png(fig)
