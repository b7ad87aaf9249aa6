"""Doubtful entity links: where Eastmoney's auto-linker was probably wrong.

A link is suspicious when
- its text is glued into a longer word: `创[新产业]链`, `C[PPI]B`, `壮[大智慧]`, `煤[电机]组`
  (the link does not start and end on word boundaries of its sentence, as jieba cuts it);
- it continues another link without a break: `中国银河[证券]`;
- it sits inside the name of the article's source: `（文章来源：[券商]中国）`;
- a stock is linked by a name that is an ordinary word: `发展[绿色经济]`, `比如商业航天、[机器人]等`;
- across all inputs, one code is linked under different names.

Words are cut as jieba cuts them, by `words` (jieba's dictionary, read as needed).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from . import words
from .entities import Entity

_SOURCE = re.compile(r"[（(]\s*(?:文章)?来源[：:]\s*([^）)]*)[）)]")
# Stock names end like this when they are company names, whatever jieba thinks of them.
_COMPANY_ENDINGS = (
    "集团",
    "股份",
    "控股",
    "科技",
    "银行",
    "证券",
    "保险",
    "电子",
    "电气",
    "医药",
    "药业",
    "能源",
    "实业",
    "汽车",
    "航空",
    "传媒",
    "地产",
    "置业",
    "矿业",
    "化工",
    "环境",
    "通信",
    "信息",
    "软件",
    "国际",
    "发展",
    "文化",
    "生物",
    "材料",
    "电力",
    "农业",
    "食品",
    "重工",
    "机械",
    "网络",
    "资本",
    "基金",
    "信托",
    "期货",
    "公司",
    "有限",
    "Inc",
    "Ltd",
)
# jieba tags of proper nouns: people, places, organisations, other names, abbreviations.
_PROPER_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz", "j", "eng", "x"})
_COMMON_FREQ = 10  # a dictionary word at least this frequent is an ordinary word
# Chinese financial news outlets: a link inside one of these names is a mislink.
OUTLETS = (
    "券商中国",
    "证券时报",
    "中国证券报",
    "上海证券报",
    "证券日报",
    "经济参考报",
    "第一财经",
    "财联社",
    "21世纪经济报道",
    "每日经济新闻",
    "经济观察报",
    "中国基金报",
    "期货日报",
    "金融时报",
    "中国经营报",
    "国际金融报",
    "华夏时报",
    "新京报",
    "证券市场周刊",
    "新华社",
    "央视新闻",
    "人民日报",
    "界面新闻",
    "澎湃新闻",
    "中新经纬",
    "北京商报",
    "红星新闻",
    "时代财经",
    "东方财富网",
    "天天基金网",
    "中国新闻网",
    "经济日报",
    "证券之星",
    "同花顺",
)


# Head nouns that make a compound of the word before them: 证券|公司, 保险|机构.
_HEADS = frozenset({"公司", "机构", "企业", "行业", "板块", "类", "股", "业务", "市场", "产品"})


@lru_cache(maxsize=65536)
def _boundaries(text: str) -> frozenset[int]:
    """Word boundaries (character offsets) of `text`, dictionary words only.

    The joint of a compound "word + head noun" (证券公司 → 证券|公司) counts as a boundary:
    a link on the first part of such a compound is not glued.
    """
    cuts = {0}
    pos = 0
    for word in words.cut(text):
        for head in _HEADS:
            if len(word) > len(head) + 1 and word.endswith(head):
                cuts.add(pos + len(word) - len(head))
        pos += len(word)
        cuts.add(pos)
    return frozenset(cuts)


@lru_cache(maxsize=16384)
def _ordinary_word(name: str) -> bool:
    """True if `name` reads as ordinary words rather than a company name."""
    if name.endswith(_COMPANY_ENDINGS):
        return False
    parts = words.cut(name)
    common = all(len(w) >= 2 and words.frequency(w) >= _COMMON_FREQ for w in parts)
    if not (parts and common):
        return False
    # no proper noun among them (jieba's part-of-speech tags of dictionary words)
    return all(words.tag(w) not in _PROPER_TAGS for w in parts)


def _wordy(char: str) -> bool:
    """True for a character that forms words with its neighbours (a link next to one may be
    glued): ASCII letters and digits, CJK ideographs. (A regex of these ranges takes 3-10 ms
    to compile, a tenth of a cold start.)"""
    return bool(char) and (
        (char.isascii() and char.isalnum())
        or "\u3400" <= char <= "\u4dbf"
        or "\u4e00" <= char <= "\u9fff"
        or "\uf900" <= char <= "\ufaff"
    )


def reason(entity: Entity) -> str | None:
    """Why one link (with its context) is doubtful, or None."""
    joined_before, joined_after = entity.touching
    around = entity.before + "\0" + entity.name + "\0" + entity.after
    source = _SOURCE.search(entity.before[-12:] + "\0" + entity.name + "\0" + entity.after[:12])
    if source and "\0" in source.group(1) and source.group(1).replace("\0", "") != entity.name:
        return "inside the name of the article's source"
    plain = around.replace("\0", "")
    start = len(entity.before)
    for outlet in OUTLETS:
        if entity.name in outlet and entity.name != outlet:
            at = plain.find(outlet, max(0, start - len(outlet)))
            if at != -1 and at <= start and start + len(entity.name) <= at + len(outlet):
                return f"inside the name of the news outlet «{outlet}»"
    if joined_before and _wordy(joined_before[-1:]) and _wordy(entity.name[:1]):
        window = joined_before + entity.name + entity.after[:8]
        if len(joined_before) not in _boundaries(window):
            return f"continues the link «{joined_before}» into one word"
    span = entity.name + joined_after
    after = entity.after[len(joined_after) :] if entity.after.startswith(joined_after) else entity.after
    before = entity.before[: len(entity.before) - len(joined_before)] if joined_before else entity.before
    span = joined_before + span
    left = before[-1:]
    right = after[:1]
    if (left and _wordy(left) and _wordy(span[:1])) or (right and _wordy(right) and _wordy(span[-1:])):
        head = before[-8:]
        cuts = _boundaries(head + span + after[:8])
        if len(head) not in cuts or len(head) + len(span) not in cuts:
            return "glued into a longer word"
    if entity.kind == "stock" and _ordinary_word(entity.name):
        return "a stock linked by an ordinary word"
    return None


def flag(entities: list[Entity]) -> list[Entity]:
    """The links of one document, with `suspicious` and `reason` filled in."""
    out = []
    for entity in entities:
        why = reason(entity)
        out.append(replace(entity, suspicious=why is not None, reason=why))
    return out


def flag_across(entities: Iterable[Entity]) -> list[Entity]:
    """Flag, across all inputs, codes linked under more than one name (the rarer names)."""
    items = list(entities)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for e in items:
        if e.code:
            names[e.code][e.name] += 1
    out = []
    for e in items:
        counts = names.get(e.code or "")
        usual = counts.most_common(1)[0][0] if counts and len(counts) > 1 else e.name
        if e.name != usual and not e.suspicious:
            out.append(replace(e, suspicious=True, reason=f"{e.code} is elsewhere linked as «{usual}»"))
        else:
            out.append(e)
    return out
