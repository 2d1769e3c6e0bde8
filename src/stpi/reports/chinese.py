"""Chinese text as an official document writes it: full-width punctuation, Arabic dates, no English.

GB/T 9704—2012 and GB/T 15834 set Chinese text with full-width punctuation (，：；（）) and write
the 成文日期 in Arabic numerals (7.3.5.1: “2025年12月20日”). The functions here are applied to
everything a Chinese document writes, whatever produced the text (the store, the queries, i18n).
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["LATIN_TERMS", "arabic_date", "fullwidth", "is_cjk", "latin_words", "text_width", "zh_only"]

_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_CLOSE = {"(": ")", "（": "）"}
# Latin terms that Chinese statistical indicator names use as they are (国家统计局 writes R&D, GDP)
LATIN_TERMS = frozenset({"R&D", "GDP"})


def is_cjk(ch: str) -> bool:
    """A Chinese character or full-width punctuation (the context that wants full-width marks); never the empty string (a text's edge)."""
    if len(ch) != 1:
        return False
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x3000 <= o <= 0x303F or ch in "—…“”‘’"


def _neighbour(text: str, i: int, step: int) -> str:
    """The nearest character before (step -1) or after (step 1) position ``i`` that is not a space."""
    i += step
    while 0 <= i < len(text) and text[i] == " ":
        i += step
    return text[i] if 0 <= i < len(text) else ""


def _pairs(text: str) -> dict[int, int]:
    """Matching half-width parentheses: the position of each ``(`` and its ``)``."""
    out: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            out[stack.pop()] = i
    return out


def fullwidth(text: str) -> str:
    """Half-width ``, : ; ? ! ( )`` in Chinese text as full-width marks; numbers, codes and English stay.

    A comma, colon or semicolon is converted when the nearest character on either side is Chinese
    (so ``1,234.5``, ``10:30`` and ``a, b`` stay as they are); a pair of parentheses when the text
    inside or next to it is Chinese (``指数(%)`` → ``指数（%）``, ``f(x)`` stays). Spaces next to a
    converted mark go: full-width marks carry their own space.
    """
    chars = list(text)
    for start, end in _pairs(text).items():
        inside = text[start + 1:end]
        if any(is_cjk(c) for c in inside) or is_cjk(_neighbour(text, start, -1)) or is_cjk(_neighbour(text, end, 1)):
            chars[start], chars[end] = "（", "）"
    for i, ch in enumerate(text):
        if ch in _PUNCT and (is_cjk(_neighbour(text, i, -1)) or is_cjk(_neighbour(text, i, 1))):
            chars[i] = _PUNCT[ch]
    out = "".join(chars)
    return re.sub(r" *([，：；？！（）]) *", r"\1", out)


# an English phrase: two or more Latin words (with their spaces, punctuation and numbers)
_ENGLISH = re.compile(r"[ \t]*\(?[A-Za-z][A-Za-z0-9'’/&.+\-]*(?:[ ,;:()/\-]+[A-Za-z0-9][A-Za-z0-9'’/&.+\-%]*)+\)?[.;]?")


def zh_only(text: str) -> str:
    """``中文 English`` → ``中文``: English phrases of two or more words dropped from a bilingual text.

    The store and the messages write some texts in both languages; a Chinese document keeps only
    the Chinese. Single Latin tokens (codes, R&D, GDP, 0.4326) stay; :func:`latin_words` finds them.
    """
    def drop(m: re.Match[str]) -> str:
        words = re.findall(r"[A-Za-z]{2,}", m.group(0))
        return m.group(0) if len(words) < 2 else ""

    return _ENGLISH.sub(drop, text).rstrip(" ")


def latin_words(text: str) -> list[str]:
    """The Latin words in a text (runs of letters, ``&`` joining), apart from :data:`LATIN_TERMS`."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z&]*", text) if w not in LATIN_TERMS]


def arabic_date(day: date) -> str:
    """``2025-12-20`` → ``2025年12月20日`` (GB/T 9704—2012 7.3.5.1: Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def text_width(text: str) -> float:
    """The width of a text in Chinese characters (an ASCII character is half of one)."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in text)
