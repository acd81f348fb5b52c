"""Figures from Arabic and Chinese numerals, per CATEGORIES.md."""

from __future__ import annotations

import pytest

from pipeline.tag.figures import cn_number, figures


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
        (
            "悬挂12条横幅，设置8块展板，发放1500份宣传资料。",
            {"banners": 12, "boards": 8, "leaflets": 1500},
        ),
        ("在网站发布信息5条，阅读量2000余次，张贴海报50张。", {}),
        ("向客户发放《居家节电小指南》500份。", {"leaflets": 500}),
        ("悬挂横幅标语6条。", {"banners": 6}),
        ("开展有奖竞答6场，活动3次。", {"events": 6}),
        ("约二三十名干部、20至30人、数百人、近千份。", {}),
        ("最后一人离开关灯；纸质件一式两份；第三人民医院。", {}),
        ("参与群众两万余人次，发放资料一千零五十份。", {"participants": 20000, "leaflets": 1050}),
        # issue 13: thousands separators keep every digit, ASCII and full-width
        ("发放宣传资料3,500余份。", {"leaflets": 3500}),
        ("参与群众1,200人，悬挂横幅2,000条。", {"participants": 1200, "banners": 2000}),
        ("发放宣传资料3，500余份，参与1，200人。", {"leaflets": 3500, "participants": 1200}),
        ("累计参与1,234,567人次。", {"participants": 1234567}),
        ("活动吸引1.2万人次参与。", {"participants": 12000}),
        # a range is uncertain: left out, not guessed
        ("发放宣传单1000—1500份。", {}),
        ("约120人参加。", {"participants": 120}),
        ("举办节能讲座一场。", {"events": 1}),
        ("举办了一场以节水、节电为主题的节能宣传活动。", {"events": 1}),
        ("这是一次难得的机会，一场绿色变革正在发生，少用一张纸。", {}),
        ("展板20块，环保袋500个。", {"boards": 20}),
        ("制作展板50余块，发放手提袋200余个、宣传页300余张。", {"boards": 50, "leaflets": 300}),
        ("发放小纸条300张，悬挂横幅5条。", {"banners": 5}),
        ("印制各类节能宣传册、宣传画一万份。", {"leaflets": 10000}),
        ("悬挂节能宣传布标22条，设置展牌六块。", {"banners": 22, "boards": 6}),
        ("发放宣传资料万余份，节能环保袋2000余个。", {"leaflets": 10000}),
        ("共悬挂宣传横幅11条、标语100余条。", {"banners": 11}),
        ("接受群众现场咨询10余次。", {}),
        ("在市政府办公楼悬挂宣传条幅12个。", {"banners": 12}),
        ("共摆放各类宣传展板30多幅，悬挂横幅5幅。", {"boards": 30, "banners": 5}),
        # round 19: 达到 before a count is no range; 10到20人 still is one
        ("活动参与人员达到1000余人。", {"participants": 1000}),
        ("每场活动安排10到20人。", {}),
        ("在“万人签字”环节中，师生踊跃参与。", {}),
        # round 10: "again" is no count; online posts are not activities; 人次 given as 次;
        # two people in a scene are no turnout
        ("医院再一次号召全院职工绿色出行。", {}),
        ("开展节约用电宣传16次，在微信上线上宣传318次。", {"events": 16}),
        ("通过微信平台宣传3次，发放宣传单50余份。", {"leaflets": 50}),
        ("本次网络答题参与总人次达967次。", {"participants": 967}),
        ("两名工作人员推着自行车外出办事。", {}),
        ("参加骑行的干部共2人。", {"participants": 2}),
    ],
)
def test_figures(text: str, expected: dict[str, int]) -> None:
    assert figures(text) == expected


def test_statistics_table_columns() -> None:
    table = (
        "活动名称\t参与人数\t发放资料（份）\t悬挂横幅（条）\t开展场次\n"
        "节能宣传进社区\t180\t1500\t8\t2\n"
        "低碳体验日活动\t65\t—\n"
        "合计\t245\t1500余\t8\t3"
    )
    assert figures(table) == {"participants": 245, "leaflets": 1500, "banners": 8, "events": 3}
    assert figures("序号\t活动名称\t参与人数\t发放资料（份）") == {}
