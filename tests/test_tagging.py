"""Category tagging by the rules in rules/categories.toml.

The traps themselves are in rules/examples/ (tests/test_rule_examples.py); here:
the rule format, its validation, the matching machinery and the tokenizer cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.process import Rulebook
from pipeline.tag import analyse, load_rules, segment, sentences, tag
from pipeline.tag.passages import clause_spans, document, quote_spans
from pipeline.tag.rules import Pattern
from tests.conftest import REPO

RULES = (REPO / "rules" / "categories.toml").read_text(encoding="utf-8")


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
    assert "green_commute" not in cats("节能宣传周期间，我们在步行街开展了节能宣传活动。", rulebook)
    assert "green_commute" in cats("节能宣传周期间，机关干部步行上班。", rulebook)


def test_title_is_not_evidence(rulebook: Rulebook) -> None:
    text = "某街道2024年节能宣传周和全国低碳日活动总结\n在办公楼前悬挂横幅2条。"
    assert cats(text, rulebook) == ["publicity"]


def test_dropped_hits_say_which_rule_cancelled_them(rulebook: Rulebook) -> None:
    result = tag("节能宣传周总结。在社区宣传垃圾分类知识。下一步将组织答题。", rulebook.rules)
    reasons = {d.tag.category: d.reason for d in result.dropped}
    assert reasons["green_office"] == "只是宣传的内容（宣传）"
    assert reasons["quiz"] == "计划中的工作（下一步）"
    # CATEGORIES.md: 宣传…垃圾分类知识 is publicity (it was missed before issue 13)
    assert [t.category for t in result.tags] == ["publicity"]


def test_kind_follows_the_last_type_word_of_the_title(rulebook: Rulebook) -> None:
    def kind(text: str, title: str = "") -> str:
        return tag(text, rulebook.rules, title).kind

    assert kind("关于报送节能宣传周工作总结的通知\n请各单位报送。") == "notice"
    assert kind("关于节能宣传周活动通知落实情况的报告\n我局悬挂横幅。") == "report"
    assert kind("某中学组织学生观看节能宣传片\n5月15日组织学生观看。") == "report"
    assert kind("各科室：\n请组织干部职工参加节能知识答题。") == "notice"
    assert kind("请组织干部职工参加节能知识答题。", title="转发：节能宣传周通知") == "notice"
    assert kind("关于召开季度工作例会的通知回执，请查收。") == "unrelated"
    assert kind("某街道2024年安全生产月活动总结\n悬挂横幅10条。") == "unrelated"


def test_figures_leave_out_notices_other_campaigns_and_plans(rulebook: Rulebook) -> None:
    text = (
        "某局节能宣传周工作总结\n悬挂横幅3条。同时开展世界环境日宣传，悬挂横幅8条。"
        "下一步将发放资料1000份。"
    )
    assert analyse(text, rulebook.rules).figures == {"banners": 3}
    notice = "关于开展节能宣传周活动的通知\n各单位：悬挂横幅不少于2条。"
    assert analyse(notice, rulebook.rules).figures == {}


def test_sentences_split_on_chinese_punctuation_and_lines() -> None:
    assert sentences("一、开展活动。二是宣传！\n三是 答题？") == [
        "一、开展活动。",
        "二是宣传！",
        "三是 答题？",
    ]


def test_punctuation_inside_quotes_ends_no_sentence_or_clause() -> None:
    text = "悬挂“节能降碳，你我同行。”横幅一条，张贴海报。"
    assert sentences(text) == [text]
    assert [text[a:b] for a, b in clause_spans(text)] == [
        "悬挂“节能降碳，你我同行。”横幅一条",
        "张贴海报。",
    ]
    assert [text[a + 1 : b] for a, b in quote_spans(text)] == ["节能降碳，你我同行。"]


def test_a_plan_heading_governs_its_section() -> None:
    doc = document("总结\n一、已开展\n悬挂横幅。\n二、下一步打算\n组织竞赛。")
    assert [(s.text, s.role, s.heading) for s in doc] == [
        ("总结", "title", ""),
        ("一、已开展", "heading", "一、已开展"),
        ("悬挂横幅。", "body", "一、已开展"),
        ("二、下一步打算", "heading", "二、下一步打算"),
        ("组织竞赛。", "body", "二、下一步打算"),
    ]


def test_gap_patterns_stay_inside_one_clause() -> None:
    pattern = Pattern("收看…直播")
    text = "组织干部在会议室集中收看节能宣传周启动仪式直播"
    assert [text[a:b] for a, b in pattern.spans(text)] == ["收看节能宣传周启动仪式直播"]
    assert list(pattern.spans("组织收看活动，开展直播带货")) == []
    assert list(Pattern("世界…日", 8).spans("5月31日是世界无烟日")) == [(6, 11)]


@pytest.mark.parametrize(
    ("edit", "message", "line_of"),
    [
        ('[categories.flying]\nlabel = "飞"\nphrases = ["飞"]\n', "unknown category id 'flying'",
         "[categories.flying]"),
        ('[categories.quiz]\nlabel = "竞赛"\nphrasse = ["竞赛"]\n', "unknown key 'phrasse'",
         "phrasse ="),
        ('[cues.x]\nreason = "x"\nwords = ["x"]\nscope = "page"\n', "cues.x.scope must be one of",
         'scope = "page"'),
        ('[cues.x]\nreason = "x"\nwords = ["x"]\napplies_to = ["quizz"]\n', "unknown 'quizz'",
         "applies_to ="),
        ('[cues.x]\nreason = "x"\nwords = ["将..."]\n', "write the gap as …", 'words = ["将..."]'),
        ('[cues.x]\nwords = ["将"]\n', "cues.x.reason is missing", "[cues.x]"),
        ('[categories.quiz]\nlabel = "竞赛"\nphrases = ["竞赛", ""]\n', "non-empty strings",
         "phrases ="),
        ('[categories.quiz]\nlabel = "竞赛"\nphrases = ["竞赛"]\nmin_evidence = 0\n',
         "min_evidence must be a whole number", "min_evidence ="),
        ('[categories.quiz]\nlabel = "竞赛"\nphrases = ["竞赛"]\ngeneral = ["答题"]\n',
         "'答题' is not in phrases", "general ="),
        ('[general]\nneeds = ["干部"]\nneed = ["x"]\n', "unknown key 'need' in [general]",
         "need = "),
        ('[kind]\nplanned_opening = ["将于"]\n', "unknown key 'planned_opening'",
         "planned_opening ="),
    ],
)  # fmt: skip
def test_invalid_rules_name_file_line_and_reason(
    tmp_path: Path, edit: str, message: str, line_of: str
) -> None:
    path = tmp_path / "categories.toml"
    source = '[campaign]\nwords = ["节能"]\n\n' + edit
    path.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    line = next(n for n, text in enumerate(source.splitlines(), 1) if text.startswith(line_of))
    assert message in str(err.value)
    assert f"{path}:{line}" in str(err.value)


def test_rules_with_bad_toml_fail_at_load(tmp_path: Path) -> None:
    path = tmp_path / "categories.toml"
    path.write_text("[categories.quiz\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_rules(path)


def test_min_evidence_needs_that_many_sentences(tmp_path: Path) -> None:
    path = tmp_path / "categories.toml"
    path.write_text(RULES.replace('label = "知识竞赛"', 'label = "知识竞赛"\nmin_evidence = 2'))
    rules = load_rules(path)
    assert [t.category for t in tag("节能宣传周总结。组织答题。", rules).tags] == []
    assert [t.category for t in tag("节能宣传周总结。组织答题。开展知识竞赛。", rules).tags] == [
        "quiz",
        "quiz",
    ]


def test_jieba_cache_goes_to_the_configured_cache_dir(tmp_path: Path) -> None:
    """jieba writes its cache to the temp dir by default (and raises when there is none):
    mailroll names the directory itself."""
    env = {**os.environ, "MAILROLL_CACHE": str(tmp_path / "cache")}
    code = (
        "from pathlib import Path; from pipeline.tag import load_rules, tag;"
        "r = load_rules(Path('rules/categories.toml'));"
        "print([t.category for t in tag('节能宣传周总结。组织收看启动仪式直播。', r).tags])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['livestream']"
    assert (tmp_path / "cache" / "jieba.cache").is_file()


def test_segmenter_works_with_no_writable_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment, "cache_dir", lambda: None)
    segmenter = segment.Segmenter(("步行街", "no-cache-test"))
    assert segmenter.boundaries("在步行街开展宣传") == {0, 1, 4, 6, 8}


def test_hard_wrapped_pdf_lines_are_joined(rulebook: Rulebook) -> None:
    """pdfminer gives one line per printed line: words and numbers are cut at the margin."""
    text = (
        "某医院节能宣传周和低碳日活动总结\n\n"
        "一、开展低碳体验日活动。5月15日全国低碳日，我院组织开展“低碳体验日”\n\n"
        "活动，当天行政后勤科室停开空调，职工步行、骑行或乘坐公交上班，参与职工15\n\n"
        "0余人。\n\n"
        "二、营造氛围。在医院门前广场设置节能宣传咨询台，悬挂节能宣传横幅，发放节\n\n"
        "能宣传资料600份。\n\n"
        "某医院\n\n2024年5月17日\n"
    )
    analysis = analyse(text, rulebook.rules)
    assert analysis.categories == ["green_commute", "low_carbon_day", "power_saving", "publicity"]
    assert analysis.figures == {"participants": 150, "leaflets": 600}
