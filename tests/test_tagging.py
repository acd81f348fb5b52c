"""Category tagging by the rules in rules/categories.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.process import Rulebook, analyse
from pipeline.tagging import load_rules, sentences, tag


def cats(text: str, rulebook: Rulebook) -> list[str]:
    return analyse(text, rulebook.rules).categories


def test_each_category_with_its_evidence_sentence(rulebook: Rulebook) -> None:
    text = (
        "江北城街道2024年节能宣传周工作总结\n"
        "一是倡导干部职工绿色出行，5月15日全体职工乘坐公共交通上班。"
        "二是办公区域空调温度设置不低于26℃，六楼以下停开电梯。"
        "三是组织收看全国节能宣传周启动仪式直播。"
        "四是开展节能知识竞赛。"
        "五是悬挂横幅5条。"
        "六是推行双面打印和光盘行动。"
        "七是在全国低碳日当天开展能源紧缺体验活动。"
    )
    analysis = analyse(text, rulebook.rules)
    assert analysis.categories == [
        "green_commute", "low_carbon_day", "power_saving", "livestream", "quiz",
        "publicity", "green_office",
    ]  # fmt: skip
    assert analysis.evidence["livestream"] == "三是组织收看全国节能宣传周启动仪式直播。"
    assert analysis.kind == "report"
    assert analysis.figures == {"banners": 5}


def test_walking_street_is_not_walking(rulebook: Rulebook) -> None:
    assert "green_commute" not in cats("我们在步行街开展了节能宣传活动。", rulebook)
    assert "green_commute" in cats("机关干部步行上班。", rulebook)


def test_planned_actions_are_not_done(rulebook: Rulebook) -> None:
    text = "节能宣传周总结。下一步，我局将组织开展节能知识竞赛。"
    assert "quiz" not in cats(text, rulebook)


def test_other_campaigns_do_not_count(rulebook: Rulebook) -> None:
    text = "节能工作情况。安全生产月期间悬挂横幅10条。"
    assert "publicity" not in cats(text, rulebook)


def test_closing_slogan_does_not_count(rulebook: Rulebook) -> None:
    text = "节能宣传周总结。倡导大家从节约一度电做起。"
    assert "power_saving" not in cats(text, rulebook)


def test_low_carbon_day_only_as_background_does_not_count(rulebook: Rulebook) -> None:
    assert "low_carbon_day" not in cats("5月15日是全国低碳日。", rulebook)
    assert "low_carbon_day" in cats("全国低碳日当天，我街道开展低碳体验活动。", rulebook)


def test_notice_kind_from_title(rulebook: Rulebook) -> None:
    text = "关于开展2024年节能宣传周和全国低碳日活动的通知\n各单位：请组织干部职工绿色出行。"
    analysis = analyse(text, rulebook.rules)
    assert analysis.kind == "notice"
    assert "green_commute" in analysis.categories


def test_unrelated_text(rulebook: Rulebook) -> None:
    assert analyse("关于召开季度工作例会的通知回执，请查收。", rulebook.rules).kind == "unrelated"


def test_dropped_hits_are_explained(rulebook: Rulebook) -> None:
    result = tag("节能宣传周总结。在社区宣传垃圾分类知识。下一步将组织答题。", rulebook.rules)
    reasons = {d.tag.category: d.reason for d in result.dropped}
    assert reasons["green_office"] == "排除词（宣传垃圾分类知识）"
    assert reasons["quiz"].startswith("计划中的工作")
    assert [t.category for t in result.tags] == []


def test_sentences_split_on_chinese_punctuation_and_lines() -> None:
    assert sentences("一、开展活动。二是宣传！\n三是 答题？") == [
        "一、开展活动。",
        "二是宣传！",
        "三是 答题？",
    ]


def test_invalid_rules_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "categories.toml"
    path.write_text(
        '[cues]\nplanned = ["将"]\n\n[categories.flying]\nlabel = "飞"\nphrases = ["飞"]\n'
    )
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert "unknown category id 'flying'" in str(err.value)
    assert f"{path}:4" in str(err.value)


def test_rules_with_bad_toml_fail_at_load(tmp_path: Path) -> None:
    path = tmp_path / "categories.toml"
    path.write_text("[categories.quiz\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_rules(path)
