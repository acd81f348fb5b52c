"""Matching submissions to the roster: address first, then names; never a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.process import Rulebook
from pipeline.units import identify, load_roster


def test_sender_address_wins(rulebook: Rulebook) -> None:
    match = identify(
        rulebook.roster, sender="fgw@jiangbei.example", subject="报送区机关事务局：节能宣传周总结"
    )
    assert (match.unit.id if match.unit else None, match.how) == ("fgw", "sender")


def test_address_and_signature_agreeing_is_no_conflict(rulebook: Rulebook) -> None:
    match = identify(
        rulebook.roster,
        sender="fgw@jiangbei.example",
        subject="区发改委节能宣传周总结",
        texts=["区发改委联合鱼嘴镇开展绿色出行活动。"],
    )
    assert (match.unit.id if match.unit else None, match.how) == ("fgw", "sender")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"subject": "鱼嘴镇总结"},
        {"filenames": ["鱼嘴镇节能宣传周总结.docx"]},
        {"texts": ["工作总结\n……正文……\n\n鱼嘴镇人民政府\n2024年5月16日"]},
    ],
)
def test_address_of_one_unit_signed_by_another_is_held_for_a_person(
    rulebook: Rulebook, kwargs: dict[str, object]
) -> None:
    match = identify(rulebook.roster, sender="fgw@jiangbei.example", **kwargs)  # type: ignore[arg-type]
    assert match.unit is None
    assert match.how == "conflict:fgw,yuzui"


@pytest.mark.parametrize(
    ("kwargs", "unit_id", "how"),
    [
        ({"subject": "区发改委2024年节能宣传周工作总结"}, "fgw", "subject"),
        ({"sender_name": "江北区卫健委办公室"}, "wjw", "sender_name"),
        ({"filenames": ["附件：鱼嘴镇节能宣传周总结.docx"]}, "yuzui", "filename"),
        ({"texts": ["工作总结\n……正文……\n\n寸滩街道办事处\n2024年5月16日"]}, "cuntan", "text"),
        ({"subject": "报送区机关事务局：五宝镇节能宣传周总结"}, "wubao", "subject"),
    ],
)
def test_unit_named_in_the_mail(
    rulebook: Rulebook, kwargs: dict[str, object], unit_id: str, how: str
) -> None:
    match = identify(rulebook.roster, sender="someone@example.com", **kwargs)  # type: ignore[arg-type]
    assert match.unit is not None
    assert (match.unit.id, match.how) == (unit_id, how)


def test_unknown_sender_naming_no_unit_is_not_guessed(rulebook: Rulebook) -> None:
    match = identify(
        rulebook.roster,
        sender="stranger@example.org",
        subject="咨询：节能宣传周是否需要报送",
        texts=["您好，我是一家企业的员工，想咨询节能宣传周活动。观音桥商圈很热闹。"],
    )
    assert match.unit is None and match.how == ""


def test_whole_text_counts_only_when_it_names_exactly_one_unit(rulebook: Rulebook) -> None:
    body = "x" * 400 + "本次活动由区城管局牵头组织。" + "y" * 400
    assert identify(rulebook.roster, texts=[body]).unit.id == "cgj"  # type: ignore[union-attr]
    two = body + "区民政局也派员参加。" + "z" * 400
    assert identify(rulebook.roster, texts=[two]).unit is None


def test_roster_rejects_a_name_used_by_two_units(tmp_path: Path) -> None:
    path = tmp_path / "roster.toml"
    path.write_text(
        '[[unit]]\nid = "a"\nname = "甲街道"\ntype = "街道/镇"\naliases = ["重名"]\n'
        '[[unit]]\nid = "b"\nname = "乙街道"\ntype = "街道/镇"\naliases = ["重名"]\n'
    )
    with pytest.raises(ConfigError, match="'重名' is used by two units"):
        load_roster(path)


def test_roster_rejects_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "roster.toml"
    path.write_text('[[unit]]\nid = "a"\nname = "甲"\ntype = "公司"\n')
    with pytest.raises(ConfigError, match="unit #1"):
        load_roster(path)
