"""概况, the leaders' first sheet, and 新到: every number is the one 汇总 shows,
the missing and to-be-checked units are named, the figures carry their measures,
and 新到 is what came in since the previous book."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.process import load_rulebook
from pipeline.rollup.report import write_report
from pipeline.service.runner import open_store
from tests.builders import CHINA
from tests.conftest import Workspace
from tests.reportkit import processed, table

NOW = datetime(2024, 5, 27, 8, 0, tzinfo=CHINA)
MEASURES = {"参与人数": "人次", "发放宣传资料": "份", "悬挂横幅": "条", "设置展板": "块",
            "开展活动": "场"}  # fmt: skip
COLUMNS = {"参与人数": "参与人数", "发放宣传资料": "宣传资料(份)", "悬挂横幅": "横幅(条)",
           "设置展板": "展板(块)", "开展活动": "活动(场次)"}  # fmt: skip


def books(ws: Workspace) -> tuple[Path, Path]:
    config = ws.config
    store = open_store(config)
    try:
        book = load_rulebook(config.rules_dir)
        weekly = write_report(store, config, book, week="2024-W20", now=NOW)
        return weekly, write_report(store, config, book, now=NOW)
    finally:
        store.close()


def test_overview_numbers_are_the_summary_sheets(workspace: Workspace) -> None:
    processed(workspace)
    for book in books(workspace):
        overview = {r["项目"]: r for r in table(book, "概况")}
        units = [r for r in table(book, "汇总") if r["序号"] is not None]
        assert overview["名册单位"]["数量"] == len(units) > 40
        reported = [r for r in units if r["报送状态"] != "未报送"]
        assert overview["已报送"]["数量"] == len(reported)
        for status in ("按时", "按时·附件待核", "逾期", "逾期·附件待核", "未报送"):
            n = sum(r["报送状态"] == status for r in units)
            assert overview[status]["数量"] == n if status in overview else n == 0, status
        assert "逾期·附件待核" not in overview  # no row for nothing to check
        assert overview["按时·附件待核"]["数量"] == 1
        assert overview["按时·附件待核"]["说明"] == "石马河街道"  # named, by its short name
        missing = str(overview["未报送"]["说明"])
        n = len(units) - len(reported)
        assert len(reported) == (4 if book.stem.endswith("W20") else 5)
        assert missing.endswith(f"等 {n} 个单位（全部见“未报送”工作表）")  # the page stays one
        assert missing.count("、") == 14 and "江北城街道、大石坝街道" in missing
        for label in ("绿色出行", "低碳日活动", "节约用电", "收看直播", "知识竞赛", "宣传推介",
                      "绿色办公"):  # fmt: skip
            assert overview[label]["数量"] == sum(r[label] == "✓" for r in units), label
            assert overview[label]["计量"] == "个单位"
        for name, measure in MEASURES.items():
            total = sum(int(r[COLUMNS[name]] or 0) for r in units)
            assert (overview[name]["数量"], overview[name]["计量"]) == (total, measure)
        assert overview["参与人数"]["数量"] == 150 + 50  # 观音桥 (corrected), 五里店


def test_new_since_the_previous_book(workspace: Workspace) -> None:
    processed(workspace)
    weekly, total = books(workspace)
    # W20 book: what came in during 13–19 May
    fresh = {r["单位名称"] for r in table(weekly, "汇总") if r["新到"] == "新"}
    assert fresh == {"观音桥街道办事处", "五里店街道办事处", "石马河街道办事处",
                     "重庆市江北区发展和改革委员会"}  # fmt: skip
    overview = {r["项目"]: r for r in table(weekly, "概况")}
    assert overview["本周新到"]["数量"] == 4
    # 累计: since the W20 book, i.e. the latest week (20–26 May): only 华新街's late report
    fresh = {r["单位名称"] for r in table(total, "汇总") if r["新到"] == "新"}
    assert fresh == {"华新街街道办事处"}
    overview = {r["项目"]: r for r in table(total, "概况")}
    assert overview["5月20日—5月26日新到"]["数量"] == 1
    assert overview["5月20日—5月26日新到"]["说明"] == "华新街街道"
    # the 合计 row counts the same
    (last,) = [r for r in table(total, "汇总") if r["单位名称"] == "合计"]
    roster = sum(r["序号"] is not None for r in table(total, "汇总"))
    assert last["新到"] == 1 and last["报送状态"] == f"已报 5/{roster}"
