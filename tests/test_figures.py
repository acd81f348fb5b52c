"""Figures from Arabic and Chinese numerals, per CATEGORIES.md."""

from __future__ import annotations

import pytest

from pipeline.figures import cn_number, figures


@pytest.mark.parametrize(
    ("text", "value"),
    [("一百二十", 120), ("三千", 3000), ("两", 2), ("十二", 12), ("二十五", 25),
     ("一万二千", 12000), ("3,000", 3000), ("1.5万", 15000), ("一千零五", 1005)],
)  # fmt: skip
def test_cn_number(text: str, value: int) -> None:
    assert cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("参与干部职工120人。", {"participants": 120}),
        ("共计一百二十人次参加。", {"participants": 120}),
        ("发放宣传资料3000余份。", {"leaflets": 3000}),
        ("悬挂横幅30条。", {"banners": 30}),
        ("横幅30条，标语50条。", {"banners": 30}),
        ("张贴宣传标语20条。", {}),
        ("设置展板8块。", {"boards": 8}),
        ("开展宣传活动3场。", {"events": 3}),
        ("近百人参加，发放数十份资料。", {}),
        ("第一名获得奖励。", {}),
        ("上午参与50人，下午参与80人，共计130人。", {"participants": 130}),
        ("于5月15日在26℃条件下开展，涉及6楼以下电梯。", {}),
    ],
)
def test_figures(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected
