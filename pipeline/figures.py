"""Key figures stated in a text: participants, leaflets, banners, boards, events.

Numbers may be Arabic (120, 3,000) or Chinese (一百二十, 三千, 两); 3000余份
counts as 3000. Approximate words (近百, 数十, 上千) are not figures. Where a
text gives several counts of one kind, the largest wins (usually the total).
"""

from __future__ import annotations

import re

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM = (
    r"(?<![\d.第数近上几若约])"  # not part of a bigger number, an ordinal or an estimate
    r"(\d[\d,，]*(?:\.\d+)?万?|[零〇一二两三四五六七八九十百千万]+)(?:余|多)?"
)

# (figure, pattern); the number is group 1
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        (
            "participants",
            _NUM + r"(?:名|位)?(?:干部职工|党员干部|干部|职工|志愿者|师生|学生|居民|群众|人员)",
        ),
        ("participants", _NUM + r"(?:人次|人(?![民员大工造]))"),
        ("participants", _NUM + r"名(?![单称义额次])"),
        (
            "leaflets",
            _NUM
            + r"(?:份|册|本|张)(?=[^，。；]{0,12}?(?:资料|传单|手册|倡议书|折页|宣传册|宣传单))",
        ),
        (
            "leaflets",
            r"(?:资料|传单|手册|倡议书|折页|宣传册|宣传单)[^，。；\d]{0,8}?"
            + _NUM
            + r"(?:份|册|本|张)",
        ),
        ("banners", _NUM + r"(?:条|幅)(?=[^，。；]{0,6}?(?:横幅|条幅))"),
        ("banners", r"(?:横幅|条幅)[^，。；\d标]{0,8}?" + _NUM + r"(?:条|幅)"),
        ("boards", _NUM + r"块(?=[^，。；]{0,6}?展板)"),
        ("boards", r"展板[^，。；\d]{0,8}?" + _NUM + r"块"),
        ("events", _NUM + r"(?:场次|场)(?![所景地馆])"),
        ("events", r"(?:活动|宣传|讲座|培训)[^，。；\d]{0,6}?" + _NUM + r"次(?!数)"),
        ("events", _NUM + r"次(?=[^，。；]{0,4}?(?:活动|宣传|讲座|培训))"),
    )
)


def cn_number(text: str) -> int | None:
    """Chinese or Arabic numeral to int: 一百二十 → 120, 3,000 → 3000, 1.2万 → 12000."""
    text = text.replace(",", "").replace("，", "")
    if not text:
        return None
    if text[0].isdigit():
        scale = 10000 if text.endswith("万") else 1
        try:
            return int(float(text.rstrip("万")) * scale)
        except ValueError:
            return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            section = (section + (digit or 0)) * 10000
            total += section
            section, digit = 0, None
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def figures(text: str) -> dict[str, int]:
    """The largest stated count of each kind in the text."""
    out: dict[str, int] = {}
    for key, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            value = cn_number(match.group(1))
            if value and value < 10_000_000:
                out[key] = max(out.get(key, 0), value)
    return out
