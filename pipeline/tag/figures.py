"""Key figures stated in a text: participants, leaflets, banners, boards, events.

A figure is a stated count: a number (Arabic 120, 3,000, 1.5万 or Chinese
一百二十, 两千) followed by a measure word (人, 人次, 名, 份, 条, 幅, 块, 场, 次 …).
3000余份 counts as 3000; approximations (近百, 数十, 上千, 几百) are not figures.
Where a text gives several counts of one kind, the largest wins (usually the total).

Which figure a count belongs to is decided by the noun it measures: the noun
right after it (12条横幅), else the nearest noun before it in the same sentence
(悬挂横幅12条). So 标语30条 are not banners, 信息5条 neither, 海报50张 are not
leaflets and 阅读量3000次 is not events. People counts (人, 名, 人次) are
participants.

The caller passes only the text whose numbers are the unit's own (see
`tagging.Tagging.counted`): other campaigns' passages and planned work are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_MAX = 10_000_000

_COUNT = re.compile(
    r"(?P<number>\d{1,3}(?:[,，]\d{3})+(?!\d)(?:\.\d+)?万?|\d+(?:\.\d+)?万?"
    r"|[零〇一二两三四五六七八九十百千万]+)"
    r"(?:余|多)?(?P<unit>人次|场次|人|名|位|份|册|本|张|件|条|幅|块|个|面|场|次)"
)
# a count is not a figure after these (an estimate, an ordinal, part of a bigger number)
_NOT_AFTER = set("第近若每前周星至到-~～—－") | set("0123456789.")
# …nor a Chinese numeral after these (数十, 几百, 上千; 再一次, 又一次, 这一次 say "again",
# "this time"); 人数4200人 is a count
_NOT_AFTER_CN = set("数几上再又这那哪同唯逐")
# …nor when the measure word is really the start of another word (人民, 名单, 张贴, 条件 …)
_NOT_BEFORE = {
    "人": "民员大工造才均口力事士家群们文格体",
    "名": "单额次称义字片列牌号誉",
    "位": "置于列",
    "份": "额",
    "本": "单局院馆部市区县镇次届年月周身人期职地领",
    "张": "贴挂",
    "条": "件例款龙线路街理",
    "场": "所景地馆合面镇部站外内上",
    "次": "数序日年月会要性",
    "块": "钱",
    "个": "人体别性月",
    "面": "对向积临前貌上",
}

LEAFLETS = ("宣传资料", "资料", "传单", "宣传单", "手册", "倡议书", "折页", "宣传册",
            "明白纸", "读本", "宣传品", "宣传材料", "小册子", "宣传页", "告知书", "公开信",
            "宣传画册")  # fmt: skip
BANNERS = ("横幅", "条幅", "横幅标语", "宣传横幅", "布标")
BOARDS = ("展板", "展牌", "展示牌", "版面")
EVENTS = ("活动", "宣传", "讲座", "培训", "竞赛", "竞答", "答题", "宣讲", "展览", "体验",
          "集市", "比赛", "巡展", "义诊", "宣传日", "讲堂", "课堂")  # fmt: skip
# nouns these measure words also count, which are none of the five figures
_OTHER_NOUNS = {
    "sheet": ("海报", "标语", "图书", "书籍", "教材", "答卷", "问卷", "手抄报", "报纸",
              "纸质件", "文件", "材料", "作品", "照片", "门票", "奖品", "证书", "卡片",
              "宣传画", "展架", "表"),
    "strip": ("标语", "信息", "短信", "推文", "微博", "消息", "建议", "意见", "措施", "视频",
              "新闻", "稿件", "简报", "动态", "文章", "口号", "宣传语", "规定", "举措", "经验"),
    "piece": ("显示屏", "电子屏", "屏", "宣传栏", "提示牌", "标牌", "牌", "黑板报", "展架",
              "宣传牌"),
    "time": ("阅读", "浏览", "点击", "播放", "转发", "会议", "检查", "巡查", "推送", "发布",
             "访问", "播出", "点赞", "督查", "通报", "咨询"),
}  # fmt: skip
_UNIT_NOUNS: dict[str, tuple[tuple[str, str | None], ...]] = {}
for _unit, _own, _key, _other in (
    ("份册本张件", LEAFLETS, "leaflets", "sheet"),
    ("条幅", BANNERS, "banners", "strip"),
    ("块个面", BOARDS, "boards", "piece"),
    ("场次场次", EVENTS, "events", "time"),
):
    for _u in _unit:
        _UNIT_NOUNS[_u] = tuple((n, _key) for n in _own) + tuple(
            (n, None) for n in _OTHER_NOUNS[_other]
        )
_UNIT_NOUNS["场次"] = _UNIT_NOUNS["场"]
_UNIT_NOUNS["个"] = tuple((n, "banners") for n in BANNERS) + _UNIT_NOUNS["个"]  # 条幅12个
_UNIT_NOUNS["幅"] += tuple((n, "boards") for n in BOARDS)  # 展板30多幅
_PEOPLE = ("人次", "人", "名", "位")
_COLUMNS = (
    ("participants", ("人数", "人次", "参与人员", "参加人员")),
    ("leaflets", ("资料", "份数", "传单", "手册", "折页")),
    ("banners", ("横幅", "条幅")),
    ("boards", ("展板",)),
    ("events", ("场次", "次数")),
)
_CELL = re.compile(
    r"^\s*(\d+(?:\.\d+)?万?|[零〇一二两三四五六七八九十百千万]+)(?:余|多)?"
    r"\s*(?:人次|人|名|份|册|条|幅|块|场|次)?\s*$"
)
_HAND_OUT = ("发放", "派发", "分发", "散发", "赠送", "印发", "发出", "送出", "递送")
_AFTER_WINDOW = 8
_SENTENCE_BREAK_CHARS = "。！？!?；;\n"


@dataclass(frozen=True)
class Count:
    """One stated count and the figure it belongs to (None: not one of the five)."""

    key: str | None
    value: int
    text: str  # the number with its measure word, as written
    noun: str  # the noun it measures ("" for people)


def cn_number(text: str) -> int | None:
    """Chinese or Arabic numeral to int: 一百二十 → 120, 3,000 → 3000, 1.2万 → 12000."""
    text = text.replace(",", "").replace("，", "")  # 3,500 and 3，500 (thousands)
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
            if digit is not None and ch not in "零〇" and digit:
                return None  # 二三十, 三五: an estimate, not a count
            digit = _CN_DIGITS[ch]
        elif ch == "万":
            section = (section + (1 if digit is None and not section else digit or 0)) * 10000
            total += section
            section, digit = 0, None
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def counts(text: str) -> list[Count]:
    """Every stated count in the text, with the figure it belongs to."""
    out = []
    for m in _COUNT.finditer(text):
        start, end, unit = m.start(), m.end(), m.group("unit")
        if start and text[start - 1] in _NOT_AFTER and text[start - 2 : start] != "达到":
            continue  # 10到20人 is a range; 达到1000余人 is a count
        if start > 1 and text[start - 1] in ",，" and text[start - 2].isdigit():
            continue  # the tail of 3,500 or 3，500 that the grouped form did not take
        if start and text[start - 1] in _NOT_AFTER_CN and not text[start].isdigit():
            continue
        if end < len(text) and text[end] in _NOT_BEFORE.get(unit[0], ""):
            continue
        if text[max(0, start - 2) : start] == "一式":
            continue
        if m.group("number") == "万" and m.group(0)[1:2] not in ("余", "多"):
            continue  # 万人签名 is an activity's name; 万余份 is a count
        value = cn_number(m.group("number"))
        if not value or value >= _MAX:
            continue
        if unit in _PEOPLE:
            # one person (最后一人, 一名经办人员) is not a turnout, nor 两名工作人员 in a scene
            if value > 2 or (value == 2 and start_digit(m)):
                out.append(Count("participants", value, m.group(0), ""))
            continue
        if value == 1 and not start_digit(m) and unit in ("场", "次", "场次"):
            # 一场, 一次: an activity only when an activity noun follows in the clause
            # (举办了一场…宣传活动), never 一次难得的机会 or 一场绿色变革
            if _one_event(text, start, end):
                out.append(Count("events", 1, m.group(0), "活动"))
            continue
        clause = _clause_before(text, start)
        if unit == "次" and "人次" in clause:
            out.append(Count("participants", value, m.group(0), "人次"))  # 参与人次达967次
            continue
        noun, key = _measured_noun(text, start, end, unit)
        if not noun and unit in ("场", "场次"):
            key = "events"  # 场 counts activities even without a noun (开展6场)
        if key == "events" and unit == "次" and any(w in clause for w in _ONLINE):
            key = None  # 在微信上宣传318次: posts, not activities held
        out.append(Count(key, value, m.group(0), noun))
    return out


# where a count of 次 is of posts, not activities held
_ONLINE = ("微信", "线上", "网上", "网络", "平台", "公众号", "网站", "朋友圈", "抖音", "微博",
           "视频号")  # fmt: skip


def _clause_before(text: str, start: int) -> str:
    """The clause a count ends (from the last ，。；： before it)."""
    return re.split(r"[，,。！？；;：:\n]", text[max(0, start - 40) : start])[-1]


def start_digit(m: re.Match[str]) -> bool:
    return m.group("number")[0].isdigit()


_NOT_EVENTS = ("机会", "契机", "革命", "变革", "考验", "洗礼", "盛宴", "实践", "尝试")


def _one_event(text: str, start: int, end: int) -> bool:
    """Whether 一场/一次 at [start, end) measures an activity: an activity noun right before it
    (讲座一场), or one following in its clause (within 24 characters) before any word of the
    kind that counts nothing (一次难得的机会, 一场绿色变革)."""
    if any(text[max(0, start - len(n)) : start] == n for n in EVENTS):
        return True
    clause = re.split(r"[，,。！？；;：:\n]", text[end : end + 24], maxsplit=1)[0]
    first_event = min((clause.find(n) for n in EVENTS if n in clause), default=-1)
    if first_event < 0:
        return False
    return not any(0 <= clause.find(w) < first_event for w in _NOT_EVENTS)


def table_counts(text: str) -> list[Count]:
    """Counts in statistics tables (one row per line, cells separated by tabs, as the docx
    reader writes them): a header row names the figure of each column (参与人数, 发放资料（份）,
    悬挂横幅（条）…), the rows below give the numbers."""
    out: list[Count] = []
    columns: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        if "\t" not in line:
            columns = {}
            continue
        cells = [c.strip() for c in line.split("\t")]
        header = {i: (key, c) for i, c in enumerate(cells) if (key := _column_key(c))}
        if header and not any(_CELL.match(c) for c in cells):
            columns = header
            continue
        for i, (key, name) in columns.items():
            m = _CELL.match(cells[i]) if i < len(cells) else None
            value = cn_number(m.group(1)) if m else None
            if value and value < _MAX and not (key == "participants" and value < 2):
                out.append(Count(key, value, f"{name}：{cells[i]}", name))
    return out


def figures(text: str) -> dict[str, int]:
    """The largest stated count of each kind in the text."""
    out: dict[str, int] = {}
    for c in counts(text) + table_counts(text):
        if c.key:
            out[c.key] = max(out.get(c.key, 0), c.value)
    return out


def _column_key(cell: str) -> str | None:
    """The figure a table column holds, from its header (参与人数 → participants)."""
    if _CELL.match(cell):
        return None
    return next((key for key, words in _COLUMNS if any(w in cell for w in words)), None)


def _measured_noun(text: str, start: int, end: int, unit: str) -> tuple[str, str | None]:
    """The noun a count measures: right after it (12条横幅), else the nearest before it in
    its clause (悬挂横幅12条), else what a hand-out verb in the clause gives out (发放《…》500份),
    else the nearest noun earlier in the sentence (印制宣传资料，共发放3000份)."""
    nouns = _UNIT_NOUNS.get(unit, ())
    after = re.split(r"[，,、。！？；;：:\n]", text[end : end + _AFTER_WINDOW], maxsplit=1)[0]
    found = [(after.find(n), -len(n), n, k) for n, k in nouns if n in after]
    if found:
        _, _, noun, key = min(found)
        return noun, key
    # the last break before the count, found backwards: the text may be a whole report
    last_break = max(text.rfind(c, 0, start) for c in _SENTENCE_BREAK_CHARS)
    sentence = text[last_break + 1 : start]
    clause = re.split(r"[，,：:]", sentence)[-1]
    for before in (clause, sentence):
        found = [(before.rfind(n) + len(n), len(n), n, k) for n, k in nouns if n in before]
        if found:
            _, _, noun, key = max(found)
            if key is None and before is clause:
                key = _enumerated_key(before, noun, nouns)
            return noun, key
        if before is clause and _names_other_noun(clause):
            return "", None  # 发放手提袋200余个: the clause's own noun is none of the five
        if before is clause and unit in "份册本张" and any(v in clause for v in _HAND_OUT):
            return "（发放）", "leaflets"  # 发放《居家节电小指南》500份
    return "", None


# what may stand in a clause before a count besides its noun (共发放3000份, 累计悬挂12条)
_FILLER = re.compile(
    r"[共计累约余多了各类种和及等在向为对于给的、\s]|发放|派发|分发|散发|赠送|印发|印制|制作|悬挂"
    r"|张贴|摆放|展出|设置|布置|出动|开展|举办|组织|活动|期间|现场|累计|合计|总计|总共|一共|其中"
    r"|节能|低碳|宣传|各种|各类|相关|主题"
)


_VERB = re.compile(
    r"发放|派发|分发|散发|赠送|印发|印制|制作|悬挂|张贴|摆放|展出|设置|布置|送出|发出|递送|准备|购置"
)


def _names_other_noun(clause: str) -> bool:
    """Whether the clause before a count names a thing of its own (手提袋, 小纸条): then the
    count is that thing's, not a noun's further back in the sentence."""
    verbs = [m.end() for m in _VERB.finditer(clause)]
    obj = clause[verbs[-1] :] if verbs else clause  # the object: what follows the last verb
    rest = _FILLER.sub("", re.sub(r"《[^》]*》|“[^”]*”", "", obj))
    return len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 2


def _enumerated_key(
    clause: str, noun: str, nouns: tuple[tuple[str, str | None], ...]
) -> str | None:
    """宣传册、宣传画一万份: a count after an enumeration belongs to its first figure noun."""
    items = re.split(r"[、和及与]", clause)
    if len(items) < 2 or noun not in items[-1]:
        return None
    for item in items[:-1]:
        if re.search(r"\d|[一二两三四五六七八九十百千万]+[条幅块个份张次场]", item):
            continue  # 横幅11条、标语100余条: that item has its own count
        keys = [k for n, k in nouns if k and n in item]
        if keys:
            return keys[0]
    return None
